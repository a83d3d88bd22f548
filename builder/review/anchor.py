"""Where the span a decision was made on is in a later build's text.

A decision keeps the text of its span and a little of the text on each side of it (its `context`). When a
later build changed the document's text (a better extraction, a boilerplate rule removed a line above), the
offsets it stored may point at other words. Then the span is looked for by its own text, and an occurrence
counts only where the text beside it is the text the person saw on at least one side (the other side may be
what changed): the one occurrence with both sides the same wins, else the one with one side the same. None
found, or several equally good, and the decision is not applied anywhere: applying it to other words than
the ones the person decided on would be worse than asking them again.
"""

from __future__ import annotations

from typing import Optional

CONTEXT_CHARS = 32  # each side; long enough that a repeated name in another sentence does not match


def context_of(text: str, start: int, end: int) -> list[str]:
    """The text just before and just after start:end, as a decision records it."""
    return [text[max(0, start - CONTEXT_CHARS):start], text[end:end + CONTEXT_CHARS]]


def relocate(text: str, start: int, end: int, surface: str, context: Optional[list[str]]) -> Optional[int]:
    """The span's start in `text`: `start` when its text is still there, else the one occurrence its context
    singles out; None when the span cannot be found again (changed, gone, or not told apart)."""
    if text[start:end] == surface:
        return start
    if not context or not surface:
        return None  # a decision from before contexts were recorded: its span cannot be told apart
    left, right = context
    by_score: dict[int, list[int]] = {1: [], 2: []}
    at = text.find(surface)
    while at >= 0:
        score = (bool(left) and at >= len(left) and text.startswith(left, at - len(left))) + \
                (bool(right) and text.startswith(right, at + len(surface)))
        if score:
            by_score[score].append(at)
        at = text.find(surface, at + 1)
    for score in (2, 1):
        if by_score[score]:
            return by_score[score][0] if len(by_score[score]) == 1 else None
    return None
