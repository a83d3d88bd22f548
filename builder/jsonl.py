"""JSON Lines: the one loop over a file's lines that every reader of ours shares.

Blank lines are skipped; each line keeps its 1-based number (or from `first`, after a header) for the
message that names it. What a line must hold, and whether a bad one stops the read or is noted and
skipped, stays with each reader.
"""

from __future__ import annotations

from typing import Iterable, Iterator


def numbered_lines(lines: Iterable[str], first: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line that is not blank."""
    for number, line in enumerate(lines, first):
        if line.strip():
            yield number, line
