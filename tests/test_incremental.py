"""Incremental builds: new pages re-run only the shards that contain them, and the result equals a full
build of the union byte for byte."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from builder.engine.pipeline import build

REPO = Path(__file__).resolve().parents[1]

ARTICLE = """<!doctype html><html><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>{title}</h1>
<p>{lead}</p>
<p>Volunteers from three neighbourhood groups spent the weekend sorting donated books, repairing shelves and
labelling boxes, and the organisers said the response had been far larger than they expected when the appeal
went out last month.</p>
<p>"We thought we would fill one room," said coordinator Maren Ashby. "By Sunday we had filled four, and people
were still arriving with crates in the back of their cars."</p>
<p>The council has offered the old post office building for the winter, and a second sale is planned for the
spring if the rooms can be kept dry.</p>
</article><footer>Harbour Gazette, all rights reserved</footer></body></html>"""

NEW_PAGES = {
    "book-sale-fills-four-rooms.html": ("Book sale fills four rooms", "A charity book sale at the harbour hall raised "
                                        "more than eleven thousand pounds for the lifeboat station."),
    "allotment-waiting-list-halved.html": ("Allotment waiting list halved", "The allotment society halved its waiting "
                                           "list after the council released two fields beside the old railway line."),
}


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _config(examples_config, root: Path, work: Path):
    return examples_config.model_copy(update={"root": str(root), "build": examples_config.build.model_copy(
        update={"work_dir": str(work), "shard_size": 4})})


def _shards(work: Path, stage: str) -> set[Path]:
    return {p for p in (work / stage).glob("*.parquet") if not p.name.endswith(".rejects.parquet")}


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path


def test_new_pages_rerun_only_their_shards_and_equal_a_full_build(examples_config, project, tmp_path):
    config = _config(examples_config, project, tmp_path / "work")
    build(config, output=tmp_path / "first")
    before = {stage: _shards(tmp_path / "work", stage) for stage in ("extract+boilerplate", "annotate")}

    site = project / "examples" / "html" / "harbourgazette.example"
    for name, (title, lead) in NEW_PAGES.items():
        (site / name).write_text(ARTICLE.format(title=title, lead=lead), encoding="utf-8")
    result = build(config, output=tmp_path / "incremental")

    for stage, old in before.items():
        now = _shards(tmp_path / "work", stage)
        rerun = now - old
        # The two new pages sit next to each other in input order: one or two batches hold them (a batch
        # boundary may also move by one); every other shard of the stage is reused as it was.
        assert 1 <= len(rerun) <= 3, (stage, len(rerun))
        assert len(old) >= 10
    assert result.shards_reused >= 5 * 10

    full = _config(examples_config, project, tmp_path / "fresh-work")
    build(full, output=tmp_path / "full")
    assert digests(tmp_path / "incremental") == digests(tmp_path / "full")
    assert digests(tmp_path / "incremental") != digests(tmp_path / "first")  # the new pages are in it


def test_batches_stay_put_when_pages_are_added():
    from builder.engine.pipeline import _batches

    def pages(names):
        return [{"origin": n, "data": n.encode()} for n in names]

    names = [f"site/page-{i:04d}.html" for i in range(400)]
    grown = sorted(names + ["site/page-0100a.html"])
    old = {t.fingerprint for t in _batches(iter(pages(names)), 16, [])}
    new = {t.fingerprint for t in _batches(iter(pages(grown)), 16, [])}
    assert len(old) >= 10
    assert len(new - old) <= 2  # the batch that took the new page (and at most one boundary shift)
    sizes = [len(t.rows) for t in _batches(iter(pages(names)), 16, [])]
    assert max(sizes) <= 3 * 16 and sum(sizes) == 400


def test_a_new_dump_file_leaves_the_batches_of_earlier_files_alone():
    from builder.engine.pipeline import _batches

    def records(files):
        return [{"origin": f"{name}#{line}", "data": f"{name}{line}".encode()} for name in files for line in range(37)]

    old = {t.fingerprint for t in _batches(iter(records(["a.jsonl", "b.jsonl"])), 16, [])}
    new = {t.fingerprint for t in _batches(iter(records(["a.jsonl", "b.jsonl", "c.jsonl"])), 16, [])}
    assert old <= new  # every earlier batch is still there, the last one of b.jsonl included
