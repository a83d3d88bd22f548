"""The examples build on a local Ray cluster gives exactly the bytes of the local engine's build."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from builder.pipeline import build
from builder.stage import MapStage

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'newscorpus[ray]')")


@pytest.fixture(scope="session")
def ray_cluster():
    """One local cluster for the whole test session (starting one costs seconds and about 1 GB)."""
    # Ray's actors cannot import this test module: its stage travels by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200_000_000, log_to_driver=False)
    yield
    ray.shutdown()


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _ray_config(config, work: Path, **build):
    return config.model_copy(update={"build": config.build.model_copy(
        update={"work_dir": str(work), "engine": "ray", "workers": 2, **build})})


def test_ray_build_is_byte_identical_to_local(ray_cluster, examples_config, examples_build, tmp_path):
    config = _ray_config(examples_config, tmp_path / "work", shard_size=8)
    result = build(config, output=tmp_path / "out")
    assert result.shards_reused == 0
    assert digests(tmp_path / "out") == digests(examples_build)
    # Rerun: every shard comes from the work folder, as with the local engine.
    again = build(config, output=tmp_path / "again")
    assert again.shards_reused > 0
    assert digests(tmp_path / "again") == digests(examples_build)


class CountSetups(MapStage):
    """Writes into each document which set-up (process id + how many set-ups before) processed it."""

    name = "count-setups"

    def setup(self) -> None:
        self.setup_id = f"{os.getpid()}-{getattr(self, 'setup_id', 'first')}"

    def process(self, rows):
        return [{**row, "title": self.setup_id} for row in rows], []


def test_ray_workers_set_up_each_stage_once_per_actor(ray_cluster, tmp_path):
    from builder.engine.local import Task
    from builder.engine.ray_engine import RayEngine

    engine = RayEngine(tmp_path / "work", workers=2)
    tasks = [Task(f"t{i}", rows=[{"id": f"d{i}-{j}", "origin": f"o{i}-{j}", "text": "x", "raw_hash": "r", "text_hash": "t"} for j in range(3)]) for i in range(8)]
    shards = engine.map(CountSetups(), tasks)
    assert [s.rows for s in shards] == [3] * 8
    import pyarrow.parquet as pq

    setups = {row["title"] for s in shards for row in pq.read_table(s.path, columns=["title"]).to_pylist()}
    assert 1 <= len(setups) <= 2  # one setup per actor of the pool of 2, not one per task
