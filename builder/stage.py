"""The contracts every engine runs: map stages, corpus-wide keyed steps, and how outputs are named.

A map stage is a picklable object with a name, a version and its config. `setup()` runs once per
worker (load models there); `process(rows)` is a pure function of a batch of dicts and the config,
returning (documents, rejects). No clocks, no unseeded randomness, no global state beyond setup's.
The fingerprint names its output: the same input shard through the same stage version and settings
gives the same output file, which is what makes builds cached, resumable and incremental. It is made
in one way only (`MapStage.fingerprint`, `output_fingerprint`): a stage says what its output depends
on in `settings()`, and never computes a fingerprint of its own.

A keyed step is a corpus-wide map -> reduce -> map (`KeyedStep`): small keys per shard, one reduce over
all of them into an index, and a map stage that applies the index per shard, each shard's task named by
the slice of the index that shard depends on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from builder.hashing import value_hash

# fn(item) for every item, where the engine runs its tasks; results in input order. fn is a picklable
# module-level function that returns something small (it writes its own outputs).
Call = Callable[[Callable, list], list]


def output_fingerprint(input_fingerprint: str, stage: "MapStage") -> str:
    """Names a stage's output shard: its input's fingerprint and the stage's."""
    return hashlib.blake2b(f"{input_fingerprint}|{stage.fingerprint()}".encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Shard:
    """A shard of documents in the work folder, named by the fingerprint of how it was made."""

    fingerprint: str
    path: Path
    rejects: Path
    rows: int = 0
    lineage: str = ""  # the batch of raw pages the shard descends from (see engine/reuse.py)

    def keys(self, name: str) -> Path:
        """A file of reduce keys of this shard (KeyedStep), beside it."""
        return self.path.with_name(f"{self.fingerprint}.{name}.parquet")


class MapStage:
    name: str = "stage"
    version: str = "1"
    # What one worker of this stage needs, for engines that place workers (Ray: num_cpus, num_gpus, memory).
    resources: dict = {"num_cpus": 1}

    def __init__(self, config=None):
        self.config = config

    def settings(self):
        """What the stage's output depends on besides its input and code version: its config (all of it,
        unless a stage says less), and data files or models it reads (their digests or versions). A change
        to it gives the stage's outputs new names, so they are made again."""
        return self.config.model_dump(mode="json") if self.config is not None else None

    def fingerprint(self) -> str:
        """Name, version and settings; not overridden (a stage declares settings instead). Computed once:
        the engine asks for it for every task, and settings may hash data files or look up models."""
        if getattr(self, "_fingerprint", None) is None:
            self._fingerprint = value_hash([self.name, self.version, self.settings()])
        return self._fingerprint

    def worker_key(self) -> str:
        """Names the worker-side state of this stage: a worker reuses a set-up stage with the same key.
        The fingerprint, unless the stage holds state that does not show in its outputs' names."""
        return self.fingerprint()

    def setup(self) -> None:
        """Load what every batch needs (models, lexicons). Called once per worker process."""

    def release(self) -> None:
        """The worker runs other stages now (a later pass of the build): let go of what setup() holds that
        costs memory while idle and little to make again (a child process). process() must still work
        after it, making that again when it needs it."""

    def process(self, rows: list[dict]) -> tuple[list[dict], list[dict]]:
        raise NotImplementedError

    def process_steps(self, stages: list["MapStage"], rows: list[dict]) -> Iterator[tuple[list[dict], list[dict]]]:
        """`stages` (this one first) one after another on a batch, yielding each one's (documents, rejects).
        The engine writes each output before asking for the next, so a stage may change its input rows in
        place. Stages that share work override this (the annotation layers parse a document once for all)."""
        for stage in stages:
            rows, rejects = stage.process(rows)
            yield rows, rejects


def resources_of(stages) -> dict:
    """What a worker running all of these stages needs: the largest request of each kind."""
    return {k: max(s.resources.get(k, 0) for s in stages) for st in stages for k in st.resources}


class Chain(MapStage):
    """Several map stages fused into one pass over each shard (one read, one write)."""

    version = "chain"

    def __init__(self, *stages: MapStage):
        super().__init__(None)
        self.stages = stages
        self.name = "+".join(s.name for s in stages)
        self.resources = resources_of(stages)

    def settings(self):
        return [stage.fingerprint() for stage in self.stages]

    def setup(self) -> None:
        for stage in self.stages:
            stage.setup()

    def release(self) -> None:
        for stage in self.stages:
            stage.release()

    def process(self, rows):
        rejects: list[dict] = []
        for stage in self.stages:
            rows, dropped = stage.process(rows)
            rejects.extend(dropped)
        return rows, rejects


class KeyedStep:
    """A corpus-wide step, map -> reduce -> map (DESIGN.md), run by an engine that knows only this contract:

      keys    per shard of the pass before, small keys of its documents (`write_keys`), made by the engine
              in that pass's job while its rows are in memory, or later from the shard (`key_columns`)
              when they are missing (`keys_ready`)
      reduce  one task in the main process over the keys of every shard -> an index (`reduce`); `call`
              runs its independent sub-tasks where the engine runs tasks
      slice   per shard, the name of the part of the index its output depends on (`slice_names`): a
              shard whose slice did not change keeps its output, and everything after it
      apply   a map stage that applies the index per shard (`apply`); its tasks carry the slice names,
              so its fingerprint leaves the index out

    A step is picklable and holds its config and the folder of its index in the work folder.
    """

    name: str = "keyed"
    key_columns: list[str] | None = None  # the shard columns write_keys reads (None: all)

    def __init__(self, config, folder: Path):
        self.config, self.folder = config, Path(folder)

    def keys_ready(self, shard: Shard) -> bool:
        raise NotImplementedError

    def write_keys(self, rows: list[dict], shard: Shard) -> None:
        """Writes the keys of `shard`, whose documents are `rows`, atomically, where keys_ready looks."""
        raise NotImplementedError

    def reduce(self, shards: list[Shard], call: Call) -> Any:
        raise NotImplementedError

    def slice_names(self, index: Any, shards: list[Shard]) -> list[str]:
        raise NotImplementedError

    def apply(self, index: Any) -> MapStage:
        raise NotImplementedError
