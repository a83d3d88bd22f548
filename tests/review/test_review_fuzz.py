"""Fuzzing the interchange readers and decision logs: whatever comes back from another tool or sits in a log,
reading ends in spans inside the text or a message, never an exception; a log never loses a complete decision
silently. Hypothesis' default example count here; a long run sets NEWSCORPUS_FUZZ_EXAMPLES
(`python bench/fuzz_ingest.py --tests tests/review/test_review_fuzz.py --examples 5000`)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_review_common import documents

from builder.errors import UserError
from builder.review import brat, labelstudio, prodigy
from builder.review.decisions import DecisionLog, check_name, format_line, parse_line, read_log
from builder.review.session import ReviewSession

EXAMPLES = os.environ.get("NEWSCORPUS_FUZZ_EXAMPLES")
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                **({"max_examples": int(EXAMPLES)} if EXAMPLES else {}))
DOCS = {d["id"]: d for d in documents()}
TEXT = DOCS["doc-c"]["text"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 60), st.floats(allow_nan=True), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=20)


def _region(start, end, labels):
    return {"id": "r", "type": "labels", "from_name": "label", "value": {"start": start, "end": end,
                                                                           "text": TEXT[start:end] if isinstance(start, int) and isinstance(end, int) else "x",
                                                                           "labels": labels}}


@st.composite
def label_studio_files(draw):
    """Near-valid Label Studio exports with any field replaced by anything."""
    task = {"id": 1, "data": {"doc_id": "doc-c", "text": TEXT},
            "annotations": [{"id": 1, "completed_by": {"id": 1, "email": "a@x.org"},
                             "result": [_region(draw(st.integers(-3, 50)), draw(st.integers(-3, 50)), ["ORG"])]}]}
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from([("id",), ("data",), ("data", "doc_id"), ("data", "text"), ("annotations",),
                                     ("annotations", 0, "completed_by"), ("annotations", 0, "result"),
                                     ("annotations", 0, "result", 0, "value"),
                                     ("annotations", 0, "result", 0, "value", "start"),
                                     ("annotations", 0, "result", 0, "value", "labels")]))
        target = task
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(values)
        except (KeyError, IndexError, TypeError):
            pass
    return draw(st.sampled_from([[task], task, [task, draw(values)], draw(values)]))


def _spans_are_sane(report, text_of):
    for item in report.returned:
        text = text_of(item.doc_id)
        for span in item.spans:
            assert isinstance(span["start"], int) and isinstance(span["end"], int)
            assert 0 <= span["start"] < span["end"]
            if text is not None:
                assert span["end"] <= len(text)


@FUZZ
@given(label_studio_files())
def test_label_studio_reader_never_raises(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ls") / "export.json"
    path.write_text(json.dumps(data))
    report = labelstudio.read(path, {}, None)
    assert not (report.failed and report.returned)  # a file that fails gives nothing
    _spans_are_sane(report, lambda doc_id: None)


@FUZZ
@given(st.binary(max_size=300))
def test_label_studio_reader_on_any_bytes(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("ls") / "export.json"
    path.write_bytes(raw)
    report = labelstudio.read(path, {}, None)
    assert report.failed or not report.returned or all(isinstance(r.doc_id, str) for r in report.returned)


@st.composite
def prodigy_lines(draw):
    tokens = [{"start": 0, "end": 6, "id": 0}, {"start": 7, "end": 10, "id": 1}]
    task = {"text": TEXT, "meta": {"doc_id": "doc-c"}, "tokens": tokens, "answer": "accept",
            "spans": [{"start": draw(st.integers(-2, 50)), "end": draw(st.integers(-2, 50)), "label": "ORG",
                       "token_start": draw(st.integers(-2, 4)), "token_end": draw(st.integers(-2, 4))}]}
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(["text", "meta", "tokens", "spans", "answer", "_annotator_id"]))
        task[key] = draw(values)
    span = task["spans"][0] if isinstance(task.get("spans"), list) and task["spans"] else None
    if isinstance(span, dict) and draw(st.booleans()):
        span[draw(st.sampled_from(["start", "end", "token_start", "token_end", "label"]))] = draw(values)
    return json.dumps(task) if draw(st.booleans()) else draw(st.text(max_size=40))


@FUZZ
@given(st.lists(prodigy_lines(), max_size=4))
@example([json.dumps({"text": TEXT, "meta": {"doc_id": "doc-c"}, "tokens": [{"start": 0, "end": 6}], "spans": [
    {"start": 0, "end": None, "label": "ORG", "token_start": 0, "token_end": 0}]})])  # found by the long run
def test_prodigy_reader_never_raises(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("pg") / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = prodigy.read(path)
    _spans_are_sane(report, lambda doc_id: TEXT)


ann_line = st.one_of(
    st.builds(lambda t, label, a, b, s: f"T{t}\t{label} {a} {b}\t{s}", st.integers(0, 9),
              st.sampled_from(["ORG", "GPE", "", "A B"]), st.integers(-3, 50), st.integers(-3, 50),
              st.sampled_from(["Google", "Berlin", "", "x"])),
    st.builds(lambda t, offsets: f"T{t}\tORG {offsets}\tGoogle", st.integers(0, 3),
              st.text(alphabet="0123456789 ;-", max_size=12)),
    st.text(max_size=30))


@FUZZ
@given(st.lists(ann_line, max_size=5))
def test_brat_reader_never_raises(lines):
    spans, problems = brat.parse_ann("\n".join(lines), "doc-c.ann", TEXT)
    for span in spans:
        assert 0 <= span["start"] < span["end"] <= len(TEXT)
    assert isinstance(problems, list)


@pytest.fixture(scope="module")
def a_log(tmp_path_factory):
    folder = tmp_path_factory.mktemp("log")
    with DecisionLog(folder, "ann") as log:
        session = ReviewSession(documents(), log, "entities", folder)
        for span in session.spans("doc-a"):
            session.accept("doc-a", span)
        session.reject("doc-c", session.spans("doc-c")[0])
    return log.path.read_bytes()


@FUZZ
@given(st.data())
def test_a_damaged_log_is_read_or_refused_never_silently_shortened(tmp_path_factory, a_log, data):
    """Cut, flip or duplicate bytes of a log: reading gives every complete line's decision, or an error that
    names the line; only an unfinished last line (no newline) may be left out, and it is reported. A line
    repeated exactly (a git merge kept both copies) is one decision, and reported."""
    raw = bytearray(a_log)
    how = data.draw(st.sampled_from(["cut", "flip", "duplicate", "junk"]))
    if how == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    elif how == "flip":
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    elif how == "duplicate":
        lines = bytes(raw).splitlines(keepends=True)
        raw = bytearray(b"".join(lines + [data.draw(st.sampled_from(lines))]))
    else:
        raw += data.draw(st.binary(max_size=40))
    path = tmp_path_factory.mktemp("damaged") / "ann.jsonl"
    path.write_bytes(bytes(raw))
    try:
        contents = read_log(path)
    except UserError as exc:
        assert str(path) in str(exc)
        return
    pieces = bytes(raw).split(b"\n")
    whole = [line for line in pieces[:-1] if line.strip()]  # lines that end with a newline
    unfinished = pieces[-1].strip()
    read = len(contents.decisions) + len(contents.repeated)  # a line repeated exactly is one decision, reported
    if unfinished and contents.torn_tail is None:  # an unfinished last line that is a whole decision is kept
        assert read == len(whole) + 1
    else:
        assert read == len(whole)  # every complete line is a decision
    if how == "duplicate":
        assert len(contents.repeated) == 1
        assert (contents.torn_tail is not None) == bool(unfinished)  # and a left-out last line is reported
    seqs = [d.seq for d in contents.decisions]
    assert len(seqs) == len(set(seqs))


@FUZZ
@given(st.text(max_size=12))
def test_annotator_names_are_whole_matches(name):
    try:
        check_name(name)
    except UserError:
        assert not (name[:1].isascii() and name[:1].isalnum() and len(name) <= 64
                    and all(c.isascii() and (c.isalnum() or c in "_.-") for c in name))
        return
    assert "\n" not in name and "/" not in name and 1 <= len(name) <= 64 and name.isascii()


def test_a_name_with_a_trailing_newline_is_refused():
    with pytest.raises(UserError):
        check_name("ann\n")


def test_a_line_with_a_checksum_survives_a_round_trip(a_log):
    first = a_log.split(b"\n")[0]
    decision = parse_line(first)
    assert format_line(decision).rstrip(b"\n") == first
