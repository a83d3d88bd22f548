"""Round trips through Label Studio JSON, Prodigy JSONL and brat standoff, via the real CLI commands.

An import records only what the person changed: the file as exported gives no decision; one edited span gives
exactly one; decisions others made (which the exported merged view holds) are never credited to the importer.
"""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest
from test_review_common import documents, write_build

from builder.cli.main import main
from builder.config import parse_config
from builder.review.decisions import DecisionLog, read_all
from builder.review.interchange import export_spans
from builder.review.merge import merged_layers
from builder.review.session import ReviewSession, load_documents

FORMATS = ("labelstudio", "prodigy", "brat")
LAYERS = ("entities", "claims", "sources")


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
    """A build of our documents with a few decisions of "ann" (one span off token boundaries)."""
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


def _cli(*args) -> int:
    return main(list(map(str, args)))


def _out(tmp_path, fmt, name="exported"):
    return tmp_path / (name if fmt == "brat" else f"{name}.{'json' if fmt == 'labelstudio' else 'jsonl'}")


def _as_label_studio_left_it(tasks_file, edit=None):
    """What Label Studio exports after one person submits every prediction (`edit` changes the result first)."""
    tasks = json.loads(tasks_file.read_text())
    for task in tasks:
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        if edit:
            edit(task, result)
        task["annotations"] = [{"id": task["id"], "completed_by": {"id": 1, "email": "someone@example.org"},
                                "result": result, "was_cancelled": False}]
    tasks_file.write_text(json.dumps(tasks))


def _log_bytes(annotations) -> dict:
    folder = annotations / "decisions"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


def _edit_first_label(fmt, out, layer, new_label):
    """Change the label of the first exported span of the first document that has one, as each tool would."""
    if fmt == "labelstudio":
        done = []

        def edit(task, result):
            for region in result:
                if region["type"] == "labels" and not done:
                    region["value"]["labels"] = [new_label]
                    done.append(task["data"]["doc_id"])
        _as_label_studio_left_it(out, edit)
        return done[0]
    if fmt == "prodigy":
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        task = next(t for t in lines if t["spans"])
        task["spans"][0]["label"] = new_label
        out.write_text("".join(json.dumps(t) + "\n" for t in lines))
        return task["meta"]["doc_id"]
    ann = next(p for p in sorted(out.glob("*.ann")) if p.read_text().strip())
    lines = ann.read_text().splitlines()
    tid, rest, text = lines[0].split("\t")
    lines[0] = "\t".join([tid, new_label + " " + rest.split(" ", 1)[1], text])
    ann.write_text("\n".join(lines) + "\n")
    return next(d["id"] for d in documents() if ann.stem == d["id"])


NEW_LABEL = {"entities": "NORP", "claims": "direct_quote", "sources": "hyperlink"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", LAYERS)
def test_untouched_file_changes_nothing_and_one_edit_is_one_decision(reviewed, tmp_path, fmt, layer):
    build, annotations = reviewed
    out = _out(tmp_path, fmt)
    common = ["--layer", layer, "--build", build, "--annotations", annotations]
    assert _cli("export", out, "--format", fmt, *common) == 0
    if fmt == "labelstudio":
        _as_label_studio_left_it(out)
    before = _log_bytes(annotations)
    assert _cli("import", out, "--format", fmt, "--annotator", "roundtrip", *common) == 0
    assert _log_bytes(annotations) == before  # nothing written: not even an empty log for "roundtrip"

    # One span relabelled in the tool: exactly one decision, by the importer, about that span.
    exported = _spans(build, annotations, layer)
    doc_id = _edit_first_label(fmt, out, layer, NEW_LABEL[layer])
    assert _cli("import", out, "--format", fmt, "--annotator", "roundtrip", *common) == 0
    made = [d for d in read_all(annotations)[0] if d.annotator == "roundtrip"]
    assert len(made) == 1 and made[0].doc_id == doc_id and made[0].via == "import"
    assert made[0].action == {"entities": "relabel", "claims": "set_kind", "sources": "relabel"}[layer]
    first = exported[doc_id][0]
    assert (made[0].start, made[0].end, made[0].span[{"entities": "label"}.get(layer, "kind")]) == (
        first[0], first[1], NEW_LABEL[layer])
    # The same file again adds nothing.
    assert _cli("import", out, "--format", fmt, "--annotator", "roundtrip", *common) == 0
    assert len([d for d in read_all(annotations)[0] if d.annotator == "roundtrip"]) == 1


def test_import_never_credits_others_decisions(reviewed, tmp_path):
    """ann's decisions are in the exported merged view; bob returns it untouched but for one rejected span."""
    build, annotations = reviewed
    out = tmp_path / "brat"
    common = ["--build", build, "--annotations", annotations]
    assert _cli("export", out, "--format", "brat", *common) == 0
    record = json.loads((out / "newscorpus-export.json").read_text())
    assert record["merged_from"] == ["ann"]
    ann_file = out / "doc-c.ann"
    lines = [line for line in ann_file.read_text().splitlines() if "Google" not in line]
    ann_file.write_text("\n".join(lines) + "\n")
    assert _cli("import", out, "--format", "brat", "--annotator", "bob", *common) == 0
    bob = [d for d in read_all(annotations)[0] if d.annotator == "bob"]
    assert [(d.action, d.doc_id, d.text) for d in bob] == [("reject", "doc-c", "Google")]


def test_brat_trimmed_line_breaks_are_no_change(tmp_path):
    """A span over a line break is written as two fragments; coming back unchanged it is no decision."""
    rows = documents()
    text = rows[0]["text"]
    start = text.index("Monday")
    rows[0]["entities"].append({"id": "e-x", "start": start, "end": text.index("Kremlin") + 7, "label": "ORG",
                                "text": text[start:text.index("Kremlin") + 7], "entity": "x", "origin": "t"})
    build = write_build(tmp_path / "build", rows)
    annotations = tmp_path / "annotations"
    out = tmp_path / "brat"
    assert _cli("export", out, "--format", "brat", "--build", build, "--annotations", annotations) == 0
    assert ";" in (out / "doc-a.ann").read_text()
    assert _cli("import", out, "--format", "brat", "--annotator", "bob", "--build", build,
                "--annotations", annotations) == 0
    assert read_all(annotations)[0] == []


def _ls_export(reviewed, tmp_path):
    build, annotations = reviewed
    tasks_file = tmp_path / "tasks.json"
    assert _cli("export", tasks_file, "--format", "labelstudio", "--build", build, "--annotations", annotations) == 0
    return build, annotations, tasks_file, json.loads(tasks_file.read_text())


def test_label_studio_submitted_annotations_per_person(reviewed, tmp_path):
    build, annotations, tasks_file, tasks = _ls_export(reviewed, tmp_path)
    assert "<Label value=\"PERSON\"/>" in tasks_file.with_suffix(".xml").read_text()
    # carol (user 3, named in this export) drops Google and adds Apple; dave (user 4) cancelled his; user 3 is
    # named only by number on the other task, resolved through the user details of the first.
    task = next(t for t in tasks if t["data"]["doc_id"] == "doc-c")
    result = [r for r in task["predictions"][0]["result"] if r["value"]["text"] != "Google"]
    result.append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": 11, "end": 16, "text": "Apple", "labels": ["ORG"]}})
    task["annotations"] = [{"id": 7, "completed_by": {"id": 3, "email": "carol@example.org"}, "result": result},
                           {"id": 8, "completed_by": 4, "result": [], "was_cancelled": True}]
    other = next(t for t in tasks if t["data"]["doc_id"] == "doc-a")
    other["annotations"] = [{"id": 9, "completed_by": 3, "result": other["predictions"][0]["result"]}]
    only_predictions = next(t for t in tasks if t["data"]["doc_id"] == "doc-b")
    exported = tmp_path / "ls-export.json"
    exported.write_text(json.dumps([task, other, only_predictions]))
    assert _cli("import", exported, "--format", "labelstudio", "--build", build, "--annotations", annotations) == 0
    carol = [d for d in read_all(annotations)[0] if d.annotator == "carol"]
    assert sorted((d.action, d.text) for d in carol) == [("add", "Apple"), ("reject", "Google")]
    assert not [d for d in read_all(annotations)[0] if d.annotator not in ("ann", "carol")]


def test_label_studio_numeric_user_without_details_needs_a_name(reviewed, tmp_path, capsys):
    build, annotations, tasks_file, tasks = _ls_export(reviewed, tmp_path)
    task = next(t for t in tasks if t["data"]["doc_id"] == "doc-c")
    task["annotations"] = [{"id": 1, "completed_by": 5, "result": []}]
    exported = tmp_path / "ls.json"
    exported.write_text(json.dumps([task]))
    common = ["--build", build, "--annotations", annotations]
    assert _cli("import", exported, "--format", "labelstudio", *common) == 1
    assert "completed_by is user 5" in capsys.readouterr().err
    assert _cli("import", exported, "--format", "labelstudio", "--user", "5=erin", *common) == 0
    assert {d.action for d in read_all(annotations)[0] if d.annotator == "erin"} == {"reject"}


def test_label_studio_region_off_the_text_is_reported_and_skipped(reviewed, tmp_path, capsys):
    build, annotations, tasks_file, tasks = _ls_export(reviewed, tmp_path)
    task = next(t for t in tasks if t["data"]["doc_id"] == "doc-c")
    result = task["predictions"][0]["result"]
    result[0]["value"]["start"] += 1  # shifted by one character, text unchanged
    result[0]["value"]["end"] += 1
    task["annotations"] = [{"id": 1, "completed_by": {"id": 3, "email": "carol@x.org"}, "result": result}]
    exported = tmp_path / "ls.json"
    exported.write_text(json.dumps([task]))
    before = _log_bytes(annotations)
    assert _cli("import", exported, "--format", "labelstudio", "--build", build, "--annotations", annotations) == 1
    err = capsys.readouterr().err
    assert "task #0 (id 3)" in err and "region 1-7 'Google' does not match the document there ('oogle ')" in err
    assert _log_bytes(annotations) == before


@pytest.mark.parametrize("body, message", [
    (b"not json at all", "not a JSON file"),
    (b'[{"data": {"doc_id": "doc-c", "text": "x"}, "annotations": [{"result": [{"type": "labels", '
     b'"value": {"start": "0", "end": 6, "labels": ["ORG"]}}]}]}]', "value.start"),
    (b'[{"data": {"doc_id": "doc-c", "text": "x"}, "annotations": [{"result": [{"type": "labels"}]}]}]', "value"),
    (b'[3]', "task #0"),
    (b'[{"data": {"doc_id": "doc-c", "text": "x"}, "annotations": [{"result": [{"type": "labels", '
     b'"value": {"start": 0.5, "end": 6, "labels": ["ORG"]}}]}]}]', "value.start"),
])
def test_label_studio_malformed_files_import_nothing(reviewed, tmp_path, capsys, body, message):
    build, annotations, _, _ = _ls_export(reviewed, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_bytes(body)
    before = _log_bytes(annotations)
    assert _cli("import", bad, "--format", "labelstudio", "--annotator", "x", "--build", build,
                "--annotations", annotations) == 1
    assert message in capsys.readouterr().err
    assert _log_bytes(annotations) == before


@pytest.mark.parametrize("change, message", [
    (lambda t: t["spans"][0].update(token_start=-1), "token_start"),
    (lambda t: t["spans"].append({"token_start": 40, "token_end": 41, "label": "ORG"}), "not tokens of this task"),
    (lambda t: t.update(meta="doc-c"), "meta"),
    (lambda t: t["spans"][0].update(start=None, end=None, token_start=None), "token_start and token_end"),
    (lambda t: t["spans"][0].update(start="0"), "start"),
])
def test_prodigy_malformed_lines_import_nothing(reviewed, tmp_path, capsys, change, message):
    build, annotations = reviewed
    out = tmp_path / "tasks.jsonl"
    common = ["--build", build, "--annotations", annotations]
    assert _cli("export", out, "--format", "prodigy", *common) == 0
    tasks = [json.loads(line) for line in out.read_text().splitlines()]
    change(tasks[2])
    tasks[0]["spans"] = []  # a real change on another line: not imported either
    out.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    before = _log_bytes(annotations)
    assert _cli("import", out, "--format", "prodigy", "--annotator", "x", *common) == 1
    err = capsys.readouterr().err
    assert f"{out}:3:" in err and message in err
    assert _log_bytes(annotations) == before


@pytest.mark.parametrize("line, message", [
    ("T1\tORG 0\tGoogle", "not two whole numbers"),
    ("T1\tORG 0 6 7\tGoogle", "not two whole numbers"),
    ("T1\tORG\tGoogle", "not two whole numbers"),
    ("T1\tORG 1 7\toogle ", None),  # valid: T1 (Google) moved by one character, T2 (Berlin) gone
    ("T1\tORG 0 6\tGoogly", "is not the document's"),
    ("T1\tORG 6 0\tGoogle", "empty, negative"),
])
def test_brat_malformed_lines(reviewed, tmp_path, capsys, line, message):
    build, annotations = reviewed
    out = tmp_path / "brat"
    common = ["--build", build, "--annotations", annotations]
    assert _cli("export", out, "--format", "brat", *common) == 0
    (out / "doc-c.ann").write_text(line + "\n")
    before = _log_bytes(annotations)
    code = _cli("import", out, "--format", "brat", "--annotator", "x", *common)
    if message is None:
        assert code == 0
        assert [d.action for d in read_all(annotations)[0] if d.annotator == "x"] == ["reject", "edit"]  # T1 moved, T2 gone
    else:
        assert code == 1
        err = capsys.readouterr().err
        assert "doc-c.ann:1: " in err and message in err
        assert _log_bytes(annotations) == before


def test_brat_ann_not_utf8(reviewed, tmp_path, capsys):
    build, annotations = reviewed
    out = tmp_path / "brat"
    common = ["--build", build, "--annotations", annotations]
    assert _cli("export", out, "--format", "brat", *common) == 0
    (out / "doc-c.ann").write_bytes(b"T1\tORG 0 6\tGo\xffgle\n")
    assert _cli("import", out, "--format", "brat", "--annotator", "x", *common) == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_prodigy_reports_spans_off_token_boundaries(reviewed, tmp_path, capsys):
    build, annotations = reviewed
    out = tmp_path / "tasks.jsonl"
    assert _cli("export", out, "--format", "prodigy", "--build", build, "--annotations", annotations) == 0
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
    assert _cli("export", out, "--format", "brat", "--layer", "claims", "--build", build, "--annotations", annotations) == 0
    ann = (out / "doc-b.ann").read_text().splitlines()
    assert ann == ['T1\tindirect_quote 0 14\t"We will win,"', "#1\tAnnotatorNotes T1\tspeaker: Maria Lopez"]
    assert (out / "doc-b.txt").read_text() == documents()[1]["text"]


def _release_digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(pq.read_table(p).to_pylist().__repr__().encode()).hexdigest()
            for p in sorted((folder / "data").rglob("*.parquet"))}


def test_untouched_round_trips_on_the_examples_build_leave_the_release_as_it_was(examples_build, tmp_path):
    """Every format and layer, export then import untouched: no decision, the next release's tables identical."""
    from builder.release.release import make_release

    project = tmp_path / "project"
    annotations = project / "annotations"
    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}}, root=str(project))
    first = make_release(config, "1.0.0", examples_build, tmp_path / "releases").folder
    for fmt in FORMATS:
        for layer in LAYERS:
            out = _out(tmp_path, fmt, f"{fmt}-{layer}")
            common = ["--layer", layer, "--build", examples_build, "--annotations", annotations]
            assert _cli("export", out, "--format", fmt, *common) == 0
            if fmt == "labelstudio":
                _as_label_studio_left_it(out)
            assert _cli("import", out, "--format", fmt, "--annotator", fmt, *common) == 0
    assert read_all(annotations)[0] == []
    second = make_release(config, "1.0.1", examples_build, tmp_path / "releases").folder
    assert _release_digests(first) == _release_digests(second)


def test_label_studio_annotation_changed_by_another_user_is_reported_not_credited(reviewed, tmp_path, capsys):
    """Label Studio lets a manager (or another annotator) change someone's annotation; its result then mixes
    two people's changes, and crediting them all to completed_by would name the wrong person for some."""
    build, annotations, tasks_file, tasks = _ls_export(reviewed, tmp_path)
    task = next(t for t in tasks if t["data"]["doc_id"] == "doc-c")
    other = next(t for t in tasks if t["data"]["doc_id"] == "doc-a")
    task["annotations"] = [{"id": 1, "completed_by": 3, "updated_by": 4, "result": []}]
    other["annotations"] = [{"id": 2, "completed_by": 3, "updated_by": 3, "result": []}]  # her own later change
    exported = tmp_path / "ls.json"
    exported.write_text(json.dumps([task, other]))
    assert _cli("import", exported, "--format", "labelstudio", "--user", "3=carol", "--user", "4=dave",
                "--build", build, "--annotations", annotations) == 0
    assert "annotation 1 was made by user 3 and last changed by user 4" in capsys.readouterr().err
    made = {(d.annotator, d.doc_id) for d in read_all(annotations)[0] if d.annotator != "ann"}
    assert made == {("carol", "doc-a")}
