"""The Ray engine: the same stages and the same shard files as the local engine, on a Ray cluster.

Every Ray call of newscorpus lives in this module; stage code never imports Ray (DESIGN.md "Engines").

  map    a Ray Data `map_batches` over task descriptors, run by an actor pool (ActorPoolStrategy) whose
         actors ask for the stage's declared `resources`; each actor sets the stage up once (models load
         once per actor) and writes each output shard itself with the local engine's own `_run_task`, so
         shard bytes, names and the cache (resume, incremental builds) are exactly the local engine's.
  call   one Ray task per item (keyed steps: a shard's band keys -> bucket files, a bucket -> pairs).

Raw page batches travel inside the task descriptors through the object store, a window of tasks at a
time, so the driver never holds the whole corpus. The work folder and the output must be storage that
every node sees at the same path (one machine, or a shared mount such as NFS): shards are written with
an atomic rename, which object stores (s3://, gs://) do not offer, so fsspec URLs are not supported.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Callable, Iterable, Iterator

from builder.engine.local import Shard, ShardEngine, Task, _run_task
from builder.errors import UserError
from builder.stage import MapStage

WINDOW_BYTES = 256 * 1024 * 1024  # raw pages in flight through the object store per Ray Data run


def _ray():
    try:
        import ray
    except ImportError:
        raise UserError("build.engine = 'ray' needs Ray: pip install 'newscorpus[ray]', "
                        "or build with --engine local.") from None
    return ray


class _StageWorker:
    """One per actor of the pool: the stage is set up on its first task, then reused for every task."""

    def __init__(self, stage: MapStage):
        self.stage = stage

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        rows = []
        for job in batch["job"]:
            task, target = pickle.loads(job)
            rows.append(_run_task(self.stage, task, target).rows)
        return {"index": batch["index"], "rows": np.asarray(rows, dtype=np.int64)}


class RayEngine(ShardEngine):
    """Drop-in for LocalEngine (same map/call/reused/reject_files); `workers` is the actor pool size."""

    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int], None] | None = None,
                 address: str | None = None):
        ray = _ray()
        if not ray.is_initialized():
            # RAY_ADDRESS (or `address`) joins a running cluster; otherwise a local one with `workers` CPUs.
            address = address or os.environ.get("RAY_ADDRESS")
            options = {} if address else {"num_cpus": workers}
            ray.init(address=address, include_dashboard=False, log_to_driver=False, **options)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        super().__init__(work_dir, workers, on_progress)  # close() keeps the cluster: it outlives a build

    def map(self, stage: MapStage, tasks: Iterable[Task]) -> list[Shard]:
        """Run the stage over every task; returns output shards in input order (cached shards reused)."""
        out: list[Shard] = []
        for window in self._windows(tasks):
            todo = []
            for task in window:
                target = self._target(stage, task)
                out.append(target)
                if self._cached(target):
                    self.reused += 1
                    self.on_progress(_size(task))
                else:
                    todo.append((len(out) - 1, task, target))
            self._run(stage, todo, out)
        self.reject_files.extend(s.rejects for s in out)
        return out

    def _windows(self, tasks: Iterable[Task]) -> Iterator[list[Task]]:
        window, size = [], 0
        for task in tasks:
            window.append(task)
            size += sum(len(r.get("data") or b"") for r in task.rows) if task.rows is not None else 0
            if size >= WINDOW_BYTES:
                yield window
                window, size = [], 0
        if window:
            yield window

    def _run(self, stage: MapStage, todo: list, out: list[Shard]) -> None:
        if not todo:
            return
        ray = _ray()
        jobs = [{"index": i, "job": pickle.dumps((task, target), protocol=5)} for i, task, target in todo]
        sizes = {i: _size(task) for i, task, _ in todo}
        dataset = ray.data.from_items(jobs, override_num_blocks=len(jobs))
        done = dataset.map_batches(
            _StageWorker, fn_constructor_args=(stage,), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(jobs))), **stage.resources)
        for row in done.iter_rows():
            index = int(row["index"])
            out[index] = Shard(out[index].fingerprint, out[index].path, out[index].rejects, int(row["rows"]))
            self.on_progress(sizes[index])

    def call(self, fn: Callable, items: list) -> list:
        """fn(item) for every item as Ray tasks; results in input order. fn: picklable, module-level."""
        if not items:
            return []
        ray = _ray()
        remote = ray.remote(num_cpus=1)(fn)
        return ray.get([remote.remote(item) for item in items])


def _size(task: Task) -> int:
    return len(task.rows) if task.rows is not None else 1
