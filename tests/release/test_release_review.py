"""Human decisions flow into the next release: accepted spans are marked verified, relabels win."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq

from builder.config import parse_config
from builder.release.release import make_release
from builder.release.verify import verify_release


def _first_document_with_entities(build):
    table = pq.read_table(build / "data/documents/train-00000-of-00001.parquet", columns=["id", "entities", "is_canonical"])
    return next(r for r in table.to_pylist() if r["is_canonical"] and len(r["entities"]) >= 2)


def test_review_decisions_appear_in_the_release(tmp_path, examples_build):
    doc = _first_document_with_entities(examples_build)
    first, second = doc["entities"][0], doc["entities"][1]
    new_label = "NORP" if second["label"] != "NORP" else "ORG"
    lines = [
        {"doc_id": doc["id"], "action": "accept", "start": first["start"], "end": first["end"], "text": first["text"]},
        {"doc_id": doc["id"], "action": "relabel", "start": second["start"], "end": second["end"], "label": new_label},
    ]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    applied = subprocess.run([sys.executable, "-m", "builder.cli.main", "review", "apply", str(decisions), "-a", "alice",
                              "-b", str(examples_build), "--annotations", str(tmp_path / "annotations")],
                             cwd=tmp_path, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr

    config = parse_config({"build": {"work_dir": str(tmp_path / "work")}}, root=str(tmp_path))
    result = make_release(config, "1.0.0", examples_build, tmp_path / "releases")
    assert result.stats.human_spans == 2
    rows = [r for f in sorted((result.folder / "data/entities").glob("*.parquet")) for r in pq.read_table(f).to_pylist()
            if r["doc_id"] == doc["id"]]
    accepted = next(r for r in rows if r["start"] == first["start"] and r["end"] == first["end"])
    relabelled = next(r for r in rows if r["start"] == second["start"] and r["end"] == second["end"])
    assert accepted["verified_by"] == ["alice"]
    assert relabelled["origin"] == "human:alice"
    names = json.loads((result.folder / "MANIFEST.json").read_text(encoding="utf-8"))["entity_labels"]
    assert names[relabelled["label"]] == new_label  # stored as a ClassLabel id
    card = (result.folder / "README.md").read_text(encoding="utf-8")
    assert "2 of" in card  # share of human-verified spans is stated
    assert "- expert-generated" in card.split("---")[1]  # annotations_creators: people verified spans
    assert verify_release(result.folder) == []  # the digests recomputed from merged rows match the manifest
