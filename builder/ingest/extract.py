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
from urllib.parse import urlsplit

import courlan

from builder.hashing import stable_hash
from builder.ingest.combine import choose, page_words, stopped_short
from builder.ingest.config import IngestConfig
from builder.ingest.decode import Undecodable, decode
from builder.ingest.metadata import page_metadata
from builder.ingest.raw import reject
from builder.ingest.text_tree import SPACE, ZERO_WIDTH, host_of_split, text_and_links


def normalize_line(line: str) -> str:
    """NFC, no zero-width characters, one space between words, no edge spaces."""
    return SPACE.sub(" ", ZERO_WIDTH.sub("", unicodedata.normalize("NFC", line))).strip()


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
    return host_of_split(urlsplit(url)) if url else None


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


def _trafilatura(tree, url: str | None, base: str | None, cfg: IngestConfig, focus: str):
    """trafilatura's main text of a parsed page as (text, links; relative links resolved against base), or None.
    It prunes the tree it is given."""
    import trafilatura

    # output_format="xml": we read only the element tree (result.body); the default "python" also renders
    # it to plain text, which we would throw away (~0.5 ms a page; the tree is the same either way).
    result = trafilatura.bare_extraction(
        tree, url=url, output_format="xml", with_metadata=False, include_links=True, include_comments=False,
        include_tables=True, favor_precision=focus == "precision", favor_recall=focus == "recall", deduplicate=False, fast=not cfg.fallback,
    )
    if result is None or result.body is None:
        return None
    return text_and_links(result.body, base)


def _second_opinions(html: str, url: str | None, base: str | None, cfg: IngestConfig):
    """The extractors asked when the first one seems to have stopped short (builder/ingest/combine.py)."""
    from trafilatura.utils import load_html

    from builder.ingest.second_opinion import readability_text

    if cfg.focus == "recall":
        tree = load_html(html)
        yield _trafilatura(tree, url, base, cfg, "balanced") if tree is not None else None
    yield readability_text(html, base)


def _extract_html(html: str, url: str | None, cfg: IngestConfig):
    from trafilatura.utils import load_html

    tree = load_html(html)  # parsed once here, so the depth check costs no second parse
    if tree is None:
        return None, None
    if nests_deeper(tree, cfg.max_depth):
        raise TooDeep(f"the page nests {tree_depth(tree)} levels deep, over ingest.max_depth={cfg.max_depth}")

    meta = page_metadata(tree, url, cfg.extensive_date_search)  # before trafilatura, which prunes the tree it is given
    base = url or meta.url
    words_on_page = page_words(tree) if cfg.second_opinion else 0
    found = _trafilatura(tree, url, base, cfg, cfg.focus)
    if cfg.second_opinion and (found is None or stopped_short(found[0], words_on_page)):
        found, _ = choose(found, _second_opinions(html, url, base, cfg))
    return found, meta


_HEADLINE_END = re.compile(r"[.,;!…]$")


def plain_text_headline(text: str) -> str | None:
    """The first paragraph of a plain-text page, when it is one short line that does not end like a sentence
    and more text follows: how a headline is written in a text file."""
    first, _, rest = text.partition("\n\n")
    if not rest or "\n" in first or len(first) > 200 or not 2 <= len(first.split()) <= 25 or _HEADLINE_END.search(first):
        return None
    return first


def extract_page(raw: dict, cfg: IngestConfig) -> dict:
    """A document dict (fields of records.Document) or a reject dict (fields of records.Reject)."""
    origin, data, url = raw["origin"], raw["data"], raw.get("url")
    if len(data) > cfg.max_page_bytes:
        return reject(origin, "too-large", f"{len(data):,} bytes is over ingest.max_page_bytes", url=url, stage="extract")
    try:
        page_text, encoding = decode(data, raw.get("content_type"))
    except Undecodable as exc:
        return reject(origin, exc.reason, exc.detail, url=url, stage="extract")

    title = authors = published = site_name = link_host = None
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
        title, authors, published, site_name, link_host = meta.title, meta.authors, meta.published, meta.site_name, meta.link_host
        url = url or meta.url
    else:
        text = normalize_text(page_text)
        title = plain_text_headline(text)

    if not has_letters(text, cfg.min_text_chars):
        letters = sum(ch.isalpha() for ch in text)
        return reject(origin, "empty", f"only {letters} letters of text after extraction (minimum ingest.min_text_chars={cfg.min_text_chars})",
                      url=url, stage="extract")
    canonical = canonical_url(url)
    return {
        "id": document_id(canonical, data),
        "url": url,
        "canonical_url": canonical,
        # The page's own evidence first: its URL, canonical or og:url, the input's declared source, the host
        # most of its links point to; the configured default only for pages with none (never a folder name:
        # a folder often holds many outlets, and site-line removal would compare unrelated publishers).
        "site": host_of(canonical) or raw.get("site") or link_host or cfg.default_site,
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
