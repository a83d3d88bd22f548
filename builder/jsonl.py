"""JSON Lines: the one loop over a file's lines that every reader of ours shares.

Lines are split at "\n" only: str.splitlines also splits at U+2028, U+0085 and other characters that
JSON allows unescaped inside a string, and would cut such a line in two. Blank lines are skipped; each
line keeps its 1-based number (or from `first`, after a header) for the message that names it. What a
line must hold, and whether a bad one stops the read or is noted and skipped, stays with each reader.
The input pages (ingest/readers.py) are read as a stream of bounded byte lines instead, each line's
length checked before it is held.
"""

from __future__ import annotations

from pathlib import Path
from typing import AnyStr, Iterable, Iterator, Sequence


def file_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file (UnicodeDecodeError when it is not UTF-8); the last one is "" when the
    file ends with a newline."""
    return path.read_bytes().decode("utf-8").split("\n")


def numbered_lines(lines: Iterable[AnyStr], first: int = 1) -> Iterator[tuple[int, AnyStr]]:
    """(line number, line) of every line, str or bytes, that is not blank."""
    for number, line in enumerate(lines, first):
        if line.strip():
            yield number, line


def unterminated(number: int, lines: Sequence) -> bool:
    """Whether non-blank line `number` of a file split at newlines has no newline after it: the last line
    of an interrupted write."""
    return number == len(lines)
