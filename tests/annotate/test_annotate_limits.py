"""Annotation of any document ends: long texts are parsed in pieces with exact offsets, and a document over its
time budget becomes a reject with its reason (issues 24 and 25)."""


import pyarrow.parquet as pq
import pytest

from builder.annotate.chunks import char_batches, split_text
from builder.annotate.config import AnnotateConfig
from builder.annotate.stage import AnnotateStage, annotation_stages
from builder.config import parse_config
from builder.pipeline import build

NEWS = ('Margaret Oyelaran, the harbour commissioner, said that the new levy would pay for dredging. '
        '"We cannot let the channel silt up again this winter," Oyelaran told reporters on Tuesday.\n')
# Filler paragraphs of few, long words: a million characters that parse in seconds, not minutes.
FILLER = " ".join(["harbourlevydredgingschedulecommitteeminutesappendix"] * 40) + ".\n"


def test_pieces_cover_the_text_and_end_at_line_breaks():
    paragraphs = [f"Paragraph {i} of the minutes, about the harbour levy." * (i % 5 + 1) for i in range(200)]
    text = "\n".join(paragraphs)
    pieces = split_text(text, 1_000)
    assert "".join(pieces) == text
    assert all(len(p) <= 1_000 for p in pieces)
    assert all(p.endswith("\n") for p in pieces[:-1])
    assert split_text("short text", 1_000) == ["short text"]


def test_a_paragraph_longer_than_the_limit_is_cut_at_a_sentence_end_else_a_space_else_anywhere():
    sentences = "The levy rose again. " * 100
    pieces = split_text(sentences, 1_000)
    assert "".join(pieces) == sentences and all(p.endswith("again. ") for p in pieces[:-1])
    words = "levy " * 500
    assert all(p.endswith(" ") and len(p) <= 1_000 for p in split_text(words, 1_000)[:-1])
    blob = "x" * 2_500
    assert split_text(blob, 1_000) == ["x" * 1_000, "x" * 1_000, "x" * 500]


def test_batches_are_bounded_by_characters_and_by_count():
    sizes = [400, 400, 400, 1_500, 10, 10, 10, 10]
    batches = list(char_batches(sizes, lambda n: n, max_items=3, max_chars=1_000))
    assert batches == [[400, 400], [400], [1_500], [10, 10, 10], [10]]


@pytest.fixture(scope="module")
def stage():
    stage = AnnotateStage(AnnotateConfig())
    stage.setup()
    return stage


def test_a_text_over_a_million_characters_is_annotated_with_offsets_into_the_whole_text(stage):
    fillers = 580  # the news paragraph first, after the 200th and 390th filler, and last
    parts = [NEWS] + [FILLER + (NEWS if i in (200, 390) else "") for i in range(1, fillers)] + [NEWS]
    text = "".join(parts)
    at = [0]
    while (found := text.find(NEWS, at[-1] + 1)) > 0:
        at.append(found)
    assert len(text) > 1_200_000 and len(at) == 4 and at[-1] > 1_100_000

    (row,), rejects = stage.process([{"id": "long", "origin": "long", "text": text, "language": "en"}])

    assert rejects == []
    assert all(text[e["start"]:e["end"]] == e["text"] for e in row["entities"])
    assert all(text[c["start"]:c["end"]] == c["text"] for c in row["claims"])
    people = {(e["start"], e["entity"]) for e in row["entities"] if e["label"] == "PERSON"}
    quote = NEWS.index("We cannot")
    quotes = {(c["start"], c["speaker"]) for c in row["claims"] if c["kind"] == "direct_quote"}
    for offset in at:  # the first piece, pieces in the middle and the last one past a million characters
        assert (offset, "Margaret Oyelaran") in people
        assert (offset + quote, "Margaret Oyelaran") in quotes


def _chain(n: int) -> str:
    """'Ann Lee said that Bo Park said that ...': slow for rules that walk every verb's subtree."""
    names = ["Ann Lee", "Bo Park", "Cy Moss", "Di Vance"]
    return "".join(f"{names[i % 4]} said that " for i in range(n)) + "the tide came in."


def test_a_document_over_its_time_budget_is_a_reject_and_the_others_go_on():
    # Half a second: plenty for the short article, far too little for 70 KB of chained clauses (its parse
    # does not count: a text under chunk_chars gets its budget once its batch is parsed).
    config = AnnotateConfig(time_limit=0.5)
    stages = annotation_stages(config)
    rows = [{"id": "slow", "origin": "slow.txt", "url": None, "text": _chain(4_000), "language": "en"},
            {"id": "fine", "origin": "fine.txt", "url": None, "text": NEWS, "language": "en"}]
    outputs = list(stages[0].process_steps(stages, rows))

    (documents, rejects), *later = outputs
    assert [r["reason"] for r in rejects] == ["annotation-timeout"]
    assert rejects[0]["origin"] == "slow.txt" and "annotate.time_limit=0.5 s" in rejects[0]["detail"]
    for out, more_rejects in outputs:  # in no layer's output, rejected once
        assert [r["id"] for r in out] == ["fine"]
    assert all(more == [] for _, more in later)


def test_a_long_text_over_its_budget_stops_between_pieces():
    stage = AnnotateStage(AnnotateConfig(time_limit=0.001, chunk_chars=1_000, entities=True, sources=False,
                                         claims=False))
    stage.setup()
    kept, rejects = stage.process([{"id": "l", "origin": "l.txt", "text": FILLER * 3, "language": "en"}])
    assert kept == []
    assert [r["reason"] for r in rejects] == ["annotation-timeout"] and "(parse;" in rejects[0]["detail"]


def test_a_build_keeps_a_text_over_a_million_characters_and_rejects_one_over_its_budget(tmp_path):
    """The build's path (issue 24: spaCy's E088 ended the whole build): the long text is a document whose
    entities point into its text; with a tiny budget the same build has a reject instead."""
    text = (NEWS + FILLER * 20) * 27
    assert len(text) > 1_100_000
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    entities_only = {"sources": False, "claims": False}
    for limit, reasons in ((300, {}), (0.000001, {"annotation-timeout": 1})):
        config = parse_config({"build": {"work_dir": str(tmp_path / f"work{limit}")},
                               "annotate": {**entities_only, "time_limit": limit}}, root=str(tmp_path))
        out = tmp_path / f"out{limit}"
        result = build(config, inputs=[tmp_path / "long.txt"], output=out)
        assert result.summary["rejects_by_reason"] == reasons, result.summary
        documents = pq.read_table(out / "data" / "documents").to_pylist()
        assert len(documents) == (0 if reasons else 1)
        for document in documents:
            names = [e for e in document["entities"] if e["entity"] == "Margaret Oyelaran"]
            assert len(names) >= 27
            assert all(document["text"][e["start"]:e["end"]] == e["text"] for e in document["entities"])
