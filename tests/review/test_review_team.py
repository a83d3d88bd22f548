"""More of the review loop as teams use it, on real builds of our own small project (see loop_project.py):
names from other tools, duplicates in the app and exports, decisions written against an older build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loop_project import (BRIDGE, apply, cli, documents, entity, library_page, line, new_project, only, page, rebuild,
                          release, released)

from builder.review.app import ReviewScreen
from builder.review.decisions import DecisionLog
from builder.review.keys import load_keys
from builder.review.session import ReviewSession, load_build


@pytest.fixture(scope="module")
def bridge_build(tmp_path_factory) -> Path:
    """The bridge and library pages, built once; each test reviews it from a project of its own."""
    root = new_project(tmp_path_factory.mktemp("bridge"))
    rebuild(root, {"bridge.html": page(BRIDGE), "library.html": library_page()})
    return root / "build"


def _bridge(root: Path) -> dict:
    return _bridge_of(documents(root))


def _bridge_of(docs: dict[str, dict]) -> dict:
    return next(d for d in docs.values() if "bridge" in d["text"])


def _prodigy_returned(root: Path, doc: dict, drop: dict, sessions: list[str]) -> Path:
    """`newscorpus export` for Prodigy, and what `prodigy db-out` gives back: each session accepted the
    bridge task without the span `drop`."""
    out = root / "tasks.jsonl"
    assert cli(root, "export", str(out), "--format", "prodigy") == 0
    task = next(t for t in map(json.loads, out.read_text(encoding="utf-8").splitlines())
                if t["meta"]["doc_id"] == doc["id"])
    task["spans"] = [s for s in task["spans"] if s["start"] != drop["start"]]
    returned = root / "db-out.jsonl"
    returned.write_text("".join(json.dumps({**task, "answer": "accept", "_annotator_id": who, "_session_id": who}) + "\n"
                                for who in sessions), encoding="utf-8")
    return returned


def test_prodigy_annotator_ids_are_dataset_and_session_and_are_never_taken_as_names(tmp_path, bridge_build, capsys):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    millbrook = entity(doc, "Millbrook")
    decisions = root / "annotations" / "decisions"

    returned = _prodigy_returned(root, doc, millbrook, ["bridge_news-ann"])
    capsys.readouterr()
    # Prodigy's "<dataset>-<session>": which part is the person cannot be told, so nothing is credited to it.
    assert cli(root, "import", str(returned), "--format", "prodigy") == 1
    assert "--dataset" in capsys.readouterr().err
    assert not decisions.exists()
    # Told the dataset, the session's name is the person.
    assert cli(root, "import", str(returned), "--format", "prodigy", "--dataset", "bridge_news") == 0
    assert sorted(p.name for p in decisions.iterdir()) == ["ann.jsonl"]
    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert "Millbrook" not in {r["text"] for r in rows}

    # A session opened without a name is a timestamp: no one to credit, even with the dataset given.
    unnamed = _prodigy_returned(root, doc, entity(doc, "Delta Transit"), ["bridge_news-2024-03-05_10-11-12"])
    assert cli(root, "import", str(unnamed), "--format", "prodigy", "--dataset", "bridge_news") == 1
    assert "without a name" in capsys.readouterr().err
    assert cli(root, "import", str(unnamed), "--format", "prodigy", "--user", "bridge_news-2024-03-05_10-11-12=bob") == 0
    assert sorted(p.name for p in decisions.iterdir()) == ["ann.jsonl", "bob.jsonl"]

    # --annotator over a file of two sessions would credit one person with another's work.
    two = _prodigy_returned(root, doc, entity(doc, "Kingsport Herald"), ["bridge_news-cy", "bridge_news-dee"])
    capsys.readouterr()
    assert cli(root, "import", str(two), "--format", "prodigy", "--annotator", "cy") == 1
    assert "credit all of it to one" in capsys.readouterr().err
    assert sorted(p.name for p in decisions.iterdir()) == ["ann.jsonl", "bob.jsonl"]


def _partner_page() -> str:
    """The bridge story as a partner site published it a day earlier, with a line of its own on top: dedup makes
    it the canonical copy and ours its near duplicate."""
    return page(["From our partners on the coast desk, a report on the opening day."] + BRIDGE,
                "https://partner.test/bridge-opens", "2024-03-04")


def test_work_on_a_page_that_became_a_duplicate_is_seen_exported_and_credited_on_its_canonical_copy(tmp_path, capsys):
    root = new_project(tmp_path / "project")
    doc = _bridge_of(rebuild(root, {"bridge.html": page(BRIDGE)}))
    herald = entity(doc, "Kingsport Herald")
    relabel_to = "ORG" if herald["label"] != "ORG" else "GPE"
    assert apply(root, "ann", [line("accept", doc, entity(doc, "Ann Lee")), line("reject", doc, entity(doc, "Millbrook")),
                               line("relabel", doc, herald, label=relabel_to),
                               line("accept", doc, entity(doc, "Delta Transit"))]) == 0
    docs = rebuild(root, {"bridge.html": page(BRIDGE), "partner.html": _partner_page()})
    canonical = next(d for d in docs.values() if d["is_canonical"])
    assert canonical["id"] != doc["id"] and docs[doc["id"]]["cluster_id"] == canonical["id"]
    text = canonical["text"]

    # The app shows her work on the canonical copy (the session is the app's, built as `newscorpus review` does).
    documents, home = load_build(root / "build")
    assert [d["id"] for d in documents] == [canonical["id"]]
    with DecisionLog(root / "annotations", "ann") as log:
        session = ReviewSession(documents, log, "entities", root / "annotations", home)
        seen = {s["text"]: s for s in session.spans(canonical["id"])}
        assert "Millbrook" not in seen
        assert (seen["Kingsport Herald"]["start"], seen["Kingsport Herald"]["label"]) == \
            (text.index("Kingsport Herald"), relabel_to)
        assert (canonical["id"], (text.index("Ann Lee"), text.index("Ann Lee") + 7, entity(doc, "Ann Lee")["label"])) \
            in session.reviewed()

    # She takes back her accept of Delta Transit (made on the page before it was a duplicate): `review apply`'s undo.
    assert apply(root, "ann", [{"action": "undo"}]) == 0

    # An export carries her work, and the file returned untouched gives no decision and keeps her credit.
    tasks_file = root / "tasks.json"
    assert cli(root, "export", str(tasks_file), "--format", "labelstudio") == 0
    (task,) = json.loads(tasks_file.read_text(encoding="utf-8"))
    regions = {r["value"]["text"]: r["value"]["labels"][0] for r in task["predictions"][0]["result"]}
    assert "Millbrook" not in regions and regions["Kingsport Herald"] == relabel_to
    record = json.loads((root / "tasks.json.newscorpus.json").read_text(encoding="utf-8"))
    assert record["merged_from"] == ["ann"]
    task["annotations"] = [{"id": 1, "completed_by": {"id": 2, "username": "bob"},
                            "result": task["predictions"][0]["result"]}]
    tasks_file.write_text(json.dumps([task]), encoding="utf-8")
    capsys.readouterr()
    assert cli(root, "import", str(tasks_file), "--format", "labelstudio") == 0
    assert "no changes to import" in capsys.readouterr().out

    # Bob reviews the canonical copy in the app: agreement compares the two on the spans both decided.
    bob_accepts = [line("accept", canonical, entity(canonical, "Ann Lee")),
                   line("accept", canonical, entity(canonical, "Millbrook"))]
    assert apply(root, "bob", bob_accepts) == 0
    capsys.readouterr()
    assert cli(root, "agreement", "--json") == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert (report["a"], report["b"], report["decided"]["spans"], report["decided"]["agree"]) == ("ann", "bob", 2, 1)

    rows = {r["text"]: r for r in released(release(root, "1.0.0").folder)}
    assert rows["Ann Lee"]["verified_by"] == ["ann", "bob"]
    assert (rows["Kingsport Herald"]["label"], rows["Kingsport Herald"]["origin"]) == (relabel_to, "human:ann")
    assert rows["Delta Transit"]["verified_by"] is None  # undone


def _write_lines(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_review_apply_lines_written_on_an_older_build_are_refused_never_put_on_other_words(tmp_path, capsys):
    root = new_project(tmp_path / "project")
    doc = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    shops = doc["text"].index("Shops")
    millbrook = entity(doc, "Millbrook")
    add_shops = {"doc_id": doc["id"], "action": "add", "start": shops, "end": shops + 5, "label": "ORG"}
    # Three files written by a script on this build: bare offsets, with the document's text_hash, with the words.
    bare = _write_lines(root / "bare.jsonl", [add_shops])
    hashed = _write_lines(root / "hashed.jsonl", [{**add_shops, "text_hash": doc["text_hash"]},
                                                  {**line("reject", doc, millbrook), "text_hash": doc["text_hash"]}])
    worded = _write_lines(root / "worded.jsonl", [{**add_shops, "text": "Shops"}])

    # The next build puts a paragraph on top: every offset now points at other words.
    new = only(rebuild(root, {"bridge.html": page(["Crowds gathered at dawn to watch the first cars cross."] + BRIDGE)}))
    assert new["id"] == doc["id"] and new["text"][shops:shops + 5] != "Shops"
    capsys.readouterr()
    for path, why in ((bare, "older than the build"), (hashed, "text changed since this line was written"),
                      (worded, "not 'Shops'")):
        assert cli(root, "review", "apply", str(path), "--annotator", "ann") == 1
        assert why in capsys.readouterr().err
    assert list((root / "annotations" / "decisions").glob("*.jsonl")) == []  # nothing applied, to any words

    # Lines written on this build apply: bare offsets in a file newer than the build, or a hash that matches.
    now = new["text"].index("Shops")
    assert apply(root, "ann", [{**add_shops, "start": now, "end": now + 5},
                               {**line("reject", new, entity(new, "Millbrook")), "text_hash": new["text_hash"]}]) == 0
    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert [(r["start"], r["label"], r["origin"]) for r in rows if r["origin"] == "human:ann"] == [(now, "ORG", "human:ann")]
    assert "Millbrook" not in {r["text"] for r in rows}


def test_decisions_logged_before_contexts_apply_where_their_words_stand_and_are_reported_elsewhere(tmp_path, capsys):
    root = new_project(tmp_path / "project")
    doc = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    assert apply(root, "ann", [line("accept", doc, entity(doc, "Ann Lee")), line("reject", doc, entity(doc, "Millbrook"))]) == 0
    # The log as a version before contexts wrote it: no context, no checksum.
    log = root / "annotations" / "decisions" / "ann.jsonl"
    old = [{k: v for k, v in json.loads(x).items() if k not in ("context", "new_context", "check")}
           for x in log.read_text(encoding="utf-8").splitlines()]
    log.write_text("".join(json.dumps(x) + "\n" for x in old), encoding="utf-8")

    # A build that changed the text after the spans: their words stand at their offsets, so they apply.
    new = only(rebuild(root, {"bridge.html": page(BRIDGE + ["The bridge toll will be reviewed next spring."])}))
    assert new["text"] != doc["text"]
    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert [r["verified_by"] for r in rows if r["text"] == "Ann Lee"] == [["ann"]]
    assert "Millbrook" not in {r["text"] for r in rows}

    # A build that moved them: without context a moved span cannot be told from another of the same words, so
    # they apply nowhere, and every command that shows the work says so.
    moved = only(rebuild(root, {"bridge.html": page(["Crowds gathered at dawn to watch the first cars cross."] + BRIDGE)}))
    result = release(root, "1.0.1")
    rows = [r for r in released(result.folder) if r["doc_id"] == doc["id"]]
    assert [r["verified_by"] for r in rows if r["text"] == "Ann Lee"] == [None]
    assert [r["text"] for r in rows if r["text"] == "Millbrook"] == ["Millbrook"]  # the machine's, unverified
    assert "2 decisions not applied: the text they were made on changed or is gone (review again)" in result.warnings
    assert any("made before contexts were recorded" in w for w in result.warnings)
    capsys.readouterr()
    assert cli(root, "export", str(root / "tasks.json"), "--format", "labelstudio") == 0
    err = capsys.readouterr().err
    assert "2 decisions apply nowhere in this build" in err and "made before contexts were recorded" in err

    documents, home = load_build(root / "build")
    with DecisionLog(root / "annotations", "ann") as opened:
        session = ReviewSession(documents, opened, "entities", root / "annotations", home)
        assert len(session.stale()) == 2 and session.reviewed() == set()
        assert ReviewScreen(session, [moved["id"]], load_keys(root / "annotations"), None).message.startswith("[red]2 of your decisions apply nowhere")


def test_the_adjudicators_label_is_the_words_one_and_spans_only_they_decided_are_theirs(tmp_path, bridge_build):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    herald, delta = entity(doc, "Kingsport Herald"), entity(doc, "Delta Transit")
    other = "ORG" if herald["label"] != "ORG" else "GPE"
    shops = doc["text"].index("Shops")
    assert apply(root, "ann", [line("relabel", doc, herald, label=other)]) == 0
    assert apply(root, "bob", [line("accept", doc, herald)]) == 0
    # The adjudicator keeps the machine's label, rejects a span no annotator touched and adds one.
    assert apply(root, "judy", [line("accept", doc, herald), line("reject", doc, delta),
                                {"doc_id": doc["id"], "action": "add", "start": shops, "end": shops + 5, "label": "ORG"}],
                 "--adjudicator") == 0
    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert [(r["label"], r["origin"], r["verified_by"]) for r in rows if r["text"] == "Kingsport Herald"] == \
        [(herald["label"], herald["origin"], ["bob", "judy"])]  # not ann's label beside it
    assert "Delta Transit" not in {r["text"] for r in rows}
    assert [(r["origin"], r["verified_by"]) for r in rows if r["text"] == "Shops"] == [("human:judy", ["judy"])]


def test_the_card_and_manifest_count_each_persons_reviewed_spans(tmp_path, bridge_build):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    herald, ann_lee, delta = entity(doc, "Kingsport Herald"), entity(doc, "Ann Lee"), entity(doc, "Delta Transit")
    other = "ORG" if herald["label"] != "ORG" else "GPE"
    assert apply(root, "ann", [line("accept", doc, ann_lee), line("relabel", doc, herald, label=other),
                               line("accept", doc, delta)]) == 0
    assert apply(root, "bob", [line("accept", doc, ann_lee), line("reject", doc, delta)]) == 0
    result = release(root, "1.0.0")
    rows = released(result.folder)
    credited = {}
    for r in rows:
        for name in set(r["verified_by"] or []) | ({r["origin"][6:]} if r["origin"].startswith("human:") else set()):
            credited[name] = credited.get(name, 0) + 1
    stats = json.loads((result.folder / "MANIFEST.json").read_text(encoding="utf-8"))["stats"]
    # Ann: Ann Lee and her label on the Herald (Delta Transit is in conflict: nobody's); Bob: Ann Lee.
    assert stats["human_spans_by"] == credited == {"ann": 2, "bob": 1}
    assert "by person (verified or made): ann 2, bob 1" in (result.folder / "README.md").read_text(encoding="utf-8")


def test_a_log_renamed_or_copied_under_another_name_is_named_in_the_warnings(tmp_path, bridge_build):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    assert apply(root, "ann", [line("accept", doc, entity(doc, "Ann Lee"))]) == 0
    logs = root / "annotations" / "decisions"
    (logs / "ann.jsonl").rename(logs / "ann-lee.jsonl")  # she renamed herself by renaming her log
    result = release(root, "1.0.0")
    assert any("ann-lee.jsonl holds decisions of ann, not of ann-lee" in w for w in result.warnings)
    # Credit follows the lines (the name she decided under), never the file's new name silently.
    assert [r["verified_by"] for r in released(result.folder) if r["text"] == "Ann Lee"] == [["ann"]]
    (logs / "bob.jsonl").write_bytes((logs / "ann-lee.jsonl").read_bytes())  # and a copy under another name
    assert any("ann's decisions are in 2 logs (ann-lee.jsonl, bob.jsonl)" in w for w in release(root, "1.0.1").warnings)
