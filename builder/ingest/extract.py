"""Raw page -> document: decode, extract the main text with trafilatura, locate links, give it an id.

The text is built from trafilatura's element tree (not its text output) so that every hyperlink of
the main content gets its character offsets in the final text. Blocks (paragraphs, headings, list
items, quotes) are separated by a blank line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from itertools import islice
from urllib.parse import urljoin, urlsplit

import courlan

from builder.hashing import stable_hash
from builder.ingest.config import IngestConfig
from builder.ingest.decode import Undecodable, decode
from builder.ingest.metadata import page_metadata
from builder.ingest.readers import reject

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLOCKS = {"p", "head", "item", "quote", "cell", "code", "lb"}


def normalize_line(line: str) -> str:
    """NFC, no zero-width characters, one space between words, no edge spaces."""
    return _SPACE.sub(" ", _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", line))).strip()


def normalize_text(text: str) -> str:
    """Normalised lines; paragraphs separated by exactly one blank line."""
    lines = [normalize_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs)


def text_hash(text: str) -> str:
    """Key for exact duplicates: case and spacing do not matter."""
    return stable_hash(" ".join(text.lower().split()))


def canonical_url(url: str | None) -> str | None:
    """Lower-case host, tracking parameters and fragment dropped (courlan's rules)."""
    if not url or not url.strip():
        return None
    try:
        return courlan.normalize_url(url.strip(), strict=True)
    except Exception:  # courlan raises bare ValueErrors and more on odd URLs; keep what we got
        return url.strip()


def host_of(url: str | None) -> str | None:
    return _host(urlsplit(url)) if url else None


def _host(split) -> str | None:
    host = (split.hostname or "").lower()
    return host.removeprefix("www.") or None


def document_id(canonical: str | None, raw: bytes) -> str:
    return stable_hash(canonical if canonical else raw)


def parse_timestamp(value) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return stamp.replace(tzinfo=dt.timezone.utc) if stamp.tzinfo is None else stamp.astimezone(dt.timezone.utc)


class _TextBuilder:
    """Collects blocks of text and the links inside them, with offsets into the joined text."""

    def __init__(self):
        self.blocks: list[str] = []
        self.links: list[tuple[int, int, str, str]] = []  # start, end, target, anchor text
        self.length = 0

    def add_block(self, parts: list[tuple[str, str | None]]):
        """parts: (text, link target or None). Whitespace is normalised across part boundaries."""
        if len(parts) == 1:  # most blocks: the text of one element, a link only if it is all link
            text, target = parts[0]
            text = _tidy(text).strip()
            if text:
                if self.blocks:
                    self.length += 2
                if target:
                    self.links.append((self.length, self.length + len(text), target, text))
                self.blocks.append(text)
                self.length += len(text)
            return
        pieces, links = [], []
        length, after_space = 0, True  # of the pieces so far; a block starts as if after a space
        for text, target in parts:
            text = _tidy(text)
            if after_space:
                text = text.lstrip()
            if not text:
                continue
            if target:
                anchor = text.strip()
                if anchor:
                    start = length + (len(text) - len(text.lstrip()))
                    links.append((start, start + len(anchor), target, anchor))
            pieces.append(text)
            length += len(text)
            after_space = text[-1] == " "
        stripped = "".join(pieces).rstrip()
        if not stripped:
            return
        if self.blocks:
            self.length += 2
        for start, end, target, anchor in links:
            end = min(end, len(stripped))
            if start < end:
                self.links.append((self.length + start, self.length + end, target, anchor))
        self.blocks.append(stripped)
        self.length += len(stripped)

    def text(self) -> str:
        return "\n\n".join(self.blocks)


# The characters of _SPACE and _ZERO_WIDTH other than the ASCII space, and the newline: a part with
# none of them and no double space is already tidy after NFC (most parts are).
_UNTIDY = re.compile(r"[\t\n\u00a0\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff]")


def _tidy(text: str) -> str:
    """NFC, newlines as spaces, no zero-width characters, runs of spaces as one (edges kept)."""
    if text.isascii():  # O(1); NFC leaves ASCII as it is, and none of it is zero-width
        if "\n" not in text and "\t" not in text and "  " not in text:
            return text
    else:
        nfc = unicodedata.normalize("NFC", text)
        if "  " not in nfc and _UNTIDY.search(nfc) is None:
            return nfc
    return _SPACE.sub(" ", _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text.replace("\n", " "))))


_OPENS = _BLOCKS | {"list", "table", "row", "div", "main", "body", "doc"}  # end the block before them
_CLOSES = _BLOCKS | {"list", "table", "row"}  # end the block after them


def _flatten(element, parts: list, builder: _TextBuilder):
    """Depth-first walk of trafilatura's output tree; block elements start a new block."""
    tag = element.tag
    if parts and tag in _OPENS:
        builder.add_block(parts)
        parts.clear()
    text = element.text  # each read of .text or .tail builds a new string
    if text:
        parts.append((text, element.get("target") if tag == "ref" else None))
    for child in element:
        _flatten(child, parts, builder)
        tail = child.tail
        if tail:
            parts.append((tail, None))
    if parts and tag in _CLOSES:
        builder.add_block(parts)
        parts.clear()


def _text_and_links(body, base: str | None) -> tuple[str, list[dict]]:
    """The text of trafilatura's output tree and its links; relative hrefs ("/people/ann-lee") made absolute
    against base, the page's own URL."""
    builder = _TextBuilder()
    parts: list = []
    _flatten(body, parts, builder)
    if parts:
        builder.add_block(parts)
    # every target split first: a malformed one (urlsplit raises) fails the page before any join does
    splits = [urlsplit(target) for _, _, target, _ in builder.links]
    links = []
    for (start, end, url, anchor), split in zip(builder.links, splits):
        if base and not split.scheme:
            url = urljoin(base, url)
            split = urlsplit(url)
        links.append({"start": start, "end": end, "url": url, "text": anchor, "domain": _host(split)})
    return builder.text(), links


_LETTER = re.compile(r"[^\W\d_]")


def has_letters(text: str, least: int) -> bool:
    """At least `least` letters; stops counting there (a full count of a long article costs ~1 ms)."""
    return least == 0 or next(islice(_LETTER.finditer(text), least - 1, None), None) is not None


def tree_depth(tree) -> int:
    """Deepest nesting level of a parsed page (iterative: a deep page must not exhaust the stack)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def nests_deeper(tree, levels: int) -> bool:
    """Whether any element sits more than `levels` deep: one XPath of levels+1 child steps, evaluated in C
    (about 6x faster than walking the tree in Python, which only the rare reject message still does)."""
    return bool(tree.getroottree().xpath("boolean(/" + "/".join(["*"] * (levels + 1)) + ")"))


class TooDeep(ValueError):
    pass


def _extract_html(html: str, url: str | None, cfg: IngestConfig):
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)  # parsed once here, so the depth check costs no second parse
    if tree is None:
        return None, None
    if nests_deeper(tree, cfg.max_depth):
        raise TooDeep(f"the page nests {tree_depth(tree)} levels deep, over ingest.max_depth={cfg.max_depth}")

    meta = page_metadata(tree, url, cfg.extensive_date_search)  # before trafilatura, which prunes the tree it is given
    # output_format="xml": we read only the element tree (result.body); the default "python" also renders
    # it to plain text, which we would throw away (~0.5 ms a page; the tree is the same either way).
    result = trafilatura.bare_extraction(
        tree, url=url, output_format="xml", with_metadata=False, include_links=True, include_comments=False,
        include_tables=True, favor_precision=cfg.focus == "precision", favor_recall=cfg.focus == "recall", deduplicate=False, fast=not cfg.fallback,
    )
    if result is None or result.body is None:
        return None, meta
    return _text_and_links(result.body, url or meta.url), meta


def extract_page(raw: dict, cfg: IngestConfig) -> dict:
    """A document dict (fields of records.Document) or a reject dict (fields of records.Reject)."""
    origin, data, url = raw["origin"], raw["data"], raw.get("url")
    if len(data) > cfg.max_page_bytes:
        return reject(origin, "too-large", f"{len(data):,} bytes is over ingest.max_page_bytes", url=url, stage="extract")
    try:
        page_text, encoding = decode(data, raw.get("content_type"))
    except Undecodable as exc:
        return reject(origin, exc.reason, exc.detail, url=url, stage="extract")

    title = authors = published = site_name = None
    links: list[dict] = []
    if raw["kind"] == "html":
        try:
            found, meta = _extract_html(page_text, url, cfg)
        except MemoryError:
            raise  # the guard process turns this into a 'too-much-memory' reject
        except TooDeep as exc:
            return reject(origin, "too-deep", str(exc), url=url, stage="extract")
        except Exception as exc:  # a parser failure on one page must not stop the build
            return reject(origin, "parse-error", f"trafilatura failed: {type(exc).__name__}: {exc}", url=url, stage="extract")
        if found is None:
            return reject(origin, "no-main-text", "trafilatura found no main text in the page", url=url, stage="extract")
        text, links = found
        if len(links) > cfg.max_links:
            return reject(origin, "too-many-links", f"{len(links):,} links in the main text, over ingest.max_links={cfg.max_links} "
                          "(a link farm or a sitemap, not an article)", url=url, stage="extract")
        title, authors, published, site_name = meta.title, meta.authors, meta.published, meta.site_name
        url = url or meta.url
    else:
        text = normalize_text(page_text)

    if not has_letters(text, cfg.min_text_chars):
        letters = sum(ch.isalpha() for ch in text)
        return reject(origin, "empty", f"only {letters} letters of text after extraction (minimum ingest.min_text_chars={cfg.min_text_chars})",
                      url=url, stage="extract")
    canonical = canonical_url(url)
    return {
        "id": document_id(canonical, data),
        "url": url,
        "canonical_url": canonical,
        "site": host_of(canonical) or raw.get("site"),
        "origin": origin,
        "content_type": raw["kind"],
        "encoding": encoding,
        "fetched_at": parse_timestamp(raw.get("fetched_at")),
        "title": title,
        "authors": authors or [],
        "published": published,
        "site_name": site_name,
        "text": text,
        "raw_hash": stable_hash(data),
        "text_hash": text_hash(text),
        "language": "unknown",
        "links": links,
    }
