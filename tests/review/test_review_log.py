"""The decision log (durability, torn lines, one writer per annotator) and the merge rules."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from test_review_common import TEXTS, documents, write_build

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]

from builder.errors import UserError
from builder.review.decisions import DecisionLog, read_all, read_log
from builder.review.merge import merge_document, merged_layers
from builder.review.session import ReviewSession


def test_sigkill_mid_session_keeps_every_confirmed_decision(tmp_path):
    """Killed again and again at random points: every confirmed decision of every session is on disk."""
    build = write_build(tmp_path / "build")
    annotations = tmp_path / "annotations"
    start = TEXTS["doc-a"].index("Paris")
    lines = [{"doc_id": "doc-a", "action": "relabel" if i % 2 else "accept", "start": start, "end": start + 5,
              "label": "LOC" if i % 4 == 1 else "GPE"} for i in range(20000)]
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    confirmed_all: list[int] = []
    for round_ in range(3):
        kill_after = random.Random(round_).randrange(20, 80)
        proc = subprocess.Popen([sys.executable, "-m", "builder.cli.main", "review", "apply", str(source),
                                 "--annotator", "ann", "--build", str(build), "--annotations", str(annotations),
                                 "--confirmations"], stdout=subprocess.PIPE, text=True)
        confirmed = []
        deadline = time.monotonic() + 60
        while len(confirmed) < kill_after and time.monotonic() < deadline:
            confirmed.append(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        confirmed += proc.stdout.read().splitlines(keepends=True)  # what was printed before the kill
        seqs = [int(line.split()[-1]) for line in confirmed if line.startswith("confirmed")]
        assert len(seqs) >= kill_after and seqs[-1] < len(confirmed_all) + len(lines), "the process should die mid-file"
        confirmed_all += seqs

        log = read_log(annotations / "decisions" / "ann.jsonl")
        on_disk = [d.seq for d in log.decisions]
        assert set(confirmed_all) <= set(on_disk)  # every confirmed decision of every session is there
        assert on_disk == list(range(1, len(on_disk) + 1))
        # A new session opens the log (the kernel released the lock) and continues the sequence.
        with DecisionLog(annotations, "ann") as reopened:
            assert reopened.next_seq == len(on_disk) + 1


def test_torn_last_line_is_tolerated_reported_and_trimmed(tmp_path):
    with DecisionLog(tmp_path, "ann") as log:
        session = ReviewSession(documents(), log, "entities", tmp_path)
        session.accept("doc-c", session.spans("doc-c")[0])
    path = tmp_path / "decisions" / "ann.jsonl"
    with open(path, "a") as handle:
        handle.write('{"seq": 2, "annotator": "ann", "act')
    contents = read_log(path)
    assert [d.seq for d in contents.decisions] == [1] and contents.torn_tail.startswith('{"seq": 2')
    with DecisionLog(tmp_path, "ann") as log:
        assert log.repaired is not None
        ReviewSession(documents(), log, "entities", tmp_path).reject("doc-c", {"start": 0, "end": 6})
    assert [d.seq for d in read_log(path).decisions] == [1, 2]


def test_a_bad_line_inside_the_log_is_an_error_not_skipped(tmp_path):
    path = tmp_path / "decisions" / "ann.jsonl"
    path.parent.mkdir()
    path.write_text("not json\n{}\n")
    with pytest.raises(UserError, match="ann.jsonl:1"):
        read_log(path)


def test_one_writer_per_annotator_and_only_their_own_decisions(tmp_path):
    with DecisionLog(tmp_path, "ann"):
        with pytest.raises(UserError, match="another session"):
            DecisionLog(tmp_path, "ann").__enter__()
        with DecisionLog(tmp_path, "bob"):  # another annotator is another file
            pass
    stranger = json.dumps({"seq": 1, "annotator": "bob", "action": "reject", "doc_id": "doc-c",
                           "layer": "entities", "start": 0, "end": 6, "text": "Google", "target": {"label": "ORG"}})
    (tmp_path / "decisions" / "ann.jsonl").write_text(stranger + "\n")
    with pytest.raises(UserError, match="holds decisions of bob"):
        DecisionLog(tmp_path, "ann").__enter__()
    with pytest.raises(UserError, match="annotator name"):
        DecisionLog(tmp_path, "../etc")


def _decide(tmp_path, name, actions, role="annotator"):
    with DecisionLog(tmp_path, name, role) as log:
        session = ReviewSession(documents(), log, "entities", tmp_path)
        for action, doc_id, start, end, *label in actions:
            span = next((s for s in session.spans(doc_id) if (s["start"], s["end"]) == (start, end)), None)
            if action == "add":
                session.add(doc_id, start, end, label[0])
            elif action == "relabel":
                session.relabel(doc_id, span, label[0])
            else:
                getattr(session, action)(doc_id, span)
        return list(log.decisions)


def test_changed_text_flags_decisions_for_rereview_and_rerun_keeps_them(tmp_path):
    doc_c = documents()[2]  # "Google and Apple opened offices in Berlin."
    decisions = _decide(tmp_path, "ann", [("relabel", "doc-c", 35, 41, "LOC"), ("add", "doc-c", 11, 16, "ORG")])
    # Re-running the machine annotator changed ids and dropped Berlin: the decisions still apply.
    rerun = {**doc_c, "entities": [{**doc_c["entities"][0], "id": "new-id"}]}
    view = merged_layers(rerun, decisions)
    assert [(e["text"], e["label"]) for e in view["entities"]] == [("Google", "ORG"), ("Apple", "ORG"), ("Berlin", "LOC")]
    # The text changed under the decisions: Berlin moved (its text and the text beside it are there, 3
    # characters on), and its relabel follows it; Apple is gone, so its add is flagged, applied nowhere.
    edited = {**doc_c, "text": "Google and Alphabet opened offices in Berlin.",
              "entities": [doc_c["entities"][0], {**doc_c["entities"][1], "start": 38, "end": 44}]}
    view, flags = merge_document(edited, decisions)
    assert [(f["start"], f["end"], f["reason"]) for f in flags] == [(11, 16, "stale")]
    assert "not in the text any more" in flags[0]["detail"]
    assert [(e["start"], e["text"], e["label"]) for e in view["entities"]] == [(0, "Google", "ORG"), (38, "Berlin", "LOC")]


def test_disagreement_is_flagged_and_the_adjudicator_wins(tmp_path):
    doc_c = documents()[2]
    ann = _decide(tmp_path, "ann", [("accept", "doc-c", 35, 41), ("accept", "doc-c", 0, 6)])
    bob = _decide(tmp_path, "bob", [("reject", "doc-c", 35, 41), ("accept", "doc-c", 0, 6)])
    view, flags = merge_document(doc_c, ann + bob)
    assert [(f["start"], f["reason"], f["annotators"]) for f in flags] == [(35, "conflict", ["ann", "bob"])]
    assert [(e["text"], e["label"], e.get("verified_by")) for e in view["entities"]] == [
        ("Google", "ORG", ["ann", "bob"]), ("Berlin", "GPE", None)]  # kept, unverified, until adjudicated
    judge = _decide(tmp_path, "judge", [("relabel", "doc-c", 35, 41, "LOC")], role="adjudicator")
    view, flags = merge_document(doc_c, ann + bob + judge)
    assert flags == []
    berlin = view["entities"][1]
    # Berlin as GPE goes (the judge's word), Berlin as LOC comes: only the judge said so.
    assert (berlin["label"], berlin["origin"], berlin["verified_by"]) == ("LOC", "human:judge", ["judge"])


def test_a_relabel_and_a_reject_agree_that_the_old_label_goes(tmp_path):
    """Identity is offsets + label: bob's reject of Berlin/GPE and ann's relabel to LOC agree on GPE; LOC is ann's."""
    doc_c = documents()[2]
    ann = _decide(tmp_path, "ann", [("relabel", "doc-c", 35, 41, "LOC")])
    bob = _decide(tmp_path, "bob", [("reject", "doc-c", 35, 41)])
    view, flags = merge_document(doc_c, ann + bob)
    assert flags == []
    assert [(e["text"], e["label"], e["verified_by"]) for e in view["entities"] if e["start"] == 35] == [
        ("Berlin", "LOC", ["ann"])]


def test_a_damaged_line_is_caught_by_its_checksum(tmp_path):
    with DecisionLog(tmp_path, "dora") as log:
        for start in (0, 10):
            log.append(action="accept", doc_id="d1", layer="entities", start=start, end=start + 5, text="Alice",
                       target={"label": "PERSON"}, span={"label": "PERSON"})
    path = log.path
    lines = path.read_bytes().split(b"\n")
    assert all(b'"check":"' in line for line in lines if line)
    assert len(read_log(path).decisions) == 2
    lines[0] = lines[0].replace(b'"Alice"', b'"Alica"', 1)  # valid JSON, valid decision, wrong content
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(UserError, match="checksum mismatch"):
        read_log(path)


def test_a_log_joined_by_a_git_merge(tmp_path):
    """Lines repeated exactly count once; lines out of order keep their seqs (the next one is the largest + 1);
    two different decisions under one seq are an error naming both lines."""
    with DecisionLog(tmp_path, "ann") as log:
        session = ReviewSession(documents(), log, "entities", tmp_path)
        session.accept("doc-c", session.spans("doc-c")[0])
        session.accept("doc-c", session.spans("doc-c")[1])
    path = log.path
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[1], lines[0], lines[1]]))  # both clones' lines, in the merge's order
    contents = read_log(path)
    assert sorted(d.seq for d in contents.decisions) == [1, 2] and contents.repeated == [3]
    assert any("lines 3 repeat earlier lines exactly" in w for w in read_all(tmp_path)[1])
    with DecisionLog(tmp_path, "ann") as log:
        decision = ReviewSession(documents(), log, "entities", tmp_path).reject("doc-a", {"start": 0, "end": 11,
                                                                                        "label": "PERSON"})
        assert decision.seq == 3  # not 2 (the last line's + 1), which the log holds already
        undone = log.undoable()
    assert undone.seq == 3
    lines = path.read_bytes().splitlines(keepends=True)
    other_clone = lines[-1].replace(b'"seq":3', b'"seq":1')
    other_clone = other_clone[:other_clone.index(b',"check"')] + b"}\n"  # as written by another clone (no check)
    path.write_bytes(b"".join(lines + [other_clone]))
    with pytest.raises(UserError, match=r"ann.jsonl:5 repeats seq 1 of line 2 with another decision"):
        read_log(path)


def test_locks_live_in_the_work_folder_not_beside_the_logs(tmp_path):
    annotations = tmp_path / "project" / "annotations"
    with DecisionLog(annotations, "ann") as log:
        assert log.lock_path.exists()
        assert (tmp_path / "project" / ".newscorpus") in log.lock_path.parents
    with DecisionLog(annotations, "ann", lock_dir=tmp_path / "work" / "review-locks") as log:
        assert log.lock_path.parent == tmp_path / "work" / "review-locks"
    assert list((annotations / "decisions").iterdir()) == []  # no lock, and no log before a first decision


def _apply(tmp_path, build, lines, *extra):
    source = tmp_path / "lines.jsonl"
    source.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return subprocess.run([sys.executable, "-m", "builder.cli.main", "review", "apply", str(source), "-a", "ann",
                           "-b", str(build), "--annotations", str(tmp_path / "annotations"), *extra],
                          cwd=tmp_path, capture_output=True, text=True)


def test_apply_with_a_bad_line_applies_nothing_and_names_every_bad_line(tmp_path):
    build = write_build(tmp_path / "build")
    good = {"doc_id": "doc-c", "action": "accept", "start": 0, "end": 6}
    done = _apply(tmp_path, build, [good, {"doc_id": "doc-c", "action": "reject", "start": "0", "end": 6},
                                    {"doc_id": "doc-c", "action": "accept", "start": 1, "end": 6}, good])
    assert done.returncode == 1
    assert "lines.jsonl:2: start: Input should be a valid integer" in done.stderr
    assert "nothing applied" in done.stderr and not (tmp_path / "annotations" / "decisions" / "ann.jsonl").exists()
    done = _apply(tmp_path, build, [good, {"doc_id": "doc-c", "action": "accept", "start": 1, "end": 6}])
    assert done.returncode == 1 and "lines.jsonl:2: doc-c: no entities span at 1-6" in done.stderr
    assert not (tmp_path / "annotations" / "decisions" / "ann.jsonl").exists()
    done = _apply(tmp_path, build, [good, '{"doc_id": "doc-c", "act'])
    assert done.returncode == 1 and "lines.jsonl:2: not JSON" in done.stderr


def test_an_apply_file_line_is_read_whole_and_a_cut_last_line_is_named(tmp_path):
    """A line holding U+2028 (which JSON allows unescaped) is one line; only a last line with no newline
    after it is said to be perhaps cut short."""
    from builder.review.apply import read_lines

    path = tmp_path / "lines.jsonl"
    good = json.dumps({"doc_id": "doc-c", "action": "accept", "start": 0, "end": 6, "text": "Google\u2028"},
                      ensure_ascii=False)
    path.write_text(f'{good}\n{{"doc_id": "doc-c", "act\n{good}\n', encoding="utf-8")
    lines, problems = read_lines(path)
    assert [n for n, _ in lines] == [1, 3] and lines[0][1].text == "Google\u2028"
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: not JSON (") and "cut short" not in problems[0]
    path.write_text(f'{good}\n{{"doc_id": "doc-c", "act', encoding="utf-8")
    _, problems = read_lines(path)
    assert problems == [problems[0]] and problems[0].startswith(f"{path}:2: not JSON (the last line, without its newline")


def test_apply_picks_one_of_two_claims_at_the_same_offsets(tmp_path):
    rows = documents()
    claim = rows[1]["claims"][0]
    rows[1]["claims"].append({**claim, "id": "clm-2", "kind": "attributed", "cue": "according to"})
    build = write_build(tmp_path / "build", rows)
    line = {"doc_id": "doc-b", "action": "reject", "start": claim["start"], "end": claim["end"], "layer": "claims"}
    done = _apply(tmp_path, build, [line])
    assert done.returncode == 1 and "2 claims spans at 0-14" in done.stderr
    done = _apply(tmp_path, build, [{**line, "was": {"kind": "attributed"}}])
    assert done.returncode == 0, done.stderr
    decisions = read_log(tmp_path / "annotations" / "decisions" / "ann.jsonl").decisions
    view = merged_layers(rows[1], decisions)
    assert [(c["kind"], c["cue"]) for c in view["claims"]] == [("indirect_quote", None)]  # the other one stays


def test_a_citation_chip_is_reviewed_over_the_sentence_it_backs(tmp_path):
    doc_b = documents()[1]
    with DecisionLog(tmp_path, "ann") as log:
        session = ReviewSession(documents(), log, "sources", tmp_path)
        chip = next(s for s in session.spans("doc-b") if s.get("chip") is not None)
        assert (chip["start"], chip["end"], chip["name"]) == (0, len(doc_b["text"]), "AP")
        session.relabel("doc-b", chip, "reference")
        with pytest.raises(UserError, match="citation chip has no offsets"):
            session.edit("doc-b", chip, 0, 5)
    view = merged_layers(doc_b, log.decisions)
    released = next(s for s in view["sources"] if s["name"] == "AP")
    assert (released["kind"], released["start"], released["end"]) == ("reference", None, None)  # no offsets of its own
    assert released["verified_by"] == ["ann"] and released["origin"] == "human:ann" and "chip" not in released


def test_release_prints_the_warning_about_an_unfinished_line(tmp_path, examples_build):
    annotations = tmp_path / "annotations" / "decisions"
    annotations.mkdir(parents=True)
    (annotations / "ann.jsonl").write_text('{"seq": 1, "annot')
    (tmp_path / "newscorpus.toml").write_text(f'[build]\noutput = "{examples_build}"\nwork_dir = "work"\n')
    done = subprocess.run([sys.executable, "-m", "builder.cli.main", "release", "1.0.0"], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "ann.jsonl: ignored an unfinished last line" in done.stderr
