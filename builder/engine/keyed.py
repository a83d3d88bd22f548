"""Runs a corpus-wide keyed step (stage.KeyedStep) up to its last map: keys, reduce, slices.

The keys of a shard are made in the job of the pass before, while its rows are in memory (map_steps'
`keyed`); a shard that pass reused from an earlier build without them (deleted, or made by an older
version of the step's keys) gets them here, from the shard, in the engine's pool. The caller runs the
returned map stage over the returned tasks, alone or fused with the stages after it.
"""

from __future__ import annotations

from builder.engine.local import ShardEngine, Task
from builder.shards import read_rows
from builder.stage import KeyedStep, MapStage, Shard


def make_keys(job: tuple[KeyedStep, Shard]) -> None:
    """The keys of one shard, from the shard file."""
    step, shard = job
    step.write_keys(read_rows(shard.path, step.key_columns), shard)


def keyed_tasks(engine: ShardEngine, step: KeyedStep, shards: list[Shard]) -> tuple[MapStage, list[Task]]:
    """The step's apply stage and its task per shard, each named by the shard and its slice of the index."""
    engine.call(make_keys, [(step, shard) for shard in shards if not step.keys_ready(shard)])
    index = step.reduce(shards, engine.call)
    names = step.slice_names(index, shards)
    return step.apply(index), [Task.of(shard, name) for shard, name in zip(shards, names)]
