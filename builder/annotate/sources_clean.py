"""Citation chips and reference items of a page as the clean stage finds them, for scoring raw gold pages.

`newscorpus eval` annotates the gold's clean `text`; chips and "More References" items were removed from that
text, so for records that carry their `raw_text` (the seeds) the clean stage's rules are run on the raw page to
recover them, exactly as a build would.
"""

from __future__ import annotations


def chips_and_references(raw_text: str | None, languages: tuple[str, ...] = ("en",)) -> list[dict]:
    if not raw_text:
        return []
    from builder.clean.phrases import load_phrases
    from builder.clean.rules import find_boilerplate

    _, sources = find_boilerplate(raw_text, load_phrases(languages))
    return sources
