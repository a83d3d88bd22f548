"""Position look-ups for the claims rules, each O(log n): which sentence holds a token, how much of a span is
quoted, which mentions start in a range. The rules ask these once per verb or quote; scanning the whole
document each time made the annotator quadratic to cubic in text length (issue: an 80 KB chain of
"X said that Y said that ..." took minutes)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate


class Sentences:
    """The parse's sentences, found once. spaCy's Token.sent walks the tokens to the sentence edges on every
    call: linear in the sentence, quadratic for a long one asked about at every verb."""

    def __init__(self, doc):
        self.doc = doc
        self.spans = list(doc.sents)
        self._starts = [s.start for s in self.spans]
        self._chars = [s.start_char for s in self.spans]

    def of_token(self, i: int):
        return self.spans[bisect_right(self._starts, i) - 1]

    def of_char(self, char: int):
        return self.spans[max(0, bisect_right(self._chars, char) - 1)]

    def neighbour(self, sent, step: int):
        """The sentence before (step -1) or after (step +1) `sent`, or None at the edges."""
        at = bisect_left(self._starts, sent.start) + step
        return self.spans[at] if 0 <= at < len(self.spans) else None


class QuoteIndex:
    """Sorted, disjoint quotation segments, with the quoted characters before each one summed up."""

    def __init__(self, segments: list[tuple[int, int]]):
        self.segments = segments
        self._starts = [s for s, _ in segments]
        self._before = [0, *accumulate(e - s for s, e in segments)]

    def _quoted_before(self, char: int) -> int:
        at = bisect_right(self._starts, char) - 1
        if at < 0:
            return 0
        start, end = self.segments[at]
        return self._before[at] + min(char, end) - start

    def share(self, start: int, end: int) -> float:
        """Share of [start, end) inside quotation segments."""
        return (self._quoted_before(end) - self._quoted_before(start)) / max(1, end - start)

    def holds(self, char: int) -> bool:
        at = bisect_right(self._starts, char) - 1
        return at >= 0 and char < self.segments[at][1]


class StartIndex:
    """Dicts with a "start" key, sorted by it: the ones starting in a range, or last before a position."""

    def __init__(self, items: list[dict]):
        self.items = sorted(items, key=lambda item: item["start"])
        self._starts = [item["start"] for item in self.items]

    def between(self, start: int, end: int) -> list[dict]:
        """Items with start in [start, end)."""
        return self.items[bisect_left(self._starts, start):bisect_left(self._starts, end)]

    def last_before(self, char: int) -> int:
        """Index of the last item starting before `char` (-1 when none): walk self.items down from it."""
        return bisect_left(self._starts, char) - 1

    def first_after(self, char: int) -> int:
        """Index of the first item starting after `char` (len(items) when none)."""
        return bisect_right(self._starts, char)

    def add(self, item: dict) -> None:
        at = bisect_right(self._starts, item["start"])
        self._starts.insert(at, item["start"])
        self.items.insert(at, item)
