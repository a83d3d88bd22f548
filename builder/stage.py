"""The contract every map stage follows, so that any engine can run it.

A map stage is a picklable object with a name, a version and its config. `setup()` runs once per
worker (load models there); `process(rows)` is a pure function of a batch of dicts and the config,
returning (documents, rejects). No clocks, no unseeded randomness, no global state beyond setup's.
The fingerprint names its output: the same input shard through the same stage version and config
gives the same output file, which is what makes builds cached, resumable and incremental.
"""

from __future__ import annotations

import hashlib
import json
from typing import Iterator


class MapStage:
    name: str = "stage"
    version: str = "1"
    # What one worker of this stage needs, for engines that place workers (Ray: num_cpus, num_gpus, memory).
    resources: dict = {"num_cpus": 1}

    def __init__(self, config=None):
        self.config = config

    def settings(self):
        """What of its config the stage's output depends on (all of it, unless a stage says less): a change
        to it gives the stage's outputs new names, so they are made again."""
        return self.config.model_dump(mode="json") if self.config is not None else None

    def fingerprint(self) -> str:
        blob = json.dumps([self.name, self.version, self.settings()], sort_keys=True, default=str).encode()
        return hashlib.blake2b(blob, digest_size=8).hexdigest()

    def worker_key(self) -> str:
        """Names the worker-side state of this stage: a worker reuses a set-up stage with the same key.
        The fingerprint, unless the stage holds state that does not show in its outputs' names."""
        return self.fingerprint()

    def setup(self) -> None:
        """Load what every batch needs (models, lexicons). Called once per worker process."""

    def process(self, rows: list[dict]) -> tuple[list[dict], list[dict]]:
        raise NotImplementedError

    def keys(self, rows: list[dict]):
        """Small keys of this stage's output rows that a corpus-wide reduce step reads instead of the rows
        (DESIGN.md: map -> reduce -> map), as an Arrow table; None (the default) for none. The engine writes
        them beside the output shard in the same job, as `<shard fingerprint>.<keys_name()>.parquet`."""
        return None

    def keys_name(self) -> str:
        """Names this stage's keys file beside its shard. Put the version of the code that makes the keys in
        it: a reduce looks for the name its own code expects, and makes the keys again when it is missing."""
        return "keys"

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

    def __init__(self, *stages: MapStage):
        super().__init__(None)
        self.stages = stages
        self.name = "+".join(s.name for s in stages)
        self.resources = resources_of(stages)

    def fingerprint(self) -> str:
        # Asked for every task (output names): stages may hash data files for theirs, so ask them once.
        if getattr(self, "_fingerprint", None) is None:
            blob = "|".join(s.fingerprint() for s in self.stages).encode()
            self._fingerprint = hashlib.blake2b(blob, digest_size=8).hexdigest()
        return self._fingerprint

    def setup(self) -> None:
        for stage in self.stages:
            stage.setup()

    def keys(self, rows):
        return self.stages[-1].keys(rows)

    def keys_name(self) -> str:
        return self.stages[-1].keys_name()

    def process(self, rows):
        rejects: list[dict] = []
        for stage in self.stages:
            rows, dropped = stage.process(rows)
            rejects.extend(dropped)
        return rows, rejects
