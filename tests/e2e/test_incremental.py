"""Incremental builds: new pages re-run only the shards that contain them, and the result equals a full
build of the union byte for byte."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.annotate.claims import LEXICON_FILE
from builder import shards as shard_io
from builder.ingest.scan import cut_batches, page_digest
from builder.engine.local import LocalEngine, Task
from builder.pipeline import build
from builder.stage import MapStage

REPO = Path(__file__).resolve().parents[2]

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


STAGES = ("extract+boilerplate", "clean", "language", "dedup", "annotate")


def _shards(work: Path, stage: str) -> set[Path]:
    return {p for p in (work / stage).glob("*.parquet") if p.name.count(".") == 1}  # not .rejects/keys files


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


def scanned(origins):
    return [{"origin": origin, "digest": page_digest({"origin": origin, "data": origin.encode()})} for origin in origins]


def test_batches_stay_put_when_pages_are_added():
    names = [f"site/page-{i:04d}.html" for i in range(400)]
    grown = sorted(names + ["site/page-0100a.html"])
    old = {name for name, _ in cut_batches(scanned(names), 16, [])}
    new = {name for name, _ in cut_batches(scanned(grown), 16, [])}
    assert len(old) >= 10
    assert len(new - old) <= 2  # the batch that took the new page (and at most one boundary shift)
    sizes = [len(pages) for _, pages in cut_batches(scanned(names), 16, [])]
    assert max(sizes) <= 3 * 16 and sum(sizes) == 400


def test_a_new_dump_file_leaves_the_batches_of_earlier_files_alone():
    def records(files):
        return scanned(f"{name}#{line}" for name in files for line in range(37))

    old = {name for name, _ in cut_batches(records(["a.jsonl", "b.jsonl"]), 16, [])}
    new = {name for name, _ in cut_batches(records(["a.jsonl", "b.jsonl", "c.jsonl"]), 16, [])}
    assert len(old) >= 4 and new - old  # 74 records in batches of at most 16; c.jsonl adds its own
    assert old <= new  # every earlier batch is still there, the last one of b.jsonl included


def test_a_new_dump_file_reextracts_its_own_batch_only_and_equals_a_cold_build(examples_config, project, tmp_path):
    config = _config(examples_config, project, tmp_path / "work")
    build(config, output=tmp_path / "first")
    before = {stage: _shards(tmp_path / "work", stage) for stage in STAGES}

    lines = [json.dumps({"url": f"https://harbourgazette.example/{name}", "html": ARTICLE.format(title=title, lead=lead)})
             for name, (title, lead) in NEW_PAGES.items()]
    (project / "examples" / "jsonl" / "zz-new-dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build(config, output=tmp_path / "incremental")

    assert len(_shards(tmp_path / "work", "extract+boilerplate") - before["extract+boilerplate"]) == 1
    for stage in STAGES[1:]:  # the new shard, and the few whose documents share a site line with it
        assert len(_shards(tmp_path / "work", stage) - before[stage]) <= 3, stage
    build(_config(examples_config, project, tmp_path / "fresh-work"), output=tmp_path / "full")
    assert digests(tmp_path / "incremental") == digests(tmp_path / "full")


def test_an_input_whose_size_and_mtime_did_not_change_is_not_read_again(examples_config, project, tmp_path):
    """Like make and git, the build trusts a file's stat: same size and mtime, same pages (no read)."""
    config = _config(examples_config, project, tmp_path / "work")
    build(config, output=tmp_path / "first")
    page = project / "examples" / "html" / "harbourgazette.example" / "seal-pup-count-record.html"
    stat = page.stat()
    page.write_bytes(page.read_bytes().replace(b"seal", b"SEAL"))  # same size
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(config, output=tmp_path / "same-stat")
    assert digests(tmp_path / "same-stat") == digests(tmp_path / "first")

    os.utime(page)  # now it looks changed: read again
    build(config, output=tmp_path / "touched")
    assert digests(tmp_path / "touched") != digests(tmp_path / "first")


def test_a_file_changed_within_its_mtime_tick_is_still_read_again(examples_config, project, tmp_path):
    """A file written just before a build may change again without its stat showing it: its bytes decide."""
    config = _config(examples_config, project, tmp_path / "work")
    page = project / "examples" / "html" / "harbourgazette.example" / "book-sale-fills-four-rooms.html"
    title, lead = NEW_PAGES[page.name]
    page.write_text(ARTICLE.format(title=title, lead=lead), encoding="utf-8")
    os.utime(page)  # 'just before' even on a slow machine (the scan trusts stats older than SETTLE_NS)
    build(config, output=tmp_path / "first")
    stat = page.stat()
    page.write_text(ARTICLE.format(title=title, lead=lead.replace("eleven", "twelve")), encoding="utf-8")  # same size
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(config, output=tmp_path / "second")
    texts = pq.read_table(tmp_path / "second" / "data" / "documents", columns=["text"]).column("text").to_pylist()
    assert any("twelve thousand" in text for text in texts)


class Stamp(MapStage):
    """Writes into each row which run processed it (the run is no setting: the fingerprint stays)."""

    name = "stamp"
    run = "first"

    def process(self, rows):
        return [{**row, "title": Stamp.run} for row in rows], []


def _input_shard(rows: list[dict], path: Path) -> Task:
    """An input shard as the engine leaves one (documents, rejects, the record that marks it done)."""
    shard_io.write_output(path, rows, [])
    return Task(path.stem, path=path, lineage="batch")


def test_a_per_document_stage_processes_only_the_rows_that_changed(tmp_path, monkeypatch):
    engine = LocalEngine(tmp_path / "work")
    rows = [{"id": f"d{i}", "origin": f"page-{i}", "text": f"text {i}", "raw_hash": "r", "text_hash": f"t{i}"} for i in range(3)]
    engine.map(Stamp(), [_input_shard(rows, tmp_path / "work" / "input" / "before.parquet")], per_document=True)

    rows[1]["text"] = "text 1, corrected"  # the same batch of pages, one of them changed
    monkeypatch.setattr(Stamp, "run", "second")
    (out,) = engine.map(Stamp(), [_input_shard(rows, tmp_path / "work" / "input" / "after.parquet")], per_document=True)
    assert {r["origin"]: r["title"] for r in shard_io.read_rows(out.path)} == {"page-0": "first", "page-1": "second", "page-2": "first"}


def test_a_claims_option_reruns_claims_only_and_equals_a_cold_build(examples_config, project, tmp_path):
    config = _config(examples_config, project, tmp_path / "work")
    build(config, output=tmp_path / "first")
    layers = ("entities", "sources", "claims", "annotate")
    before = {stage: _shards(tmp_path / "work", stage) for stage in layers}

    verbs = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    verbs["speech"] = sorted(set(verbs["speech"]) - {"say"})  # a claims option that changes the claims
    (project / "verbs.json").write_text(json.dumps(verbs), encoding="utf-8")
    changed = config.model_copy(update={"annotate": config.annotate.model_copy(update={"reporting_verbs": str(project / "verbs.json")})})
    build(changed, output=tmp_path / "warm")

    rerun = {stage: _shards(tmp_path / "work", stage) - before[stage] for stage in layers}
    assert not rerun["entities"] and not rerun["sources"]  # spaCy's NER did not run again
    assert len(rerun["claims"]) == len(before["claims"]) == len(rerun["annotate"])
    build(changed.model_copy(update={"build": changed.build.model_copy(update={"work_dir": str(tmp_path / "cold")})}),
          output=tmp_path / "cold-output")
    assert digests(tmp_path / "warm") == digests(tmp_path / "cold-output")
    assert digests(tmp_path / "warm") != digests(tmp_path / "first")
