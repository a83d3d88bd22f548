"""Inputs and outputs at fsspec URLs, on fsspec's real in-memory filesystem (memory://)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import fsspec
import pyarrow.parquet as pq
import pytest

from builder.annotate.config import AnnotateConfig
from builder.config import parse_config
from builder.pipeline import build
from builder.remote import mirror_input
from builder.errors import UserError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SITE = EXAMPLES / "html" / "harbourgazette.example"
DUMP = EXAMPLES / "jsonl" / "dump.jsonl"


def _config(tmp_path: Path, name: str):
    annotation_off = {k: False for k, f in AnnotateConfig.model_fields.items() if f.annotation is bool}
    return parse_config({"build": {"work_dir": str(tmp_path / name)}, "annotate": annotation_off}, root=str(tmp_path))


@pytest.fixture()
def bucket():
    """A fresh folder on the in-memory filesystem holding one site folder and one JSONL dump."""
    fs = fsspec.filesystem("memory")
    root = f"/bucket-{uuid.uuid4().hex[:8]}"
    for path in SITE.iterdir():
        fs.pipe_file(f"{root}/pages/{SITE.name}/{path.name}", path.read_bytes())
    fs.pipe_file(f"{root}/dump.jsonl", DUMP.read_bytes())
    yield fs, root
    fs.rm(root, recursive=True)


def test_remote_inputs_and_output_give_the_local_build_bytes(tmp_path, bucket):
    fs, root = bucket
    local = build(_config(tmp_path, "work-local"), inputs=[SITE, DUMP], output=tmp_path / "local-out")
    remote = build(_config(tmp_path, "work-remote"), inputs=[f"memory://{root}/pages/{SITE.name}", f"memory://{root}/dump.jsonl"],
                   output=f"memory://{root}/out")
    assert remote.output == f"memory://{root}/out"
    written = sorted(p.relative_to(local.output).as_posix() for p in Path(local.output).rglob("*") if p.is_file())
    assert written and sorted(fs.find(f"{root}/out")) == [f"{root}/out/{rel}" for rel in written]
    for rel in written:
        assert fs.cat_file(f"{root}/out/{rel}") == (Path(local.output) / rel).read_bytes(), rel
    # named like local files, from the input's parent: not from the mirror's place in the work folder
    with fs.open(f"{root}/out/data/documents/train-00000-of-00001.parquet") as handle:
        origins = pq.read_table(handle, columns=["origin"]).column("origin").to_pylist()
    assert origins and all(o.startswith((f"{SITE.name}/", "dump.jsonl#")) for o in origins)


def test_the_mirror_fetches_only_what_changed_and_drops_what_went(tmp_path, bucket):
    fs, root = bucket
    url = f"memory://{root}/pages"
    target = mirror_input(url, tmp_path)
    files = sorted(p for p in target.rglob("*") if p.is_file())
    assert len(files) == len(list(SITE.iterdir()))
    first, second = files[0], files[1]
    stamps = {p: p.stat().st_mtime_ns for p in files}

    mirror_input(url, tmp_path)  # nothing changed: nothing fetched again
    assert {p: p.stat().st_mtime_ns for p in files} == stamps

    fs.pipe_file(f"{root}/pages/{SITE.name}/{first.name}", b"<html><body><p>Rewritten.</p></body></html>")
    fs.rm_file(f"{root}/pages/{SITE.name}/{second.name}")
    mirror_input(url, tmp_path)
    assert first.read_bytes() == b"<html><body><p>Rewritten.</p></body></html>"
    assert not second.exists()
    assert all(p.stat().st_mtime_ns == stamps[p] for p in files[2:])


def test_a_second_remote_build_replaces_the_output_and_deletes_stale_files(tmp_path, bucket):
    fs, root = bucket
    out = f"memory://{root}/out"
    fs.pipe_file(f"{root}/out/old-file.parquet", b"from an earlier build")
    build(_config(tmp_path, "work"), inputs=[f"memory://{root}/dump.jsonl"], output=out)
    names = [p.rsplit("/", 1)[-1] for p in fs.find(f"{root}/out")]
    assert "old-file.parquet" not in names and "README.md" in names


def test_missing_remote_input_and_unknown_protocol_are_one_line_errors(tmp_path):
    with pytest.raises(UserError, match="input not found: memory:///no-such-bucket"):
        build(_config(tmp_path, "work"), inputs=["memory:///no-such-bucket/pages"], output=tmp_path / "out")
    with pytest.raises(UserError, match="cannot open nosuchproto://x"):
        build(_config(tmp_path, "work"), inputs=["nosuchproto://x/pages"], output=tmp_path / "out")


def test_cli_builds_from_and_to_file_urls(tmp_path):
    """The command line keeps a URL as it is (a Path would fold its '//'); file:// goes through fsspec too."""
    inputs = tmp_path / "crawl"
    inputs.mkdir()
    (inputs / "story.txt").write_text("Ferry timetable changes\n\nThe island ferry will sail an hour earlier from "
                                      "Monday, the operator said, to meet the first train.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "builder.cli.main", "build", inputs.as_uri(), "--output",
                             (tmp_path / "published").as_uri()], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"output: {(tmp_path / 'published').as_uri()}" in result.stdout
    assert (tmp_path / "published" / "README.md").exists()
    assert pq.read_table(tmp_path / "published" / "data/documents/train-00000-of-00001.parquet").num_rows == 1
