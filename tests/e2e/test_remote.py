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
from builder.remote import OUTPUT_LIST, mirror_input, upload_output
from builder.errors import UserError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
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
    assert written and sorted(fs.find(f"{root}/out")) == sorted(f"{root}/out/{rel}" for rel in written + [OUTPUT_LIST])
    for rel in written:
        assert fs.cat_file(f"{root}/out/{rel}") == (Path(local.output) / rel).read_bytes(), rel
    # named like local files, from the input's parent: not from the mirror's place in the work folder
    with fs.open(f"{root}/out/data/documents/train-00000-of-00001.parquet") as handle:
        origins = pq.read_table(handle, columns=["origin"]).column("origin").to_pylist()
    assert origins and all(o.startswith((f"{SITE.name}/", "dump.jsonl#")) for o in origins)


def test_the_mirror_fetches_only_what_changed_and_drops_what_went(tmp_path, bucket):
    fs, root = bucket
    url = f"memory://{root}/pages"
    target, rejects = mirror_input(url, tmp_path)
    assert rejects == []
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


def test_a_remote_output_replaces_our_files_and_leaves_unrelated_ones(tmp_path, bucket):
    """A URL output may be a shared prefix: only files an earlier upload of ours listed are deleted."""
    fs, root = bucket
    out = f"memory://{root}/out"
    fs.pipe_file(f"{root}/out/notes.txt", b"someone else's file")
    fs.pipe_file(f"{root}/out/data/documents/theirs.parquet", b"not ours either")
    build(_config(tmp_path, "work"), inputs=[f"memory://{root}/dump.jsonl"], output=out)
    names = {p.removeprefix(f"{root}/out/") for p in fs.find(f"{root}/out")}
    assert {"notes.txt", "data/documents/theirs.parquet", "README.md", OUTPUT_LIST} <= names
    assert fs.cat_file(f"{root}/out/notes.txt") == b"someone else's file"


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_an_upload_deletes_only_the_stale_files_of_our_earlier_upload(tmp_path, scheme):
    url = f"memory:///upload-{uuid.uuid4().hex[:8]}" if scheme == "memory" else (tmp_path / "published").as_uri()
    fs, root = fsspec.core.url_to_fs(url)
    fs.makedirs(root, exist_ok=True)
    fs.pipe_file(f"{root}/keep.txt", b"unrelated")
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, files in ((first, ["README.md", "data/a.parquet", "data/gone.parquet"]), (second, ["README.md", "data/a.parquet"])):
        for rel in files:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(f"{folder.name} {rel}")
    upload_output(first, url)
    assert fs.cat_file(f"{root}/data/gone.parquet") == b"first data/gone.parquet"
    upload_output(second, url)
    names = {p.removeprefix(f"{root}/") for p in fs.find(root)}
    assert names == {"keep.txt", "README.md", "data/a.parquet", OUTPUT_LIST}
    assert fs.cat_file(f"{root}/data/a.parquet") == b"second data/a.parquet"
    assert fs.cat_file(f"{root}/keep.txt") == b"unrelated"


def test_a_damaged_upload_list_deletes_nothing_it_does_not_name(tmp_path):
    """The list is state like any other: a list naming a place outside the output is not followed."""
    url = (tmp_path / "published").as_uri()
    (tmp_path / "published").mkdir()
    (tmp_path / "victim.txt").write_text("outside the output")
    (tmp_path / "published" / OUTPUT_LIST).write_text('["../victim.txt", "README.md"]')
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "README.md").write_text("new")
    upload_output(tmp_path / "site", url)
    assert (tmp_path / "victim.txt").read_text() == "outside the output"
    assert (tmp_path / "published" / "README.md").read_text() == "new"


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_listing_keys_outside_the_input_are_rejected_and_never_written_or_deleted(tmp_path, bucket):
    """Keys with '..' parts were written outside the mirror folder (as far up as the listed folder is deep in
    its bucket), and a versions.json naming '../' deleted a file outside the work folder; each is a reject with its reason, and nothing outside the mirror changes."""
    fs, root = bucket
    url = f"memory://{root}/pages"
    fs.pipe_file(f"{root}/pages/../../../../escaped.html", b"<html><body><p>Written outside.</p></body></html>")
    fs.pipe_file(f"{root}/pages/{SITE.name}/../../../../../escaped-too.html", b"<p>Outside too.</p>")
    fs.pipe_file(f"{root}/pages/{SITE.name}/sub/../twin.html", b"<p>Two names for one file.</p>")
    work = tmp_path / "work"
    (tmp_path / "victim.txt").write_text("not the mirror's")
    target, rejects = mirror_input(url, work)

    assert sorted((r["reason"], r["origin"]) for r in rejects) == sorted([
        ("outside-inputs", f"pages/{SITE.name}/../../../../../escaped-too.html"),
        ("outside-inputs", "pages/../../../../escaped.html"),
        ("unsafe-name", f"pages/{SITE.name}/sub/../twin.html")])
    assert all(r["stage"] == "ingest" and r["detail"] for r in rejects)
    assert _files_under(tmp_path) == {"victim.txt", *(f"work/{p}" for p in _files_under(work))}
    mirror = target.parent
    assert _files_under(work) == {f"{mirror.relative_to(work).as_posix()}/{p}" for p in _files_under(mirror)}
    assert _files_under(target) == {f"{SITE.name}/{p.name}" for p in SITE.iterdir()}

    # versions.json from a damaged or older work folder naming a file outside the mirror: never deleted
    versions = mirror / "versions.json"
    versions.write_text(versions.read_text().replace("{", '{"../../../../victim.txt": "x", ', 1))
    mirror_input(url, work)
    assert (tmp_path / "victim.txt").read_text() == "not the mirror's"
    versions.write_text("{ truncated")
    target, rejects = mirror_input(url, work)  # damaged: everything fetched again, nothing lost
    assert len(rejects) == 3 and _files_under(target) == {f"{SITE.name}/{p.name}" for p in SITE.iterdir()}


def test_a_build_from_a_listing_with_unsafe_keys_rejects_them(tmp_path, bucket):
    fs, root = bucket
    fs.pipe_file(f"{root}/pages/../../../escaped.html", b"<html><body><p>Written outside.</p></body></html>")
    result = build(_config(tmp_path, "work"), inputs=[f"memory://{root}/pages"], output=tmp_path / "out")
    refused = [r for r in result.rejects if r["reason"] == "outside-inputs"]
    assert [r["origin"] for r in refused] == ["pages/../../../escaped.html"]
    table = pq.read_table(tmp_path / "out" / "data" / "rejects" / "train-00000-of-00001.parquet")
    assert "pages/../../../escaped.html" in table.column("origin").to_pylist()
    assert result.summary["documents"] > 0


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
