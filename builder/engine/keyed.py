"""Runs a corpus-wide keyed step (stage.KeyedStep) up to its last map: keys, reduce, slices.

The keys of a shard are made in the job of the pass before, while its rows are in memory (map_steps'
`keyed`); a shard that pass reused from an earlier build without them (deleted, or made by an older
version of the step's keys) gets them here, from the shard, in the engine's pool. The caller runs the
returned map stage over the returned tasks, alone or fused with the stages after it. A damaged state
file of the step is made again (keyed_tasks).
"""

from __future__ import annotations

import shutil

from builder.engine.local import ShardEngine, Task
from builder.errors import UserError
from builder.shards import read_rows
from builder.stage import KeyedStep, MapStage, Shard
from builder.workstate import DamagedState, report


def make_keys(job: tuple[KeyedStep, Shard]) -> None:
    """The keys of one shard, from the shard file."""
    step, shard = job
    step.write_keys(read_rows(shard.path, step.key_columns), shard)


def keyed_tasks(engine: ShardEngine, step: KeyedStep, shards: list[Shard]) -> tuple[MapStage, list[Task]]:
    """The step's apply stage and its task per shard, each named by the shard and its slice of the index.

    A state file of the step that cannot be read (keys, index files: DamagedState) is reported, removed and
    made again: the step runs again from its keys, which remakes what is missing. A file damaged again
    once remade is not the work folder's fault: the build stops there with one line."""
    remade: set = set()
    while True:
        engine.call(make_keys, [(step, shard) for shard in shards if not step.keys_ready(shard)])
        try:
            index = step.reduce(shards, engine.call)
            names = step.slice_names(index, shards)
            return step.apply(index), [Task.of(shard, name) for shard, name in zip(shards, names)]
        except DamagedState as damaged:
            if damaged.path in remade:
                raise UserError(f"{damaged.path} {damaged.why}, again after it was made anew: check the disk "
                                "that holds the work folder (build.work_dir).") from None
            remade.add(damaged.path)
            report(damaged.path, damaged.why)
            if damaged.remove.is_dir():
                shutil.rmtree(damaged.remove)
            else:
                damaged.remove.unlink(missing_ok=True)
