"""More of the review loop as teams use it, on real builds of our own small project (see loop_project.py):
names from other tools, duplicates in the app and exports, decisions written against an older build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loop_project import BRIDGE, apply, cli, documents, entity, library_page, line, new_project, page, rebuild, release, released


@pytest.fixture(scope="module")
def bridge_build(tmp_path_factory) -> Path:
    """The bridge and library pages, built once; each test reviews it from a project of its own."""
    root = new_project(tmp_path_factory.mktemp("bridge"))
    rebuild(root, {"bridge.html": page(BRIDGE), "library.html": library_page()})
    return root / "build"


def _bridge(root: Path) -> dict:
    return next(d for d in documents(root).values() if "bridge" in d["text"])


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
