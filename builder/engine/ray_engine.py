"""The Ray engine: the same stages and the same shard files as the local engine, on a Ray cluster.

Every Ray call of newscorpus lives in this module; stage code never imports Ray (DESIGN.md "Engines").

  map    a Ray Data `map_batches` over job descriptors, run by an actor pool (ActorPoolStrategy) whose
         actors ask for the stages' declared `resources`; each actor sets a stage up once (models load
         once per actor) and writes each output shard itself with the local engine's own `run_job`, so
         shard bytes, names and the cache (resume, incremental builds) are exactly the local engine's.
  call   one Ray task per item (sub-tasks of keyed steps: a shard's missing keys, a bucket -> pairs).

Raw page batches travel inside the job descriptors through the object store, a window of jobs at a
time, so the driver never holds the whole corpus. The work folder and the output must be storage that
every node sees at the same path (one machine, or a shared mount such as NFS): shards are written with
an atomic rename, which object stores (s3://, gs://) do not offer, so fsspec URLs are not supported.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Callable

from builder.engine.local import Job, ShardEngine, run_job
from builder.errors import UserError
from builder.stage import MapStage, Shard, resources_of

WINDOW_BYTES = 256 * 1024 * 1024  # raw pages in flight through the object store per Ray Data run


def _ray():
    try:
        import ray
    except ImportError:
        raise UserError("build.engine = 'ray' needs Ray: pip install 'newscorpus[ray]', "
                        "or build with --engine local.") from None
    return ray


class _StageWorker:
    """One per actor of the pool: each stage is set up on its first job, then reused for every job."""

    def __init__(self, stages: list[MapStage]):
        self.stages = stages

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        rows = [run_job(self.stages, pickle.loads(job)) for job in batch["job"]]
        return {"index": batch["index"], "rows": np.asarray(rows, dtype=np.int64)}


class RayEngine(ShardEngine):
    """Drop-in for LocalEngine (same map/call/reused/reject_files); `workers` is the actor pool size."""

    def __init__(self, work_dir: Path, workers: int = 1, on_progress: Callable[[int, str], None] | None = None,
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

    def _run_jobs(self, stages: list[MapStage], jobs, out: list[Shard]) -> None:
        """Jobs go to Ray Data a window at a time (raw pages travel in them through the object store)."""
        window, size = [], 0
        for index, job, units in jobs:
            window.append((index, job, units))
            size += sum(len(r.get("data") or b"") for r in job.task.rows) if job.task.rows is not None else 0
            if size >= WINDOW_BYTES:
                self._run_window(stages, window, out)
                window, size = [], 0
        self._run_window(stages, window, out)

    def _run_window(self, stages: list[MapStage], window: list[tuple[int, Job, int]], out: list[Shard]) -> None:
        if not window:
            return
        ray = _ray()
        items = [{"index": index, "job": pickle.dumps(job, protocol=5)} for index, job, _ in window]
        units = {index: n for index, _, n in window}
        dataset = ray.data.from_items(items, override_num_blocks=len(items))
        done = dataset.map_batches(
            _StageWorker, fn_constructor_args=(stages,), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(items))), **resources_of(stages))
        for row in done.iter_rows():
            index = int(row["index"])
            out[index] = replace(out[index], rows=int(row["rows"]))
            self.on_progress(units[index], stages[0].name)

    def call(self, fn: Callable, items: list) -> list:
        """fn(item) for every item as Ray tasks; results in input order. fn: picklable, module-level."""
        if not items:
            return []
        ray = _ray()
        remote = ray.remote(num_cpus=1)(fn)
        return ray.get([remote.remote(item) for item in items])
