"""The local engine: one machine, a process pool over shards, bounded memory, no services.

What runs (a MapStage over batches) is separate from where it runs (this module). Each task reads
its batch, runs the stage, and writes its output shard itself, so only small results cross processes.
At most two tasks per worker are in flight, so memory stays bounded whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from builder.engine import shards
from builder.stage import MapStage


@dataclass(frozen=True)
class Shard:
    """A shard of documents in the work folder, named by the fingerprint of how it was made."""

    fingerprint: str
    path: Path
    rejects: Path
    rows: int = 0


@dataclass
class Task:
    """Input of one map task: a shard file, or a batch of rows already in memory (raw pages)."""

    fingerprint: str
    rows: list[dict] | None = None
    path: Path | None = None


_ready: dict[str, MapStage] = {}  # per worker: stages whose setup() has run


def _run_task(stage: MapStage, task: Task, out: Shard) -> Shard:
    key = stage.worker_key()
    if key not in _ready:
        stage.setup()
        _ready[key] = stage
    stage = _ready[key]
    rows = task.rows if task.rows is not None else shards.read_rows(task.path)
    documents, rejects = stage.process(rows)
    shards.write_rejects(rejects, out.rejects)
    shards.write_documents(documents, out.path)  # written last: its presence marks the task done
    return Shard(out.fingerprint, out.path, out.rejects, len(documents))


def derive(input_fingerprint: str, stage: MapStage) -> str:
    return hashlib.blake2b(f"{input_fingerprint}|{stage.fingerprint()}".encode(), digest_size=12).hexdigest()


class ShardEngine:
    """What every engine shares: output shards named by fingerprint in the work folder, the cache test,
    counters, and use as a context manager. Subclasses say where tasks run (map, call, close)."""

    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int], None] | None = None):
        self.work_dir = Path(work_dir)
        self.workers = workers
        self.on_progress = on_progress or (lambda n: None)
        self.reused = 0  # shards found complete in the work folder (cache hits / resumed work)
        self.reject_files: list[Path] = []  # rejects of every shard this engine produced or reused

    def _target(self, stage: MapStage, task: Task) -> Shard:
        fp = derive(task.fingerprint, stage)
        folder = self.work_dir / stage.name
        return Shard(fp, folder / f"{fp}.parquet", folder / f"{fp}.rejects.parquet")

    def _cached(self, target: Shard) -> bool:
        return target.path.exists() and target.rejects.exists()

    def close(self) -> None:
        """Release what the engine holds between maps (nothing by default)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalEngine(ShardEngine):
    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int], None] | None = None):
        super().__init__(work_dir, workers, on_progress)
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        """One pool for the whole build: workers start once, and each keeps its loaded stages (the
        extractor child, the spaCy pipeline) from one map to the next."""
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["builder.ingest.extract", "trafilatura", "pyarrow.parquet"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def map(self, stage: MapStage, tasks: Iterable[Task]) -> list[Shard]:
        """Run the stage over every task; returns output shards in input order."""
        if self.workers == 1:
            out = list(self._map_inline(stage, tasks))
        else:
            out = self._map_pool(stage, tasks)
        self.reject_files.extend(s.rejects for s in out)
        return out

    def call(self, fn: Callable, items: list) -> list:
        """fn(item) for every item, in the pool; results in input order. For the steps of keyed stages
        (a shard's keys -> bucket files, a bucket -> candidate pairs) that write their own outputs.
        fn must be a picklable module-level function that returns something small."""
        if self.workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        return list(self.pool().map(fn, items))

    def _map_inline(self, stage, tasks) -> Iterator[Shard]:
        for task in tasks:
            target = self._target(stage, task)
            if self._cached(target):
                self.reused += 1
                yield target
            else:
                yield _run_task(stage, task, target)
            self.on_progress(len(task.rows) if task.rows is not None else 1)

    def _map_pool(self, stage, tasks) -> list[Shard]:
        results: dict[int, Shard] = {}
        pending: dict = {}
        pool = self.pool()
        for index, task in enumerate(tasks):
            target = self._target(stage, task)
            if self._cached(target):
                self.reused += 1
                results[index] = target
                self.on_progress(len(task.rows) if task.rows is not None else 1)
                continue
            while len(pending) >= 2 * self.workers:
                self._collect(pending, results)
            size = len(task.rows) if task.rows is not None else 1
            pending[pool.submit(_run_task, stage, task, target)] = (index, size)
        while pending:
            self._collect(pending, results)
        return [results[i] for i in sorted(results)]

    def _collect(self, pending: dict, results: dict) -> None:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            index, size = pending.pop(future)
            results[index] = future.result()
            self.on_progress(size)
