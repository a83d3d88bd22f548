"""Apply removals to a text and keep every offset into it right.

A removal names content ([start, end) in the text before cleaning). Taking it out also takes the
whitespace that held it in place: a whole line goes with its line break(s), a chip at a line's end
with the space before it, a list marker at a line's start with the space after it (and the item
becomes its own paragraph). Links carry offsets into the text, so they are shifted past each edit,
and dropped when an edit touches them (a link on removed text is gone with it).
"""

from __future__ import annotations

import bisect
import re

_RUNS = re.compile(r"[ \t]*\n(?:[ \t]*\n){2,}[ \t]*|[ \t]+(?=\n)")


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def _edit_for(text: str, start: int, end: int) -> tuple[int, int, str]:
    """The (start, end, replacement) that takes a removal out together with its surrounding whitespace."""
    line_start, line_end = _line_bounds(text, start, end)
    at_line_start = not text[line_start:start].strip()
    at_line_end = not text[end:line_end].strip()
    if at_line_start and at_line_end:
        # Whole line(s): drop the smaller of the line breaks around them, so a line ending a paragraph
        # does not glue that paragraph to the next one; at the end of the text, drop the breaks before.
        stop = line_end
        while stop < len(text) and text[stop] == "\n":
            stop += 1
        begin = line_start
        while begin > 0 and text[begin - 1] == "\n":
            begin -= 1
        if stop < len(text) and (begin == 0 or stop - line_end <= line_start - begin):
            return line_start, stop, ""
        return begin, line_end if stop < len(text) else len(text), ""
    if at_line_end:  # glued to the end of a line (citation chip): drop the space before it
        begin = start
        while begin > line_start and text[begin - 1] in " \t":
            begin -= 1
        return begin, line_end, ""
    stop = end
    while stop < line_end and text[stop] in " \t":
        stop += 1
    if at_line_start and line_start > 0 and text[line_start - 2: line_start] != "\n\n":
        return line_start - 1, stop, "\n\n"  # a list item that followed a single line break: own paragraph
    return line_start if at_line_start else start, stop, ""


def _merge(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, replacement in sorted(edits):
        if merged and start <= merged[-1][1]:
            prev_start, prev_end, prev_rep = merged[-1]
            merged[-1] = (prev_start, max(prev_end, end), max(prev_rep, replacement, key=len))
        else:
            merged.append((start, end, replacement))
    return merged


def apply_edits(text: str, edits: list[tuple[int, int, str]], spans: list[dict]) -> tuple[str, list[dict]]:
    """Apply non-overlapping sorted edits; spans (dicts with start/end) are shifted, or dropped when touched."""
    pieces, cursor = [], 0
    for start, end, replacement in edits:
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    starts = [e[0] for e in edits]
    shift_before = [0]
    for start, end, replacement in edits:
        shift_before.append(shift_before[-1] + len(replacement) - (end - start))
    kept = []
    for span in spans:
        i = bisect.bisect_right(starts, span["start"])  # edits starting at or before the span start
        touched = (i > 0 and edits[i - 1][1] > span["start"]) or (i < len(edits) and edits[i][0] < span["end"])
        if not touched:
            delta = shift_before[i]
            kept.append({**span, "start": span["start"] + delta, "end": span["end"] + delta})
    return "".join(pieces), kept


def remove_spans(text: str, removals: list[tuple[int, int]], spans: list[dict]) -> tuple[str, list[dict]]:
    """Text without the removed content (and its whitespace), with the spans remapped onto it."""
    edits = _merge([_edit_for(text, start, end) for start, end in removals if start < end])
    text, spans = apply_edits(text, edits, spans)
    # Removals next to each other can leave 3+ line breaks or trailing spaces: tidy, remapping again.
    lead, trail = len(text) - len(text.lstrip()), len(text.rstrip())
    tidy = [(m.start(), m.end(), "\n\n" if "\n" in m.group() else "") for m in _RUNS.finditer(text, lead, trail)]
    tidy = _merge(([(0, lead, "")] if lead else []) + tidy + ([(trail, len(text), "")] if trail < len(text) else []))
    return apply_edits(text, tidy, spans)
