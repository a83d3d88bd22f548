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
    line_patterns: tuple[re.Pattern, ...]
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
        line_patterns=tuple(re.compile(p, re.IGNORECASE) for p in merged.get("line_patterns", [])),
        question_words=words("question_words"),
    )
