"""The work folder is checked, not trusted (issue 23): a stage output swapped, emptied or damaged since it
was written, and a state file that cannot be read, are made again with one line each; the build gives the
bytes of an untouched rebuild; errors are never cached as results."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder import shards as shard_io
from builder.annotate.config import AnnotateConfig
from builder.config import parse_config
from builder.engine.local import LocalEngine, Task
from builder.pipeline import build
from builder.records import DOCUMENT_SCHEMA
from builder.stage import MapStage

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
INPUTS = [EXAMPLES / "html" / "harbourgazette.example", EXAMPLES / "html" / "northfieldpost.example",
          EXAMPLES / "jsonl" / "dump.jsonl"]
ANNOTATION_OFF = {k: False for k, f in AnnotateConfig.model_fields.items() if f.annotation is bool}


def _config(root: Path, work: Path, workers: int = 1):
    return parse_config({"build": {"work_dir": str(work), "shard_size": 2, "workers": workers}, "annotate": ANNOTATION_OFF},
                        root=str(root))


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first(tmp_path_factory) -> Path:
    """A build of a few sites and a dump, in small shards; its work folder is copied by each test."""
    root = tmp_path_factory.mktemp("trust")
    build(_config(root, root / "work"), inputs=INPUTS, output=root / "out")
    return root


def _rebuild(first: Path, tmp_path: Path, caplog, damage, workers: int = 1) -> list[str]:
    """Copy the first build's work folder, damage it, build again; the build gives the first build's bytes.
    Returns the one-line notices it printed."""
    work = tmp_path / "work"
    shutil.copytree(first / "work", work)
    damage(work)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="newscorpus"):
        build(_config(first, work, workers), inputs=INPUTS, output=tmp_path / "out")
    assert digests(tmp_path / "out") == digests(first / "out")
    return [r.getMessage() for r in caplog.records if r.name == "newscorpus"]


def _outputs(work: Path, stage: str) -> list[Path]:
    """The documents files of a stage's outputs (with a record: done), in name order."""
    return sorted(p for p in (work / stage).glob("*.parquet") if shard_io.record_path(p).exists())


def _with_rows(paths: list[Path]) -> list[Path]:
    return [p for p in paths if pq.read_metadata(p).num_rows > 0]


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_an_untouched_work_folder_is_reused_without_a_word(first, tmp_path, caplog):
    assert _rebuild(first, tmp_path, caplog, lambda work: None) == []


def test_a_shipped_shard_swapped_for_another_valid_one_is_made_again(first, tmp_path, caplog):
    """A valid shard copied over another would ship the other's text under this task's name."""
    chosen = []

    def swap(work):
        a, b = _with_rows(_outputs(work, "annotate"))[:2]
        shutil.copyfile(b, a)
        chosen.append(a.name)

    notices = _rebuild(first, tmp_path, caplog, swap)
    assert len(notices) == 1 and chosen[0] in notices[0] and "not the file its record names" in notices[0]


def test_an_emptied_shard_does_not_drop_its_documents(first, tmp_path, caplog):
    """An empty but valid Parquet file in place of a shard (40 documents became 38 in the issue)."""
    chosen = []

    def empty(work):
        shard = _with_rows(_outputs(work, "dedup"))[0]
        pq.write_table(pa.Table.from_pylist([], schema=DOCUMENT_SCHEMA), shard)
        chosen.append(shard.name)

    notices = _rebuild(first, tmp_path, caplog, empty)
    assert len(notices) == 1 and chosen[0] in notices[0]
    assert pq.read_metadata(tmp_path / "out/data/documents/train-00000-of-00001.parquet").num_rows > 0


@pytest.mark.parametrize("what", ["documents", "rejects", "record", "deleted"])
def test_a_damaged_or_missing_stage_output_is_made_again(first, tmp_path, caplog, what):
    chosen = []

    def damage(work):
        shard = _outputs(work, "extract+boilerplate")[0]
        target = {"documents": shard, "rejects": shard_io.rejects_path(shard), "record": shard_io.record_path(shard),
                  "deleted": shard}[what]
        target.unlink() if what == "deleted" else _truncate(target)
        chosen.append(target.name)

    notices = _rebuild(first, tmp_path, caplog, damage)
    assert len(notices) == 1 and chosen[0] in notices[0], notices


# kind -> (the file damaged, files removed with it so that this build reads it: a done clustering run
# reads neither signatures, nor band keys, nor bucket pairs; a later build with new pages would)
STATE_FILES = {
    "scan cache": ("scan/*.parquet", []),
    "site-line keys": ("extract+boilerplate/*.site-keys-*.parquet", []),
    "clean task names": ("site-keys/tasks.json", []),
    "dedup index manifest": ("dedup-index/index.json", []),
    "dedup run marker": ("dedup-index/assignments/*/DONE", []),
    "dedup assignments": ("dedup-index/assignments/*/*.parquet", []),
    "dedup signatures": ("dedup-index/signatures/*.parquet", ["dedup-index/assignments/*/DONE"]),
    "dedup bucket pairs": ("dedup-index/pairs/*/0000.parquet", ["dedup-index/assignments/*/DONE"]),
    "dedup band keys": ("dedup-index/bands/*.parquet", ["dedup-index/assignments/*/DONE", "dedup-index/pairs"]),
}


@pytest.mark.parametrize("kind", sorted(STATE_FILES))
def test_a_damaged_state_file_is_reported_and_made_again(first, tmp_path, caplog, kind):
    pattern, removed = STATE_FILES[kind]
    chosen = []

    def damage(work):
        found = sorted(work.glob(pattern))
        assert found, pattern
        _truncate(found[0])
        chosen.append(found[0].name)
        for other in (p for name in removed for p in work.glob(name)):
            shutil.rmtree(other) if other.is_dir() else other.unlink()

    notices = _rebuild(first, tmp_path, caplog, damage)
    assert len(notices) == 1 and chosen[0] in notices[0], notices


def test_damage_met_in_a_worker_process_is_made_again_too(first, tmp_path, caplog):
    """Band keys are read by the bucket tasks, in the pool: the damage crosses back to the build."""
    pattern, removed = STATE_FILES["dedup band keys"]

    def damage(work):
        _truncate(sorted(work.glob(pattern))[0])
        for other in (p for name in removed for p in work.glob(name)):
            shutil.rmtree(other) if other.is_dir() else other.unlink()

    notices = _rebuild(first, tmp_path, caplog, damage, workers=2)
    assert len(notices) == 1 and "bands" in notices[0], notices


def test_a_state_file_of_the_wrong_shape_is_treated_as_damaged(first, tmp_path, caplog):
    """Valid JSON that is not what the file holds (a list, paths that leave the folder) is not used."""
    def damage(work):
        (work / "dedup-index" / "index.json").write_text('{"config": "x", "entries": ["../../etc"]}')

    notices = _rebuild(first, tmp_path, caplog, damage)
    assert len(notices) == 1 and "index.json does not hold what it should" in notices[0]


def test_the_command_line_prints_one_line_and_no_traceback(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(EXAMPLES / "html" / "harbourgazette.example", project / "pages")
    flags = "\n".join(f"{k} = false" for k in ANNOTATION_OFF)
    (project / "newscorpus.toml").write_text(f'[build]\ninputs = ["pages"]\nshard_size = 2\n\n[annotate]\n{flags}\n',
                                             encoding="utf-8")
    command = [sys.executable, "-m", "builder.cli.main", "build"]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    before = digests(project / "build")
    shard = _with_rows(_outputs(project / ".newscorpus", "annotate"))[0]
    pq.write_table(pa.Table.from_pylist([], schema=DOCUMENT_SCHEMA), shard)

    again = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    lines = [line for line in again.stderr.splitlines() if line.startswith("work folder:")]
    assert len(lines) == 1 and shard.name in lines[0] and "Traceback" not in again.stderr
    assert digests(project / "build") == before


class Flaky(MapStage):
    """Rejects every row with `reason` on its first run (a timeout on a busy machine, say), keeps it after."""

    name = "flaky"
    reason = "timeout"
    runs = 0

    def process(self, rows):
        Flaky.runs += 1
        if Flaky.runs == 1:
            return [], [{"origin": r["origin"], "url": None, "stage": "flaky", "reason": self.reason, "detail": "-"}
                         for r in rows]
        return rows, []


class Copy(MapStage):
    name = "copy"

    def process(self, rows):
        return rows, []


@pytest.mark.parametrize("reason, runs", [("timeout", 2), ("annotation-timeout", 2), ("extractor-crashed", 2), ("empty", 1)])
def test_an_error_of_the_moment_is_not_cached_as_a_result(tmp_path, monkeypatch, reason, runs):
    """The step after it is not reused either: its input had other content under the same name."""
    monkeypatch.setattr(Flaky, "runs", 0)
    monkeypatch.setattr(Flaky, "reason", reason)
    rows = [{"id": "d0", "origin": "page-0", "text": "text", "raw_hash": "r", "text_hash": "t"}]
    engine = LocalEngine(tmp_path / "work")
    for _ in range(2):
        (flaky,) = engine.map(Flaky(), [Task("batch", rows=[dict(r) for r in rows])])
        (out,) = engine.map(Copy(), [Task.of(flaky)])
    assert Flaky.runs == runs  # a rejection for what the page is ('empty') is a result, and cached
    assert len(shard_io.read_rows(out.path)) == (1 if runs == 2 else 0)


class Stamp(MapStage):
    """Writes into each row which run processed it (the run is no setting: the fingerprint stays)."""

    # Not test_incremental's name: the engine keeps set-up stages per process by fingerprint (name, version,
    # settings), so a namesake from another test module would be the one that runs.
    name = "run-stamp"
    run = "first"

    def process(self, rows):
        return [{**row, "title": Stamp.run} for row in rows], []


def _input(rows: list[dict], path: Path) -> Task:
    """An input shard as the engine leaves one: documents, rejects, and the record that marks it done."""
    shard_io.write_output(path, rows, [])
    return Task(path.stem, path=path, lineage="batch")


@pytest.mark.parametrize("damage", ["lineage", "donor input"])
def test_row_reuse_needs_a_sound_lineage_memo_and_donor(tmp_path, monkeypatch, caplog, damage):
    work = tmp_path / "work"
    engine = LocalEngine(work)
    rows = [{"id": f"d{i}", "origin": f"page-{i}", "text": f"text {i}", "raw_hash": "r", "text_hash": f"t{i}"} for i in range(3)]
    engine.map(Stamp(), [_input(rows, work / "input" / "before.parquet")], per_document=True)
    if damage == "lineage":
        (memo,) = (work / "run-stamp").glob("lineage-*.json")
        memo.write_text('{"batch": ["x", ', encoding="utf-8")
    else:  # the donor's input swapped: every row would look unchanged and keep its old output
        rows[1]["text"] = "text 1, corrected"
        _input(rows, work / "input" / "other.parquet")
        shutil.copyfile(work / "input" / "other.parquet", work / "input" / "before.parquet")

    rows[1]["text"] = "text 1, corrected"
    monkeypatch.setattr(Stamp, "run", "second")
    with caplog.at_level(logging.WARNING, logger="newscorpus"):
        (out,) = engine.map(Stamp(), [_input(rows, work / "input" / "after.parquet")], per_document=True)
    assert {r["title"] for r in shard_io.read_rows(out.path)} == {"second"}  # nothing taken from the donor
    notices = [r.getMessage() for r in caplog.records if r.name == "newscorpus"]
    assert len(notices) == 1 and ("lineage-" if damage == "lineage" else "before.parquet") in notices[0]
