"""The review loop as a team uses it, on real builds of a project of our own: decisions made on one build
reach the next release on the right span, credited to the right person, or are reported; never lost silently,
never applied to other words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from loop_project import (BRIDGE, LIBRARY, apply, cli, documents, entity, line, new_project, only, page, rebuild, release,
                          released)

from builder.review.anchor import relocate


def test_relocate_finds_a_moved_span_by_its_context_and_refuses_to_guess():
    before = "Ann met Bob in Paris. Bob left Paris on Monday."
    start = before.index("Paris", 20)  # the second Paris
    context = [before[max(0, start - 32):start], before[start + 5:start + 37]]
    after = "Update: Ann met Bob in Paris. Bob left Paris on Monday."
    assert relocate(after, start, start + 5, "Paris", context) == after.index("Paris", 30)
    # Its sentence rewritten on both sides: the other Paris is not taken for it.
    rewritten = "Ann met Bob in Paris. Bob flew from Paris to Rome."
    assert relocate(rewritten, start, start + 5, "Paris", context) is None
    # Two places that look the same on both sides: which one cannot be told.
    twice = "Bob left Paris on Monday. " + before
    assert relocate(twice, 0, 5, "Paris", ["Bob left ", " on Monday."]) is None
    # No context recorded (a log from before contexts): only the offsets count.
    assert relocate(after, start, start + 5, "Paris", None) is None


def test_decisions_follow_their_spans_into_a_rebuilt_text_and_the_rest_is_reported(tmp_path):
    root = new_project(tmp_path / "project")
    doc = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    herald, greenway = entity(doc, "Kingsport Herald"), entity(doc, "Greenway Construction")
    shops = doc["text"].index("Shops")
    relabel_to = "ORG" if herald["label"] != "ORG" else "GPE"
    assert apply(root, "ann", [
        line("accept", doc, entity(doc, "Ann Lee")),
        line("relabel", doc, herald, label=relabel_to),
        line("edit", doc, greenway, new_start=greenway["start"], new_end=greenway["start"] + len("Greenway")),
        {"doc_id": doc["id"], "action": "add", "start": shops, "end": shops + 5, "label": "ORG"},
        line("reject", doc, entity(doc, "Kingsport", 0)),  # its sentence is rewritten below
        line("reject", doc, entity(doc, "Millbrook")),      # replaced by another place below
    ]) == 0

    # The next build: a paragraph on top moves everything, one sentence is rewritten around "Kingsport",
    # "Millbrook" becomes "Westford". Same URL, so the same document id.
    rewritten = ["Crowds gathered at dawn to watch the first cars cross the water.",
                 "The harbour crossing opened in Kingsport on Monday morning, four years after work began.",
                 BRIDGE[1], BRIDGE[2].replace("Millbrook", "Westford"), BRIDGE[3]]
    new = only(rebuild(root, {"bridge.html": page(rewritten)}))
    assert new["id"] == doc["id"] and new["text"] != doc["text"]
    result = release(root, "1.0.0")

    rows = [r for r in released(result.folder) if r["doc_id"] == doc["id"]]
    by_text = {}
    for r in rows:
        by_text.setdefault(r["text"], []).append(r)
    text = new["text"]
    ann_lee, = by_text["Ann Lee"]
    assert (ann_lee["start"], ann_lee["verified_by"]) == (text.index("Ann Lee"), ["ann"])
    herald_row, = by_text["Kingsport Herald"]
    assert (herald_row["start"], herald_row["label"], herald_row["origin"], herald_row["verified_by"]) == \
        (text.index("Kingsport Herald"), relabel_to, "human:ann", ["ann"])
    assert "Greenway Construction" not in by_text
    greenway_row, = by_text["Greenway"]
    assert (greenway_row["start"], greenway_row["origin"]) == (text.index("Greenway"), "human:ann")
    shops_row, = by_text["Shops"]
    assert (shops_row["start"], shops_row["label"], shops_row["origin"]) == (text.index("Shops"), "ORG", "human:ann")
    # The two rejects whose words changed are applied nowhere: not to the other Kingsport, not to Westford.
    assert [r["start"] for r in by_text["Kingsport"]] == [e["start"] for e in new["entities"] if e["text"] == "Kingsport"]
    assert all(r["verified_by"] is None for r in by_text["Kingsport"])
    assert [r["origin"] for r in by_text.get("Westford", [])] == [e["origin"] for e in new["entities"]
                                                                  if e["text"] == "Westford"]
    # ... and reported: how many, and where.
    assert any(w.startswith("2 decisions not applied: the text they were made on changed") for w in result.warnings)
    unapplied = [json.loads(x) for x in (root / ".newscorpus" / "review-unapplied.jsonl").read_text().splitlines()]
    assert sorted((u["doc_id"], u["reason"], u["annotators"], doc["text"][u["start"]:u["end"]]) for u in unapplied) == \
        [(doc["id"], "stale", ["ann"], "Kingsport"), (doc["id"], "stale", ["ann"], "Millbrook")]


def test_decisions_on_a_page_that_became_a_duplicate_reach_its_canonical_copy(tmp_path):
    root = new_project(tmp_path / "project")
    docs = rebuild(root, {"bridge.html": page(BRIDGE), "library.html": page(LIBRARY, "https://herald.test/library",
                                                                             title="Library reopens")})
    doc = next(d for d in docs.values() if "bridge" in d["text"])
    library = next(d for d in docs.values() if "library" in d["text"])
    assert apply(root, "ann", [line("accept", doc, entity(doc, "Ann Lee")),
                               line("reject", doc, entity(doc, "Millbrook")),
                               line("accept", library, entity(library, "Rotary Club"))]) == 0

    # The next build: the story came in earlier from a partner site, with a line of its own on top, so dedup
    # makes that copy canonical and ours a near duplicate; the library page is gone.
    partner = page(["From our partners on the coast desk, a report on the opening day."] + BRIDGE,
                   "https://partner.test/bridge-opens", "2024-03-04")
    docs = rebuild(root, {"bridge.html": page(BRIDGE), "partner.html": partner})
    canonical = only(docs)
    assert canonical["id"] != doc["id"] and docs[doc["id"]]["cluster_id"] == canonical["id"]
    result = release(root, "1.0.0")

    rows = [r for r in released(result.folder) if r["doc_id"] == canonical["id"]]
    text = canonical["text"]
    assert [(r["start"], r["verified_by"]) for r in rows if r["text"] == "Ann Lee"] == [(text.index("Ann Lee"), ["ann"])]
    assert [r for r in rows if r["text"] == "Millbrook"] == []  # the reject went with it
    assert {r["doc_id"] for r in released(result.folder)} == {canonical["id"]}
    assert "2 decisions on 1 documents that are now duplicates went to the canonical copy of their cluster" \
        in result.warnings
    assert "1 decisions not applied: their document is not in this build" in result.warnings
    assert any(library["id"] in w and "Rotary Club" in w for w in result.warnings)


@pytest.fixture(scope="module")
def bridge_build(tmp_path_factory) -> Path:
    """The bridge and library pages, built once; each test reviews and releases it from a project of its own."""
    root = new_project(tmp_path_factory.mktemp("bridge"))
    rebuild(root, {"bridge.html": page(BRIDGE), "library.html": page(LIBRARY, "https://herald.test/library",
                                                                     title="Library reopens")})
    return root / "build"


def _bridge(root: Path) -> dict:
    return next(d for d in documents(root).values() if "bridge" in d["text"])


def _label_studio_export(root: Path, edit) -> Path:
    """`newscorpus export` for Label Studio, and the file Label Studio gives back once someone submitted the
    tasks; `edit(task)` sets the task's annotations."""
    tasks_file = root / "tasks.json"
    assert cli(root, "export", str(tasks_file), "--format", "labelstudio") == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    for task in tasks:
        task["annotations"] = []
        edit(task)
    returned = root / "from-label-studio.json"
    returned.write_text(json.dumps(tasks), encoding="utf-8")
    return returned


def test_one_person_under_several_spellings_is_one_log_and_one_name_in_the_release(tmp_path, bridge_build):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    assert apply(root, "ann-lee", [line("accept", doc, entity(doc, "Ann Lee"))]) == 0
    assert apply(root, "Ann_Lee", [line("accept", doc, entity(doc, "Delta Transit"))]) == 0

    # In Label Studio she is "Ann Lee" (user details in the export) and rejected Millbrook.
    millbrook = entity(doc, "Millbrook")

    def submitted(task):
        if task["data"]["doc_id"] == doc["id"]:
            regions = [r for r in task["predictions"][0]["result"] if r["value"]["start"] != millbrook["start"]]
            task["annotations"] = [{"id": 1, "completed_by": {"id": 7, "username": "Ann Lee"}, "result": regions}]

    assert cli(root, "import", str(_label_studio_export(root, submitted)), "--format", "labelstudio") == 0
    assert sorted(p.name for p in (root / "annotations" / "decisions").iterdir()) == ["ann-lee.jsonl"]
    result = release(root, "1.0.0")
    rows = [r for r in released(result.folder) if r["doc_id"] == doc["id"]]
    assert {r["text"]: r["verified_by"] for r in rows if r["verified_by"]} == {"Ann Lee": ["ann-lee"],
                                                                              "Delta Transit": ["ann-lee"]}
    assert "Millbrook" not in {r["text"] for r in rows}

    # Logs split before names were matched (two spellings on disk) are named in a warning.
    elsewhere = new_project(tmp_path / "elsewhere", bridge_build)
    assert apply(elsewhere, "Ann.Lee", [line("accept", doc, entity(doc, "Kingsport Herald"))]) == 0
    shutil.copy(elsewhere / "annotations" / "decisions" / "Ann.Lee.jsonl", root / "annotations" / "decisions")
    warnings = release(root, "1.0.1").warnings
    assert any(w.startswith("Ann.Lee.jsonl and ann-lee.jsonl look like one person's logs") for w in warnings)


def test_an_older_export_imported_after_newer_decisions_does_not_overwrite_them(tmp_path, bridge_build, capsys):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    herald, millbrook = entity(doc, "Kingsport Herald"), entity(doc, "Millbrook")
    in_app, in_label_studio = [label for label in ("ORG", "GPE", "FAC") if label != herald["label"]][:2]

    def submitted(task):  # her work in Label Studio on Monday's tasks; completed_by a bare user id
        if task["data"]["doc_id"] == doc["id"]:
            regions = []
            for region in task["predictions"][0]["result"]:
                if region["value"]["start"] == herald["start"]:
                    region = {**region, "value": {**region["value"], "labels": [in_label_studio]}}
                if region["value"]["start"] != millbrook["start"]:
                    regions.append(region)
            task["annotations"] = [{"id": 1, "completed_by": 7, "result": regions}]

    returned = _label_studio_export(root, submitted)
    # On Tuesday she relabels the Herald in the app (review apply here): her newer word.
    assert apply(root, "ann", [line("relabel", doc, herald, label=in_app)]) == 0
    capsys.readouterr()
    # On Wednesday Monday's file comes back: the Millbrook reject is imported, the Herald change is not.
    assert cli(root, "import", str(returned), "--format", "labelstudio", "--user", "7=ann") == 0
    out = capsys.readouterr()
    assert "ann: 1 decisions" in out.out
    assert f"decided on {herald['start']}-{herald['end']} 'Kingsport Herald' after this export" in out.err
    log = root / "annotations" / "decisions" / "ann.jsonl"
    before = log.read_bytes()
    # The same file imported again adds nothing (and says again what it leaves out: exit 1, nothing imported).
    assert cli(root, "import", str(returned), "--format", "labelstudio", "--user", "7=ann") == 1
    out = capsys.readouterr()
    assert "no changes to import" in out.out and "after this export" in out.err
    assert log.read_bytes() == before

    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert [(r["label"], r["origin"], r["verified_by"]) for r in rows if r["text"] == "Kingsport Herald"] == \
        [(in_app, "human:ann", ["ann"])]
    assert "Millbrook" not in {r["text"] for r in rows}


def test_a_team_and_an_adjudicator_reach_the_release_credited_and_a_rerelease_is_the_same_bytes(tmp_path, bridge_build):
    root = new_project(tmp_path / "project", bridge_build)
    doc = _bridge(root)
    ann_lee, delta, greenway, millbrook, herald = (entity(doc, name) for name in (
        "Ann Lee", "Delta Transit", "Greenway Construction", "Millbrook", "Kingsport Herald"))
    relabel_to = "ORG" if herald["label"] != "ORG" else "GPE"
    assert apply(root, "ann", [line("accept", doc, ann_lee), line("accept", doc, delta),
                               line("accept", doc, greenway)]) == 0
    assert apply(root, "bob", [line("accept", doc, ann_lee), line("reject", doc, delta), line("reject", doc, greenway),
                               line("reject", doc, millbrook), {"action": "undo"}]) == 0  # bob takes Millbrook back
    assert apply(root, "judy", [line("reject", doc, greenway), line("relabel", doc, herald, label=relabel_to)],
                 "--adjudicator") == 0
    result = release(root, "1.0.0")

    rows = {r["text"]: r for r in released(result.folder) if r["doc_id"] == doc["id"]}
    assert (rows["Ann Lee"]["origin"], rows["Ann Lee"]["verified_by"]) == (ann_lee["origin"], ["ann", "bob"])
    assert (rows["Delta Transit"]["origin"], rows["Delta Transit"]["verified_by"]) == (delta["origin"], None)
    assert "Greenway Construction" not in rows  # the adjudicator's word
    assert (rows["Millbrook"]["origin"], rows["Millbrook"]["verified_by"]) == (millbrook["origin"], None)
    assert (rows["Kingsport Herald"]["label"], rows["Kingsport Herald"]["origin"],
            rows["Kingsport Herald"]["verified_by"]) == (relabel_to, "human:judy", ["judy"])
    assert "1 spans people disagree on: kept as the machine made them (adjudicate)" in result.warnings
    # The card and the manifest count exactly the spans people verified or made.
    human = sum(1 for r in released(result.folder) if r["verified_by"] or r["origin"].startswith("human:"))
    stats = json.loads((result.folder / "MANIFEST.json").read_text(encoding="utf-8"))["stats"]
    assert human == stats["human_spans"] == 2
    assert f"({human} of {stats['spans']} entity and claim spans)" in (result.folder / "README.md").read_text()
    # The same build and logs released again: the same data, byte for byte.
    again = release(root, "1.0.1")
    data = sorted(p.relative_to(result.folder) for p in result.folder.glob("data/**/*.parquet"))
    assert data and all((result.folder / p).read_bytes() == (again.folder / p).read_bytes() for p in data)


def test_decisions_after_the_machine_annotator_changed(tmp_path):
    """A new annotator version (here: a project gazetteer) changes the machine spans under the decisions."""
    root = new_project(tmp_path / "project")
    doc = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    herald = entity(doc, "Kingsport Herald")
    assert apply(root, "ann", [line("accept", doc, herald), line("reject", doc, entity(doc, "Millbrook")),
                               line("accept", doc, entity(doc, "Ann Lee"))]) == 0
    lexicons = root / "lexicons"
    lexicons.mkdir()
    other = "ORG" if herald["label"] != "ORG" else "PERSON"
    (lexicons / "gazetteer.jsonl").write_text(json.dumps({"name": "Kingsport Herald", "label": other, "aliases": []})
                                              + "\n", encoding="utf-8")
    (lexicons / "outlets.jsonl").write_text(json.dumps({"name": "Coast Wire", "aliases": [], "domain": "coast.test"})
                                            + "\n", encoding="utf-8")
    text = (root / "newscorpus.toml").read_text().replace("claims = false", f'claims = false\nlexicons = "{lexicons}"')
    (root / "newscorpus.toml").write_text(text)
    new = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    assert [e["label"] for e in new["entities"] if e["text"] == "Kingsport Herald"] == [other]  # the machine changed

    rows = [r for r in released(release(root, "1.0.0").folder) if r["doc_id"] == doc["id"]]
    assert [r["verified_by"] for r in rows if r["text"] == "Ann Lee"] == [["ann"]]
    assert "Millbrook" not in {r["text"] for r in rows}
    # What she accepted stays, hers; the machine's new label on those very words does not come in beside it.
    assert [(r["label"], r["origin"], r["verified_by"]) for r in rows if r["text"] == "Kingsport Herald"] == \
        [(herald["label"], "human:ann", ["ann"])]


def test_a_label_studio_file_of_the_previous_build_imported_after_a_rebuild(tmp_path, capsys):
    root = new_project(tmp_path / "project")
    doc = only(rebuild(root, {"bridge.html": page(BRIDGE)}))
    herald, millbrook = entity(doc, "Kingsport Herald"), entity(doc, "Millbrook")
    relabel_to = "ORG" if herald["label"] != "ORG" else "GPE"
    shops = doc["text"].index("Shops")

    def submitted(task):
        regions = []
        for region in task["predictions"][0]["result"]:
            if region["value"]["start"] == herald["start"]:
                region = {**region, "value": {**region["value"], "labels": [relabel_to]}}
            if region["value"]["start"] != millbrook["start"]:
                regions.append(region)
        regions.append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                        "value": {"start": shops, "end": shops + 5, "text": "Shops", "labels": ["ORG"]}})
        task["annotations"] = [{"id": 1, "completed_by": {"id": 3, "username": "ann"}, "result": regions}]

    returned = _label_studio_export(root, submitted)
    new = only(rebuild(root, {"bridge.html": page(["Crowds gathered at dawn to watch the first cars cross."] + BRIDGE[:2]
                                                  + [BRIDGE[2].replace("Millbrook", "Westford"), BRIDGE[3]])}))
    assert new["id"] == doc["id"] and new["text"] != doc["text"]
    capsys.readouterr()
    assert cli(root, "import", str(returned), "--format", "labelstudio") == 0
    assert "1 documents changed in a build since the export" in capsys.readouterr().err
    result = release(root, "1.0.0")
    rows = {r["text"]: r for r in released(result.folder) if r["doc_id"] == doc["id"]}
    text = new["text"]
    assert (rows["Kingsport Herald"]["start"], rows["Kingsport Herald"]["label"], rows["Kingsport Herald"]["origin"]) \
        == (text.index("Kingsport Herald"), relabel_to, "human:ann")
    assert (rows["Shops"]["start"], rows["Shops"]["origin"]) == (text.index("Shops"), "human:ann")
    assert "1 decisions not applied: the text they were made on changed or is gone (review again)" in result.warnings
    assert rows.get("Westford", {}).get("verified_by") is None
