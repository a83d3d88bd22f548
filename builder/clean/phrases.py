"""Boilerplate phrase lists, one data file per language (annotations/boilerplate/<lang>.toml).

Languages are merged: a page's language is not known yet when it is cleaned (language id runs on
the clean text), and a "Weiterlesen" line is chrome whatever the article's language.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from builder.bundled import ANNOTATIONS
from builder.errors import UserError

PHRASE_DIR = ANNOTATIONS / "boilerplate"


def label_key(line: str) -> str:
    """How a navigation label is compared: lower case, no edge punctuation (arrows, bullets, colons, pipes:
    anything but letters and digits), single spaces. Scanned from both ends: a regex for the trailing run
    retries at every space of a long paragraph, and every line of every page goes through here."""
    start, end = 0, len(line)
    while start < end and not line[start].isalnum():
        start += 1
    while end > start and not line[end - 1].isalnum():
        end -= 1
    return " ".join(line[start:end].lower().split())


@dataclass(frozen=True)
class Phrases:
    navigation: frozenset[str]
    prev_next: frozenset[str]
    read_more_prefixes: tuple[str, ...]
    related_headings: frozenset[str]
    share_words: frozenset[str]
    trend_volume_words: tuple[str, ...]
    trend_caption_prefixes: tuple[str, ...]
    line_patterns: tuple[re.Pattern, ...]  # a line is chrome if any of them matches (see merge_line_patterns)
    question_words: frozenset[str]


@lru_cache(maxsize=8)
def load_phrases(languages: tuple[str, ...], folder: str = str(PHRASE_DIR)) -> Phrases:
    merged: dict[str, list] = {}
    for lang in languages:
        path = Path(folder) / f"{lang}.toml"
        if not path.exists():
            raise UserError(f"no boilerplate phrase file for language '{lang}' ({path}); fix clean.phrase_languages.")
        for key, values in tomllib.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(key, []).extend(values)
    words = lambda key: frozenset(label_key(v) for v in merged.get(key, []))  # noqa: E731
    return Phrases(
        navigation=words("navigation"),
        prev_next=words("prev_next"),
        read_more_prefixes=tuple(v.lower() for v in merged.get("read_more_prefixes", [])),
        related_headings=words("related_headings"),
        share_words=words("share_words"),
        trend_volume_words=tuple(v.lower() for v in merged.get("trend_volume_words", [])),
        trend_caption_prefixes=tuple(v.lower() for v in merged.get("trend_caption_prefixes", [])),
        line_patterns=merge_line_patterns(merged.get("line_patterns", [])),
        question_words=words("question_words"),
    )


# What an alternation of several patterns could change: numbered back-references and conditionals
# (group numbers shift), named groups (a name may not repeat), comments and verbose groups (they hide
# parentheses and bars from _has_top_level_alternation), global inline flags (only allowed up front).
_UNMERGEABLE = re.compile(r"\\[1-9]|\(\?P|\(\?\(|\(\?#|\(\?[aiLmsux-]*x|\(\?[aiLmsux]+\)")


def merge_line_patterns(patterns: list[str]) -> tuple[re.Pattern, ...]:
    """The line patterns as at most three alternations (plus any that must stay alone), for a test of
    whether any of them matches a line. Searching each pattern on its own was most of the page rules'
    time: the engine tries a pattern at every position of the line. Merged, a line takes three searches
    instead of one per pattern, and the patterns opening with a word edge share one hoisted `\\b`, so
    they are tried only at word edges. Which pattern matched is never asked, so the answer is the same."""
    at_line_start, at_word_edge, anywhere, alone = [], [], [], []
    for pattern in patterns:
        if _UNMERGEABLE.search(pattern):
            alone.append(pattern)
        elif pattern.startswith("^"):
            at_line_start.append(pattern)
        elif pattern.startswith(r"\b") and not _has_top_level_alternation(pattern):
            at_word_edge.append(pattern)  # every match starts at a word edge, so `\b(?:...)` loses none
        else:
            anywhere.append(pattern)
    merged = [_alternation(group) for group in (at_line_start, anywhere) if group]
    if at_word_edge:
        merged.append(r"\b" + _alternation(at_word_edge))
    return tuple(re.compile(p, re.IGNORECASE) for p in merged + alone)


def _alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _has_top_level_alternation(pattern: str) -> bool:
    """Whether a `|` outside any group splits the whole pattern (then its leading `\\b` binds only the
    first branch). Escapes and character sets are skipped; a `]` first in a set is a literal."""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":
            i = _end_of_set(pattern, i)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


def _end_of_set(pattern: str, start: int) -> int:
    """Index of the `]` closing the character set opened at `start`."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i
