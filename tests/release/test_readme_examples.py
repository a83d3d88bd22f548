"""The loading examples of README.md and of the dataset card run as written, on the examples build and release
(a folder laid out as the README says: build/ and releases/1.0.0/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets

from builder.release.manifest import read_manifest
from release_helpers import PYTHON_BLOCK, run_card_example

REPO = Path(__file__).resolve().parents[2]
INLINE_LOAD = re.compile(r'`(load_dataset\("(?:build|releases/1\.0\.0)"[^`\n]*\))`')  # one line each


def test_readme_examples_run_as_written(tmp_path, monkeypatch, examples_build, examples_release):
    (tmp_path / "build").symlink_to(examples_build)
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "1.0.0").symlink_to(examples_release)
    monkeypatch.chdir(tmp_path)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    build_block, release_block = PYTHON_BLOCK.findall(readme)
    summary = json.loads((examples_build / "build.json").read_text())
    tables = read_manifest(examples_release)["tables"]

    names: dict = {}
    exec(compile(build_block, "README.md", "exec"), names)
    assert len(names["docs"]["train"]) == summary["documents"]
    assert len(names["rejects"]["train"]) == summary["rejected"]
    assert sum(1 for _ in names["stream"]["train"]) == summary["documents"]
    exec(compile(release_block, "README.md", "exec"), names)
    assert sum(len(split) for split in names["docs"].values()) == tables["documents"]["rows"]
    assert sum(len(split) for split in names["ents"].values()) == tables["entities"]["rows"]
    assert len(names["one"]) == read_manifest(examples_release)["stats"]["splits"]["train"]

    inline = {call: eval("datasets." + call, {"datasets": datasets}) for call in INLINE_LOAD.findall(readme)}
    assert len(inline['load_dataset("build", "corpus_entities")']["train"]) == summary["corpus_entities"]
    assert len(inline['load_dataset("build", "rejects")']["train"]) == summary["rejected"]
    assert len(inline['load_dataset("build")']["train"]) == summary["documents"]


def test_the_cards_example_runs_as_written(examples_release):
    names = run_card_example(examples_release)
    tables = read_manifest(examples_release)["tables"]
    for config in ("docs", "entities", "claims", "sources"):
        rows = tables["documents" if config == "docs" else config]["rows"]
        assert sum(len(split) for split in names[config].values()) == rows, config
    assert sum(1 for split in names["stream"].values() for _ in split) == tables["documents"]["rows"]
