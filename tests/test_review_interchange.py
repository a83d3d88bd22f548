"""Round trips through Label Studio JSON, Prodigy JSONL and brat standoff, via the real CLI commands."""

from __future__ import annotations

import json

import pytest
from test_review_common import documents, write_build

from builder.cli.main import main
from builder.review.decisions import DecisionLog, read_all
from builder.review.interchange import export_spans
from builder.review.merge import merged_layers
from builder.review.session import ReviewSession, load_documents


def _spans(build, annotations, layer, annotator=None):
    """{doc_id: [(start, end, label, speaker)]} of the merged view (of one annotator's decisions, if named)."""
    decisions, _ = read_all(annotations)
    if annotator:
        decisions = [d for d in decisions if d.annotator == annotator]
    out = {}
    for doc in load_documents(build):
        spans = export_spans(merged_layers(doc, decisions, (layer,)), layer)
        out[doc["id"]] = [(s["start"], s["end"], s["label"], s.get("speaker")) for s in spans]
    return out


@pytest.fixture
def reviewed(tmp_path):
    """A build of our documents with a few human decisions (one span off token boundaries)."""
    build = write_build(tmp_path / "build")
    annotations = tmp_path / "annotations"
    with DecisionLog(annotations, "ann") as log:
        entities = ReviewSession(documents(), log, "entities", annotations)
        entities.reject("doc-a", entities.span_at("doc-a", 29, 34))  # Paris
        entities.add("doc-a", 1, 5, "PERSON")  # "lice": inside a token
        entities.relabel("doc-c", entities.spans("doc-c")[1], "LOC")
        claims = ReviewSession(documents(), log, "claims", annotations)
        claims.set_speaker("doc-b", claims.spans("doc-b")[0], "Maria Lopez")
    return build, annotations


def _cli(*args):
    assert main(list(map(str, args))) == 0


def _as_label_studio_left_it(tasks_file):
    """What Label Studio exports after an annotator submits every prediction unchanged."""
    tasks = json.loads(tasks_file.read_text())
    for task in tasks:
        task["annotations"] = [{"id": task["id"], "completed_by": {"id": 1, "email": "someone@example.org"},
                                "result": task["predictions"][0]["result"], "was_cancelled": False}]
    tasks_file.write_text(json.dumps(tasks))


@pytest.mark.parametrize("fmt", ["labelstudio", "prodigy", "brat"])
@pytest.mark.parametrize("layer", ["entities", "claims"])
def test_export_then_import_loses_nothing(reviewed, tmp_path, fmt, layer):
    build, annotations = reviewed
    out = tmp_path / ("exported" if fmt == "brat" else f"exported.{'json' if fmt == 'labelstudio' else 'jsonl'}")
    common = ["--layer", layer, "--build", build, "--annotations", annotations]
    _cli("export", out, "--format", fmt, *common)
    if fmt == "labelstudio":
        _as_label_studio_left_it(out)
    _cli("import", out, "--format", fmt, "--annotator", "roundtrip", *common)
    before = _spans(build, annotations, layer, "ann")
    assert any(before.values())
    assert _spans(build, annotations, layer, "roundtrip") == before
    # Importing the same file again adds no decisions.
    count = len(read_all(annotations)[0])
    _cli("import", out, "--format", fmt, "--annotator", "roundtrip", *common)
    assert len(read_all(annotations)[0]) == count


def test_label_studio_export_with_annotations_and_completed_by(reviewed, tmp_path):
    build, annotations = reviewed
    tasks_file = tmp_path / "tasks.json"
    _cli("export", tasks_file, "--format", "labelstudio", "--build", build, "--annotations", annotations)
    tasks = json.loads(tasks_file.read_text())
    assert "<Label value=\"PERSON\"/>" in tasks_file.with_suffix(".xml").read_text()
    # What Label Studio gives back: the annotator kept the predictions of doc-c but dropped Google,
    # and added "Apple" as ORG.
    task = next(t for t in tasks if t["data"]["doc_id"] == "doc-c")
    result = [r for r in task["predictions"][0]["result"] if r["value"]["text"] != "Google"]
    result.append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": 11, "end": 16, "text": "Apple", "labels": ["ORG"]}})
    task["annotations"] = [{"id": 7, "completed_by": {"id": 3, "email": "carol@example.org"}, "result": result,
                            "was_cancelled": False},
                           {"id": 8, "completed_by": 4, "result": [], "was_cancelled": True}]
    exported = tmp_path / "ls-export.json"
    exported.write_text(json.dumps([task]))
    _cli("import", exported, "--format", "labelstudio", "--build", build, "--annotations", annotations)
    assert _spans(build, annotations, "entities", "carol")["doc-c"] == [(11, 16, "ORG", None), (35, 41, "LOC", None)]


def test_prodigy_reports_spans_off_token_boundaries(reviewed, tmp_path, capsys):
    build, annotations = reviewed
    out = tmp_path / "tasks.jsonl"
    _cli("export", out, "--format", "prodigy", "--build", build, "--annotations", annotations)
    assert "doc-a: PERSON 1-5 'lice' does not fall on token boundaries" in capsys.readouterr().err
    task = json.loads(out.read_text().splitlines()[0])
    spans = {s["text"]: s for s in task["spans"]}
    assert "token_start" not in spans["lice"]  # not snapped
    tokens = task["tokens"]
    alice = spans["Alice Smith"]
    assert (tokens[alice["token_start"]]["start"], tokens[alice["token_end"]]["end"]) == (0, 11)


def test_brat_files(reviewed, tmp_path):
    build, annotations = reviewed
    out = tmp_path / "brat"
    _cli("export", out, "--format", "brat", "--layer", "claims", "--build", build, "--annotations", annotations)
    ann = (out / "doc-b.ann").read_text().splitlines()
    assert ann == ['T1\tindirect_quote 0 14\t"We will win,"', "#1\tAnnotatorNotes T1\tspeaker: Maria Lopez"]
    assert (out / "doc-b.txt").read_text() == documents()[1]["text"]


def test_round_trips_on_the_examples_build(examples_build, tmp_path):
    annotations = tmp_path / "annotations"
    counts = {}
    for fmt in ("labelstudio", "prodigy", "brat"):
        out = tmp_path / f"out-{fmt}"
        common = ["--build", examples_build, "--annotations", annotations]
        _cli("export", out, "--format", fmt, *common)
        if fmt == "labelstudio":
            _as_label_studio_left_it(out)
        _cli("import", out, "--format", fmt, "--annotator", fmt, *common)
        views = _spans(examples_build, annotations, "entities", fmt)
        counts[fmt] = sum(map(len, views.values()))
        assert views == _spans(examples_build, tmp_path / "none", "entities")
    assert counts["labelstudio"] > 0
