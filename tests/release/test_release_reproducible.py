"""Two releases of the same inputs are byte-identical; diff between overlapping inputs counts right."""

from __future__ import annotations

import shutil
from pathlib import Path

from builder.config import parse_config
from builder.pipeline import build
from builder.release.diff import annotation_counts, diff_releases
from builder.release.release import make_release
from builder.release.manifest import sha256_file

REPO = Path(__file__).resolve().parents[2]
INPUTS = ["examples/html", "examples/jsonl", "examples/warc", "examples/text", "examples/broken"]


def _copy_inputs(root: Path, order: list[str]) -> None:
    """Copy the example inputs file by file in the given folder order (so directory order differs too)."""
    for folder in order:
        files = sorted((REPO / folder).rglob("*"), reverse=order != INPUTS)
        for source in files:
            if source.is_file():
                target = root / source.relative_to(REPO)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    shutil.copytree(REPO / "annotations", root / "annotations")


def _release(root: Path, inputs: list[str], version: str = "1.0.0", releases: Path | None = None) -> Path:
    config = parse_config({"build": {"inputs": inputs, "work_dir": "work"},
                           "release": {"pretty_name": "newscorpus sample corpus"}}, root=str(root))
    build(config, output=root / "build")
    return make_release(config, version, root / "build", releases or root / "releases").folder


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


def test_same_inputs_give_identical_releases(tmp_path):
    first, second = tmp_path / "alpha", tmp_path / "zeta-other-place"
    shuffled = [INPUTS[i] for i in (3, 0, 4, 2, 1)]
    _copy_inputs(first, INPUTS)
    _copy_inputs(second, shuffled)
    a = _files(_release(first, INPUTS))
    b = _files(_release(second, shuffled))
    assert len(a) >= 6 and a == b


def test_diff_between_overlapping_inputs(tmp_path):
    old_root, new_root = tmp_path / "old", tmp_path / "new"
    _copy_inputs(old_root, ["examples/html"])
    _copy_inputs(new_root, ["examples/html"])
    html = new_root / "examples" / "html"
    spanish = html / "diariodelvalle.example"
    moved = (spanish / "festival-cine-valdeoro.html").read_text(encoding="utf-8")
    url = "https://www.diariodelvalle.example/2026/03/02/festival-cine-valdeoro"
    assert url in moved
    for page in spanish.iterdir():  # removed: the two pages of the Spanish site
        page.unlink()
    # added: a page under a new URL (a new id); changed: one sentence of one article
    (spanish / "new-url.html").write_text(moved.replace(url, url + "-segunda-edicion"), encoding="utf-8")
    marathon = html / "dailymeridian.example" / "marathon-course-record.html"
    text = marathon.read_text(encoding="utf-8")
    assert "Daniel Kiprono broke" in text
    marathon.write_text(text.replace("Daniel Kiprono broke", "Daniel Kiprono smashed"), encoding="utf-8")

    releases = tmp_path / "releases"
    old = _release(old_root, ["examples/html"], "1.0.0", releases)
    new = _release(new_root, ["examples/html"], "1.1.0", releases)
    result = diff_releases(old, new)
    assert (len(result["added"]), len(result["removed"]), len(result["changed"])) == (1, 2, 1)
    for side, folder in ((0, old), (1, new)):
        counts = annotation_counts(folder)
        for layer, labels in result["annotations"].items():
            assert {k: v[side] for k, v in labels.items() if v[side]} == dict(counts[layer])
    changelog = (new / "CHANGELOG.md").read_text()
    assert "Compared with 1.0.0" in changelog and "1 added, 2 removed, 1 changed" in changelog
