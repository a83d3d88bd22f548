"""The local engine: one machine, a process pool over shards, bounded memory, no services.

What runs (a MapStage over batches) is separate from where it runs (this module). Each task reads
its batch, runs the stage, and writes its output shard itself, so only small results cross processes.
At most two tasks per worker are in flight, so memory stays bounded whatever the corpus size.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from builder import shards
from builder.engine import reuse
from builder.engine.reuse import Donor, LineageMemo
from builder.hashing import stable_hash, value_hash
from builder.heap import arrow_uses_malloc, return_freed_blocks
from builder.lifeline import exit_with
from builder.stage import KeyedStep, MapStage, Shard, output_fingerprint
from builder.workstate import file_digest


@dataclass
class Task:
    """Input of one map task: a shard file, or a batch of rows (raw pages) in memory or read by `load`."""

    fingerprint: str
    rows: list[dict] | None = None
    path: Path | None = None
    load: Callable[[], list[dict]] | None = None  # called only when the output is not cached, in task order
    size: int | None = None  # pages of a batch that `load` reads
    lineage: str | None = None  # None: the task is a batch of raw pages, its own lineage

    @classmethod
    def of(cls, shard: Shard, fingerprint: str | None = None) -> "Task":
        """A task over a shard (named by the shard's fingerprint unless given another)."""
        return cls(fingerprint or shard.fingerprint, path=shard.path, lineage=shard.lineage)

    @property
    def units(self) -> int:
        """What progress counts: pages of a batch, 1 for a shard."""
        return self.size if self.size is not None else len(self.rows) if self.rows is not None else 1

    def ready(self) -> "Task":
        """This task with its rows in memory, as it travels to a worker."""
        return self if self.load is None else replace(self, rows=self.load(), load=None, size=None)


@dataclass
class Job:
    """What a worker runs: the stages from `start` on, over one task, writing one shard per stage."""

    start: int
    task: Task
    targets: list[Shard]
    donor: Donor | None = None
    keyed: KeyedStep | None = None  # writes its keys of the last stage's output (see map_steps)


_ready: dict[str, MapStage] = {}  # per worker: stages whose setup() has run


def _set_up(stage: MapStage) -> MapStage:
    key = stage.worker_key()
    if key not in _ready:
        stage.setup()
        _ready[key] = stage
    return _ready[key]


def _release_others(stages: list[MapStage]) -> None:
    """A job of other stages than a set-up one's: a later pass has begun (a pass's jobs all end before the
    next pass starts), so the stages of earlier passes let go of what they hold idle (the extractor child:
    MapStage.release). They stay set up, for a later build in this process."""
    running = {stage.worker_key() for stage in stages}
    for key, stage in _ready.items():
        if key not in running:
            stage.release()


def run_job(stages: list[MapStage], job: Job) -> int:
    """Runs the job's stages in one pass and writes each stage's output; returns the last one's row count.
    Rows the donor already holds (per-document stages, see reuse.py) are copied, not processed again."""
    _release_others(stages)
    stages = [_set_up(stage) for stage in stages[job.start:]]
    rows = job.task.rows if job.task.rows is not None else shards.read_rows(job.task.path)
    todo, kept = reuse.split(rows, job.donor) if job.donor else (rows, [([], []) for _ in stages])
    count, done = 0, True
    # Each output is written before the next stage runs: a stage may change its input rows in place.
    steps = zip(stages, stages[0].process_steps(stages, todo), kept, job.targets)
    for stage, (documents, rejects), (old_documents, old_rejects), target in steps:
        if job.keyed is not None and target is job.targets[-1]:
            job.keyed.write_keys(documents + old_documents, target)
        done = done and not shards.momentary(rejects)  # an error of the moment: not done, nor what follows
        shards.write_output(target.path, documents + old_documents, rejects + old_rejects, done)
        count = len(documents) + len(old_documents)
    return count


class ShardEngine:
    """What every engine shares: output shards named by fingerprint in the work folder, the cache test,
    which steps of a task still have to run, counters, and use as a context manager. Subclasses say where
    jobs run (_run_jobs, call, close)."""

    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int, str], None] | None = None):
        self.work_dir = Path(work_dir)
        self.workers = workers
        self.on_progress = on_progress or (lambda n, step: None)  # (units done, name of the step's first stage)
        self.reused = 0  # stage outputs found complete in the work folder (cache hits / resumed work)
        self.reject_files: list[Path] = []  # rejects of every shard this engine produced or reused

    def map(self, stage: MapStage, tasks: Iterable[Task], per_document: bool = False,
            keyed: KeyedStep | None = None) -> list[Shard]:
        """Run the stage over every task; returns output shards in input order."""
        return self.map_steps([stage], tasks, per_document, keyed)

    def map_steps(self, stages: list[MapStage], tasks: Iterable[Task], per_document: bool = False,
                  keyed: KeyedStep | None = None) -> list[Shard]:
        """Run the stages one after another over every task; returns the last stage's shards in input order.

        Each stage's output is cached on its own, so a changed stage re-runs with the stages after it only;
        the steps a task misses run in one job (stages[0].process_steps: the annotation layers parse each
        document once for all of them). per_document: each output row depends on its own input row only,
        so a job copies the rows that did not change from the task's previous run (reuse.py). keyed: the
        corpus-wide step that follows, whose keys each job makes of its last output while the rows are in
        memory (keyed.py makes those of outputs that were cached without them)."""
        memo = None
        if per_document:  # one memo for the stages together: each stage's input is named from the task's (_donor)
            memo = LineageMemo(self.work_dir, stages[0].name, value_hash([s.fingerprint() for s in stages]))
        out: list[Shard] = []

        def jobs() -> Iterator[tuple[int, Job, int]]:
            for task in tasks:
                chain = self._chain(stages, task)
                if memo is not None and task.path is not None and task.lineage:
                    memo.record(task.lineage, task.fingerprint, task.path)
                done = self._done(chain)
                self.reused += done + 1
                self.reject_files.extend(target.rejects for target in chain)
                out.append(chain[-1])
                if done == len(chain) - 1:
                    self.on_progress(task.units, stages[0].name)
                    continue
                start = done + 1
                source = task.ready() if start == 0 else Task.of(chain[done])
                donor = self._donor(memo, stages, start, task.lineage) if memo is not None and task.lineage else None
                yield len(out) - 1, Job(start, source, chain[start:], donor, keyed), task.units

        self._run_jobs(stages, jobs(), out)
        for index, shard in enumerate(out):
            if not shards.record_path(shard.path).exists():
                # Not done (an error of the moment, shards.py): it may hold other content at the next build
                # under the same name, so what is made from it is named by its content.
                content = stable_hash(f"{shard.fingerprint}|{file_digest(shard.path)}", 12)
                out[index] = replace(shard, fingerprint=content)
        if memo is not None:
            memo.save()
        return out

    def _chain(self, stages: list[MapStage], task: Task) -> list[Shard]:
        """The output shard of every stage for this task."""
        chain, fingerprint = [], task.fingerprint
        for stage in stages:
            fingerprint = output_fingerprint(fingerprint, stage)
            folder = self.work_dir / stage.name
            path = folder / f"{fingerprint}.parquet"
            chain.append(Shard(fingerprint, path, shards.rejects_path(path), lineage=task.lineage or task.fingerprint))
        return chain

    def _done(self, chain: list[Shard]) -> int:
        """Index of the last output of the chain that can be reused with all those before it (their rejects
        go into the build too); -1 when the task must run from its input."""
        done = -1
        while done + 1 < len(chain) and self._cached(chain[done + 1]):
            done += 1
        return done

    def _donor(self, memo: LineageMemo, stages: list[MapStage], start: int, lineage: str) -> Donor | None:
        """The previous run of the lineage's task from stage `start` on: its input and outputs, all checked."""
        previous = memo.previous(lineage)
        if previous is None:
            return None
        chain = self._chain(stages, Task(previous[0], lineage=lineage))
        source = Shard(previous[0], previous[1], shards.rejects_path(previous[1])) if start == 0 else chain[start - 1]
        outputs = chain[start:]
        return Donor(source.path, outputs) if all(self._cached(o) for o in [source, *outputs]) else None

    def _cached(self, target: Shard) -> bool:
        """The output is done, and its files are the ones it was written with (shards.check_record)."""
        return shards.check_record(target.path, target.rejects) is not None

    def _run_jobs(self, stages: list[MapStage], jobs: Iterator[tuple[int, Job, int]], out: list[Shard]) -> None:
        """Run every job (index into out, job, progress units); set out[index] to the finished shard."""
        raise NotImplementedError

    def call(self, fn: Callable, items: list) -> list:
        """fn(item) for every item where this engine runs tasks; results in input order (stage.Call)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the engine holds between maps (nothing by default)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_LANGDETECT_PRELOAD = "builder.clean.langdetect_preload"  # importing it loads langdetect's profiles


def _forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["builder.ingest.extract", "trafilatura", "pyarrow.parquet", _LANGDETECT_PRELOAD])
    return context


def _start_worker(build_pid: int) -> None:
    """A pool worker's initializer: it exits with the build (builder/lifeline.py), and freed batches go
    back to the system (builder/heap.py)."""
    return_freed_blocks()
    exit_with(build_pid)


class LocalEngine(ShardEngine):
    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int, str], None] | None = None):
        super().__init__(work_dir, workers, on_progress)
        self._pool: ProcessPoolExecutor | None = None
        return_freed_blocks()  # this process holds the raw pages of the batches in flight (builder/heap.py)
        if workers > 1:
            arrow_uses_malloc()  # in the fork server and the workers, which import pyarrow after this
            # The fork server imports its preloads (half a second) while the build reads its inputs; the
            # workers themselves start only when a task needs to run.
            _forkserver()
            threading.Thread(target=multiprocessing.forkserver.ensure_running, daemon=True).start()
        else:
            # Stages run in this process. Its main thread mostly waits for the extractor child at first, so
            # langdetect's profiles (0.25 s) load in a thread meanwhile, not when the language stage starts.
            threading.Thread(target=importlib.import_module, args=(_LANGDETECT_PRELOAD,), daemon=True).start()

    def pool(self) -> ProcessPoolExecutor:
        """One pool for the whole build: workers start once, and each keeps its loaded stages (the
        extractor child, the spaCy pipeline) from one map to the next."""
        if self._pool is None:
            # Workers exit with this process however it ends (the fork server follows them): _start_worker.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_forkserver(), initializer=_start_worker,
                                             initargs=(os.getpid(),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def call(self, fn: Callable, items: list) -> list:
        """fn(item) for every item, in the pool; results in input order (stage.Call): the sub-tasks of keyed
        steps (a shard's missing keys, a dedup bucket -> candidate pairs) that write their own outputs."""
        if self.workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        return list(self.pool().map(fn, items))

    def _run_jobs(self, stages, jobs, out) -> None:
        pending: dict = {}
        for index, job, units in jobs:
            if self.workers == 1:
                out[index] = replace(out[index], rows=run_job(stages, job))
                self.on_progress(units, stages[0].name)
                continue
            while len(pending) >= 2 * self.workers:
                self._collect(pending, out, stages[0].name)
            pending[self.pool().submit(run_job, stages, job)] = (index, units)
        while pending:
            self._collect(pending, out, stages[0].name)

    def _collect(self, pending: dict, out: list[Shard], step: str) -> None:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            index, units = pending.pop(future)
            out[index] = replace(out[index], rows=future.result())
            self.on_progress(units, step)
