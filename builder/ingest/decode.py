"""Bytes -> text: declared charset first, then UTF-8, then detection; binary junk is refused."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
# Share of U+FFFD we accept when repairing nearly-valid UTF-8 (a few stray bytes in a long page).
_MAX_REPAIR_SHARE = 0.005
# charset-normalizer's mess ratio above which its best guess is mojibake, not text (a clean
# Windows-1252 page scores 0.0; UTF-8 with broken sequences read as cp1251 scores about 0.02).
_MAX_CHAOS = 0.01


class Undecodable(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """Charset from an HTTP Content-Type header or an HTML <meta> tag, if any and if known."""
    if content_type and "charset=" in content_type.lower():
        found = _known_codec(content_type.lower().split("charset=", 1)[1].split(";")[0])
        if found:
            return found
    match = _META_CHARSET.search(data[:4096])
    return _known_codec(match.group(1).decode("ascii", "ignore")) if match else None


_CONTROLS = bytes(range(9)) + bytes(range(14, 32))  # C0 controls other than tab, newline, VT, FF, CR


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the head: an image, archive or random junk."""
    head = data[:4096]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROLS))  # in C: a generator over 4 KiB took ~0.1 ms
    return controls > len(head) * 0.05


# Undeclared legacy pages are most often Windows-1252 (the WHATWG default for Western locales); when the
# detector finds it as clean as its favourite (a cp1250 or cp1252 reading of French can tie), take it.
_WEB_DEFAULT = ("cp1252", "latin_1", "iso8859_15")


def _best_guess(data: bytes):
    results = list(charset_normalizer.from_bytes(data))
    if not results:
        return None
    cleanest = min(r.chaos for r in results)
    tied = [r for r in results if r.chaos <= cleanest + 1e-3]
    return next((r for r in tied if r.encoding in _WEB_DEFAULT), tied[0])


# A byte order mark names its encoding and wins over any declaration (as in browsers). UTF-32 LE first:
# its mark begins with UTF-16 LE's.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")  # codecs.lookup names


def _by_bom(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError:
                raise Undecodable("undecodable", f"the bytes start with a {encoding} byte order mark but are not "
                                  f"{encoding}; re-save the file as UTF-8") from None
    return None


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Raises Undecodable with a reason."""
    if not data.strip():
        raise Undecodable("empty", "the input holds no bytes (or only white space)")
    marked = _by_bom(data)
    if marked is not None:
        return marked
    declared = declared_charset(data, content_type)
    if declared in _WIDE and b"\x00" not in data[:4096]:
        # A UTF-16/32 declaration over bytes with no NUL is false (ASCII in those encodings has NULs; a meta
        # tag that can be read as ASCII is not in them): the HTML standard reads such pages as UTF-8.
        declared = None
    if declared in _WIDE:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            declared = None
    if looks_binary(data):
        raise Undecodable("binary", "the input looks like binary data (NUL or control bytes), not a text page")
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass  # the declaration lies; fall through to detection
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    repaired = data.decode("utf-8", errors="replace")
    if repaired.count("\ufffd") <= max(1, len(repaired) * _MAX_REPAIR_SHARE):
        return repaired, "utf-8-repaired"
    best = _best_guess(data)
    if best is None or best.chaos > _MAX_CHAOS:
        guess = f" (best guess {best.encoding} reads as garbled text)" if best is not None else ""
        raise Undecodable("undecodable", f"no character encoding decodes these bytes cleanly{guess}; re-save the file as UTF-8")
    return str(best), best.encoding
