"""Which extractor's main text a page keeps, by rules that can be read off the page.

trafilatura in recall mode is the first extractor: it keeps most of an article and our clean stage removes
the chrome it lets through. Its failure that costs most is stopping short: it takes a teaser, an intro or a
sidebar for the article (a 40,000-character article came out as its 1,300-character opening), and recall
mode skips the retry trafilatura's default mode makes on short results. So, when its text holds less than
`SHORT_SHARE` of the page's words, two other opinions are asked:

  - trafilatura in its default (balanced) mode, which prunes teasers and retries on a short result;
  - readability-lxml, a different algorithm (paragraph scores, best container and its siblings).

A second opinion replaces the text only when it **agrees** with it and finds much more: it holds at least
`AGREEMENT` of the first text's word 4-grams and is at least `LONGER` times its length. Agreement is what
makes a longer text safe: a candidate that found other things (a comment thread, a list of teasers) does
not hold what the first extractor found, and is not taken. The rules and their thresholds were set on half
of the pages of the two benchmark corpora and checked on the other half (bench/bench_extract.py).
"""

from __future__ import annotations

import re

SHORT_SHARE = 0.3  # below this share of the page's words, the first text may have stopped short
LONGER = 1.5
AGREEMENT = 0.7

_WORD = re.compile(r"\w+")
_SKIP = {"script", "style", "noscript", "template"}


def page_words(tree) -> int:
    """Words of the page's visible text (scripts and styles left out), before any extractor prunes the tree."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    count = 0
    for element in root.iter():
        if element.tag in _SKIP:
            continue
        if element.text and isinstance(element.tag, str):
            count += len(element.text.split())
        if element.tail and element is not root and element.getparent().tag not in _SKIP:
            count += len(element.tail.split())
    return count


def stopped_short(text: str, words_on_page: int) -> bool:
    return len(text.split()) < SHORT_SHARE * words_on_page


def _shingles(text: str) -> set[str]:
    tokens = _WORD.findall(text.lower())
    return {" ".join(tokens[i:i + 4]) for i in range(max(len(tokens) - 3, 1))} if tokens else set()


def agrees(first: str, candidate: str) -> bool:
    """The candidate holds at least AGREEMENT of the first text's word 4-grams."""
    mine = _shingles(first)
    return not mine or len(mine & _shingles(candidate)) >= AGREEMENT * len(mine)


def choose(first: tuple[str, list] | None, candidates) -> tuple[tuple[str, list] | None, int]:
    """The text to keep and the index of its extractor (0: the first). `candidates` are (text, links) or None,
    tried in order; each must agree with and be LONGER times the best so far."""
    best, chosen = first, 0
    for number, candidate in enumerate(candidates, start=1):
        if candidate is None:
            continue
        if best is None or (len(candidate[0]) >= LONGER * len(best[0]) and agrees(best[0], candidate[0])):
            best, chosen = candidate, number
    return best, chosen
