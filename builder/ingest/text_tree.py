"""trafilatura's output tree (or any tree in its tag vocabulary) -> text with blank-line separated blocks and
the character offsets of every link in it."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit

SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLOCKS = {"p", "head", "item", "quote", "cell", "code", "lb"}


def host_of_split(split) -> str | None:
    host = (split.hostname or "").lower()
    return host.removeprefix("www.") or None


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


# The characters of SPACE and ZERO_WIDTH other than the ASCII space, and the newline: a part with
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
    return SPACE.sub(" ", ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text.replace("\n", " "))))


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


_INLINE = ("ref", "hi")
_FRAMES = {"body", "div", "doc", "main"}  # containers of blocks: an inline element directly in one stands alone
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’»)\]]\s*$")


def _last_text(element) -> str:
    """The text an element ends with (its last child's tail, else its own text)."""
    return (element[-1].tail if len(element) else element.text) or ""


def _append_inline(block, inline, space: bool = False):
    """Move `inline` (with its tail) to the end of `block`, after a space if asked."""
    if space:
        if len(block):
            block[-1].tail = (block[-1].tail or "") + " "
        else:
            block.text = (block.text or "") + " "
    block.append(inline)


def _absorb(block, following):
    """Move the text and children of `following` to the end of `block`, and drop `following`."""
    if following.text:
        if len(block):
            block[-1].tail = (block[-1].tail or "") + following.text
        else:
            block.text = (block.text or "") + following.text
    for child in list(following):
        block.append(child)
    following.getparent().remove(following)


def rejoin_split_paragraphs(body) -> None:
    """Put back together the paragraphs trafilatura splits at an inline link when it walks a frame of
    <br>-separated text element by element (issue 20): such a frame's link is emitted on its own, so one
    paragraph comes out as two or three blocks. Two shapes, each told apart from a real paragraph break by
    what trafilatura leaves at the cut:

      - a bare link between two paragraphs, where the text before it still ends in a space or the text
        after it starts with a space or a comma ('... has suffered from ' <ref>pump faults</ref> ' since
        2016.'): text that runs on. A paragraph that really ends before a link has its trailing space trimmed.
      - a paragraph made of a link and the text after it, glued with no space ('<ref>the old dredger</ref>was
        repaired'), after a paragraph that stops without punctuation ('Just months after'): trafilatura
        trimmed both sides of what was one run of text. A link list item has no text after its
        link, and a real paragraph that opens with a link keeps the space after it.

    One pass over the output tree (tens to hundreds of elements), done before its text is read."""
    for inline in [e for e in body.iter(*_INLINE) if e.getparent() is not None and e.getparent().tag in _FRAMES]:
        before, after = inline.getprevious(), inline.getnext()
        if before is None or before.tag != "p" or not _last_text(before)[-1:].isspace():
            continue
        tail = inline.tail or ""
        _append_inline(before, inline)
        if not tail.strip() and after is not None and after.tag == "p" and (after.text or "")[:1] in (" ", ",", ".", ";", ":", ")"):
            _absorb(before, after)
    for block in [e for e in body.iter("p") if len(e) == 1 and not (e.text or "").strip() and e[0].tag == "ref"]:
        link, before = block[0], block.getprevious()
        tail = link.tail or ""
        if not tail or tail[0].isspace() or before is None or before.tag != "p" or _SENTENCE_END.search(_last_text(before)):
            continue
        if tail[0].isalnum() and (link.text or "")[-1:].isalnum():
            link.tail = " " + tail  # the space trafilatura trimmed between the link and its sentence
        _append_inline(before, link, space=True)
        block.getparent().remove(block)


def text_and_links(body, base: str | None) -> tuple[str, list[dict]]:
    """The text of trafilatura's output tree and its links; relative hrefs ("/people/ann-lee") made absolute
    against base, the page's own URL."""
    rejoin_split_paragraphs(body)
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
        links.append({"start": start, "end": end, "url": url, "text": anchor, "domain": host_of_split(split)})
    return builder.text(), links
