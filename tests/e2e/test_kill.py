"""SIGKILL a build and a release at random moments, again and again: the next run completes, says what it
recovered, and gives exactly the bytes of an uninterrupted run."""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BUILD = """
import sys
from builder.config import load_config
from builder.pipeline import build
config = load_config({repo!r})
config = config.model_copy(update={{"build": config.build.model_copy(update={{"work_dir": sys.argv[1], "shard_size": 2}})}})
result = build(config, output=__import__("pathlib").Path(sys.argv[2]))
print("reused", result.shards_reused, "removed", result.partial_files_removed)
"""

RELEASE = """
import sys
from pathlib import Path
from builder.config import load_config
from builder.release.release import make_release
config = load_config({repo!r})
config = config.model_copy(update={{"build": config.build.model_copy(update={{"work_dir": sys.argv[1]}})}})
result = make_release(config, "1.0.0", Path(sys.argv[2]), Path(sys.argv[3]))
print("staging removed", result.staging_removed)
"""


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def kill_repeatedly(args: list[str], watch: Path, points: list[int]) -> int:
    """Start the command and SIGKILL it once `watch` holds more files than the point (random points, so
    kills land between and during writes, whatever the machine's speed); returns how many were cut short."""
    cut = 0
    for point in points:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if watch.exists() and sum(1 for p in watch.rglob("*") if p.is_file()) > point:
                break
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            cut += 1
        process.wait()
    return cut


def test_killed_builds_resume_to_identical_bytes(tmp_path, examples_build):
    work, out = tmp_path / "work", tmp_path / "out"
    args = [sys.executable, "-c", BUILD.format(repo=str(REPO)), str(work), str(out)]
    points = sorted(random.Random(seed).randrange(2, 60) for seed in range(4))
    assert kill_repeatedly(args, work, points) >= 3
    finished = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "reused" in finished.stdout and not finished.stdout.startswith("reused 0 ")  # completed shards kept
    assert not list(work.rglob(".*.tmp")) and not list(out.rglob(".*.tmp"))
    mine, reference = digests(out / "data"), digests(examples_build / "data")
    assert mine == reference


def test_killed_release_leaves_nothing_half_written(tmp_path, examples_build, examples_release):
    releases = tmp_path / "releases"
    args = [sys.executable, "-c", RELEASE.format(repo=str(REPO)), str(tmp_path / "work"), str(examples_build), str(releases)]
    kill_repeatedly(args, releases, [random.Random(seed).randrange(0, 8) for seed in range(3)])
    if (releases / "1.0.0").exists():  # a kill that came after the rename: the release is whole
        assert digests(releases / "1.0.0") == digests(examples_release)
        return
    assert not [p for p in releases.glob("*") if not p.name.startswith(".")]  # no visible half release
    finished = subprocess.run(args, capture_output=True, text=True, check=True)
    assert not list(releases.glob(".*.staging-*"))
    assert digests(releases / "1.0.0") == digests(examples_release)
    assert "staging removed" in finished.stdout
