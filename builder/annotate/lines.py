"""The line structure of a clean text: which lines are headings or datelines rather than running text.

The clean stage writes one paragraph per line. A heading ("Key Points", "Leaked Transcripts", "Potential
Outcomes:") or a dateline ("Monday, March 3, 2025") is a short line without sentence punctuation whose words
are capitalised: the NER reads such lines as names far more often than they hold one, so the annotators
treat them as running text only where their words also occur in a sentence.
"""

from __future__ import annotations

import re

MAX_HEADING_WORDS = 10
# Short words that title case leaves in lowercase ("Talks with the Allies").
_MINOR_WORDS = frozenset("a an and as at but by for from in into of on or over per the to up via vs with".split())
_SENTENCE_END = re.compile(r"[.!?…\"'”’)]\s*$")
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")


def is_heading(line: str) -> bool:
    """A short title-case line with no sentence punctuation (a heading, a dateline, a label)."""
    line = line.strip()
    words = _WORD.findall(line)
    if not words or not line[0].isalnum() or len(line.split()) > MAX_HEADING_WORDS or _SENTENCE_END.search(line):
        return False  # a line opening with a dash or a quotation mark is a signature or a quote
    return all(w[0].isupper() for i, w in enumerate(words) if i == 0 or w.lower() not in _MINOR_WORDS)


# A line that is one quotation and nothing else, maybe numbered ('3. "A channel of our own"').
_QUOTED_LINE = re.compile(r'^\s*(?:\d{1,2}[.)]\s+)?["“‘]([^"“”\n]+)["”’]\s*$')


def is_quoted_heading(line: str) -> bool:
    """A line holding only a short quotation with no sentence punctuation: a section heading made of a quote
    ('"My fears have been realized"'), a sign or a chant; a quoted sentence standing alone ends with its full
    stop, question or exclamation mark ('"We will not stop."') and is a quote."""
    match = _QUOTED_LINE.match(line)
    if match is None:
        return False
    words = match.group(1).strip()
    return len(words.split()) <= MAX_HEADING_WORDS and words[-1:] not in ".!?,…;:"


def heading_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of every heading line of `text`, in order."""
    ranges, start = [], 0
    for line in text.split("\n"):
        if is_heading(line):
            ranges.append((start, start + len(line)))
        start += len(line) + 1
    return ranges


def running_text(text: str, headings: list[tuple[int, int]]) -> str:
    """The text with its heading lines blanked out (same length, so offsets still hold)."""
    if not headings:
        return text
    parts, last = [], 0
    for start, end in headings:
        parts += [text[last:start], " " * (end - start)]
        last = end
    return "".join(parts) + text[last:]


def occurs_in(name: str, text: str) -> bool:
    """`name` as a whole word sequence somewhere in `text`."""
    return re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text) is not None


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][a-z][\w'’-]*(?![\w-])")
_LOWER = re.compile(r"(?<![\w'’-])[a-z][\w'’-]*(?![\w-])")
# What may stand between a sentence's end (or a line's start) and its first word: spaces, quotes, brackets.
_OPENING = re.compile(r"(?:^|[.!?:]|\n)[\s\"“‘'(]*$")


def common_words_capitalised(text: str) -> set[str]:
    """Words the text capitalises only where a sentence or line opens, and writes in lower case elsewhere
    ("Biomarkers are measurable ..." and "... two biomarkers"; a heading "Genetics"): common words, not names.
    A name is capitalised mid-sentence too, or never written in lower case. One pass over the text for each kind."""
    lower = {m.group() for m in _LOWER.finditer(text)}
    opening, inside = set(), set()
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if word.lower() in lower:
            (opening if _OPENING.search(text, max(0, match.start() - 4), match.start()) else inside).add(word)
    return opening - inside


def hyphen_part_alone(word: str, text: str) -> bool:
    """Is a part of a hyphenated word written on its own in `text` too ("Acme" of "Acme-Julie Lee", a deal between
    a company and a person; not "Jean" of "Jean-Luc Picard", a first name)?"""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


# An all-caps word of two letters or more ("SERGIO", "MARTINEZ-BELTRAN", "O'BRIEN").
_CAPS_WORD = r"[A-Z][A-Z'’.-]*[A-Z]\.?"
# Two or more in a row (a shouted headline, a transcript's speaker label), or one that opens a line and ends
# with a colon ("CANTWELL: ...", a speaker label).
_CAPS_STRETCH = re.compile(rf"(?<!\w){_CAPS_WORD}(?:[ \t]+{_CAPS_WORD})+(?!\w)|^{_CAPS_WORD}(?=:)", re.M)


# A stretch of acronyms only ("U.S. FBI") is left as written: it holds a word of four letters or more.
_LONG_WORD = re.compile(r"[A-Z]{4}")
# The colon of a speaker label that opens a line: a name in title case, an optional role, then ": ".
_LABEL_COLON = re.compile(r"^([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3}(?:, [A-Z]\w*)?):(?= )", re.M)
_POSSESSIVE_S = re.compile(r"(?<=\w)['’]S\b")


def caps_stretches(text: str) -> list[tuple[int, int]]:
    """(start, end) of the all-caps stretches of `text`. The NER reads case: in capitals it misses the
    names ("SERGIO MARTINEZ-BELTRAN") and tags common words; the annotator re-reads these stretches in
    title case (`recased`)."""
    return [match.span() for match in _CAPS_STRETCH.finditer(text) if _LONG_WORD.search(match.group())]


def recased(text: str, stretches: list[tuple[int, int]]) -> str:
    """A copy of `text` for the NER to read: its all-caps stretches in title case ("SERGIO MARTINEZ-BELTRAN"
    -> "Sergio Martinez-Beltran"), and the colon after a speaker label that opens a line a full stop (read
    as "Martinez-Beltran: Cantwell says" the NER glues the label to the sentence's first name). The same
    length, so offsets into it are offsets into `text`."""
    parts, last = [], 0
    for start, end in stretches:
        titled = _POSSESSIVE_S.sub(lambda m: m.group().lower(), text[start:end].title())  # "Trump'S" -> "Trump's"
        parts += [text[last:start], titled if len(titled) == end - start else text[start:end]]
        last = end
    return _LABEL_COLON.sub(r"\1.", "".join(parts) + text[last:])
