"""Quotation segments of a text: the words between quotation marks, in any common style.

Pairs: "..." (straight, paired in order), “...”, «...», „...“, and ‘...’ only when the opening mark follows a
space or bracket (otherwise ’ is an apostrophe). A double quotation opened straight or curly closes with either
mark or with two closing single marks ("...”, “...", “...’’: pages mix styles, and wire copy writes ’’ for ”):
left unpaired, such a quote would run to the paragraph's end or be lost. Straight single marks quote in British
style ("said: 'The costs are rising.'"), but they are apostrophes far more often: one opens a quote only after a
space, colon or bracket and before a capital letter, and closes it only right after a comma, full stop, question
or exclamation mark ("builders' pay" or "the '90s" open or close nothing). A quote left open at the end of a paragraph continues in the
next paragraph when that one opens with a quotation mark (news convention): each paragraph's part is its own
segment. Segment spans exclude the marks and a trailing comma, period or space inside them (but keep ? and !).
"""

from __future__ import annotations

import re

_PAIRS = {"“": "”", "«": "»", "„": "“", "‘": "’"}
# Closing marks of a double quotation opened with `"` or `“`, longest first.
_DOUBLE_CLOSERS = ("’’", "''", '"', "”")
_TRIM = " ,.\u00a0\t"
_PARAGRAPH = re.compile(r"[^\n]+")


def _segment(text: str, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of quoted words between start and end, trimmed; None when empty."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return (start, end) if end > start else None


def _opens_single(text: str, i: int) -> bool:
    return i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-"


def _closes_single(text: str, i: int) -> bool:
    return i + 1 >= len(text) or not text[i + 1].isalnum()


def quote_segments(text: str) -> list[tuple[int, int]]:
    """All quotation segments, in text order (continued quotes give one segment per paragraph)."""
    segments = []
    for para in _PARAGRAPH.finditer(text):
        p_start, p_end = para.span()
        open_at, closer = None, None
        i = p_start
        while i < p_end:
            ch = text[i]
            if open_at is None:
                if ch in '"“':
                    open_at, closer = i, "double"
                elif ch in _PAIRS and (ch != "‘" or _opens_single(text, i)):
                    open_at, closer = i, _PAIRS[ch]
                elif ch == "'" and (i == p_start or text[i - 1] in " :([") and text[i + 1:i + 2].isupper():
                    open_at, closer = i, "'"
            elif closer == "'" and ch in '\'"“':
                if ch != "'":  # the single mark was an apostrophe after all ("'Bob' was late"): a real quote opens
                    open_at, closer = i, "double"
                elif text[i - 1] in ",.!?" and _closes_single(text, i):
                    seg = _segment(text, open_at + 1, i)
                    if seg:
                        segments.append(seg)
                    open_at = None
            elif closer == "double" and text.startswith(_DOUBLE_CLOSERS, i):
                seg = _segment(text, open_at + 1, i)
                if seg:
                    segments.append(seg)
                open_at = None
                i += 1 if text[i] in "’'" else 0  # the second mark of ’’ closes nothing more
            elif ch == closer and (closer != "’" or _closes_single(text, i)):
                seg = _segment(text, open_at + 1, i)
                if seg:
                    segments.append(seg)
                open_at = None
            i += 1
        if open_at is not None:
            # Left open: a continued quote runs to the paragraph's end; a stray mark quotes nothing.
            next_start = p_end
            while next_start < len(text) and text[next_start] == "\n":
                next_start += 1  # (not text[p_end:].lstrip(): a copy of the rest of the text per paragraph)
            if text[next_start:next_start + 1] in ('"', "“", "«", "„", "‘"):
                seg = _segment(text, open_at + 1, p_end)
                if seg:
                    segments.append(seg)
    return segments
