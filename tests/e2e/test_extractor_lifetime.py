"""The extractor child (builder/ingest/guard.py) lives for the extract pass only: a later pass ends it, and
an extraction after that, in a later build or a later map of the same pool, starts a fresh one."""

from __future__ import annotations

import os
from pathlib import Path

from builder import shards as shard_io
from builder.annotate.config import AnnotateConfig
from builder.config import parse_config
from builder.engine import local
from builder.engine.local import LocalEngine, Task
from builder.ingest.config import IngestConfig
from builder.ingest.readers import page
from builder.ingest.stage import ExtractStage
from builder.pipeline import build
from builder.stage import Chain, MapStage

ARTICLE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{lead} The committee met "
           "in the old library on Thursday evening and heard from residents, shop owners and the two schools "
           "on the street before it voted.</p><p>Work is expected to start in the spring and to last about six "
           "weeks, the council said, with the road closed to traffic on weekdays only.</p></article></body></html>")
LEADS = {
    "ferry-timetable.html": ("Ferry timetable changes", "The island ferry will sail an hour earlier from May."),
    "market-square.html": ("Market square to be repaved", "The market square will be repaved after a vote."),
    "night-buses.html": ("Night buses return", "Night buses return to the harbour route next month."),
}


def guard_children(pid: int) -> set[int]:
    """Live extractor children of process `pid` (a reaped child is gone from /proc)."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            command = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"builder.ingest.guard" in command:
            found.add(int(entry.name))
    return found


def _write(folder: Path, name: str) -> None:
    title, lead = LEADS[name]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(ARTICLE.format(title=title, lead=lead), encoding="utf-8")


def test_a_build_ends_its_extractor_and_the_next_build_extracts_a_page_added_later(tmp_path):
    """One process (workers = 1), two builds in one work folder, as an incremental rebuild by the library API."""
    off = {name: False for name, field in AnnotateConfig.model_fields.items() if field.annotation is bool}
    config = parse_config({"build": {"work_dir": str(tmp_path / "work"), "workers": 1, "shard_size": 1},
                           "annotate": off,
                           "language": {"keep": []}}, root=str(tmp_path))
    pages = tmp_path / "pages"
    _write(pages, "ferry-timetable.html")
    _write(pages, "market-square.html")
    before = guard_children(os.getpid())  # other tests' stages may hold one; this build releases them too

    first = build(config, inputs=[pages], output=tmp_path / "first")
    assert first.summary["documents"] == 2
    assert guard_children(os.getpid()) - before == set()

    _write(pages, "night-buses.html")
    second = build(config, inputs=[pages], output=tmp_path / "second")
    titles = {row["title"] for row in shard_io.read_rows(tmp_path / "second" / "data" / "documents" / "train-00000-of-00001.parquet")}
    assert titles == {title for title, _ in LEADS.values()}
    assert second.shards_reused > 0  # only the new page's batch was extracted
    assert guard_children(os.getpid()) - before == set()


class GuardCount(MapStage):
    """Each row's title: whether the worker that processes it has extracted, and how many extractor
    children it has now."""

    name = "guard-count"

    def process(self, rows):
        extracted = any(isinstance(stage, Chain) and isinstance(stage.stages[0], ExtractStage) for stage in local._ready.values())
        seen = f"{'extracted' if extracted else 'fresh'} {len(guard_children(os.getpid()))}"
        return [{**row, "title": seen} for row in rows], []


def _tasks(names: list[str]) -> list[Task]:
    pages = [page(name, ARTICLE.format(title=LEADS[name][0], lead=LEADS[name][1]).encode(), "html") for name in names]
    return [Task(f"batch-{p['origin']}", rows=[p]) for p in pages]


def _seen(engine: LocalEngine, shards) -> list[str]:
    return [row["title"] for s in engine.map(GuardCount(), [Task.of(s) for s in shards]) for row in shard_io.read_rows(s.path)]


def test_pool_workers_end_their_extractors_when_a_later_pass_starts(tmp_path):
    extract = Chain(ExtractStage(IngestConfig()))
    with LocalEngine(tmp_path / "work", workers=2) as engine:
        extracted = engine.map(extract, _tasks(sorted(LEADS)))
        assert sum(s.rows for s in extracted) == 3
        seen = _seen(engine, extracted)
        assert "extracted 0" in seen  # a worker that ran the extract pass (it had one child then)...
        assert set(seen) <= {"extracted 0", "fresh 0"}  # ...and no worker has a child now

        # the same stage in the same pool extracts again (a fresh child), then lets it go again
        (later,) = engine.map(extract, _tasks(["night-buses.html"]))
        assert [row["title"] for row in shard_io.read_rows(later.path)] == ["Night buses return"]
        assert _seen(engine, [later]) in (["extracted 0"], ["fresh 0"])
