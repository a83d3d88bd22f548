"""Shared fixtures. The examples corpus is built once per test session (it is our own writing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.config import load_config
from builder.ingest.scan import InputScan
from builder.pipeline import build

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def expected() -> dict:
    """Ground truth of the sample corpus, written by hand (examples/expected.json)."""
    return json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def examples_config():
    return load_config(REPO)


@pytest.fixture(scope="session")
def examples_build(tmp_path_factory, examples_config):
    """Build examples/ once into a temporary folder; returns the output folder."""
    work = tmp_path_factory.mktemp("work")
    config = examples_config.model_copy(
        update={"build": examples_config.build.model_copy(update={"work_dir": str(work)})}
    )
    out = tmp_path_factory.mktemp("examples-build")
    build(config, output=out)
    return out


@pytest.fixture(scope="session")
def examples_release(tmp_path_factory, examples_config, examples_build) -> Path:
    """Release 1.0.0 of the examples build, made once (folder releases/1.0.0)."""
    from builder.release.release import make_release

    releases = tmp_path_factory.mktemp("examples-releases")
    make_release(examples_config, "1.0.0", examples_build, releases)
    return releases / "1.0.0"


@pytest.fixture
def scan(tmp_path_factory):
    """The build's input scan (ingest/scan.py) as a function of (inputs, ingest config, base folder): every
    raw page and file-level reject, in input order. Its cache goes to a folder of its own, never among
    the inputs."""
    def pages_and_rejects(inputs, cfg, base) -> list[dict]:
        return list(InputScan(list(inputs), cfg, base, tmp_path_factory.mktemp("scan-work")).items())

    return pages_and_rejects
