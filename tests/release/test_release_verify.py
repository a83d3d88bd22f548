"""verify recomputes what the data says (rows, content digests, splits, layers, README) and checks it against
the manifest, so swapped files with a rehashed manifest fail; --expect pins the manifest itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.cli.main import main
from builder.errors import UserError
from builder.release.manifest import manifest_sha256, sha256_file
from builder.release.verify import verify_release


def _rehash(folder: Path, drop: set[str] = frozenset()) -> None:
    """What a careless or hostile edit does: make every file entry match the files on disk again."""
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    kept = []
    for entry in manifest["files"]:
        if entry["path"] in drop:
            continue
        path = folder / entry["path"]
        entry.update(bytes=path.stat().st_size, sha256=sha256_file(path))
        if entry["path"].endswith(".parquet"):
            entry["rows"] = pq.read_metadata(path).num_rows
        kept.append(entry)
    manifest["files"] = kept
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))


@pytest.fixture()
def copy(tmp_path, examples_release) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(examples_release, folder)
    return folder


def test_intact_release_passes_with_its_pinned_sha(examples_release, capsys):
    assert verify_release(examples_release) == []
    pinned = manifest_sha256(examples_release)
    assert main(["verify", str(examples_release), "--expect", pinned]) == 0
    assert "expected sha256" in capsys.readouterr().out


def test_swapped_split_files_with_a_rehashed_manifest_fail(copy):
    docs = copy / "data" / "documents"
    train, test = docs / "train-00000-of-00001.parquet", docs / "test-00000-of-00001.parquet"
    train.rename(docs / "tmp")
    test.rename(train)
    (docs / "tmp").rename(test)
    _rehash(copy)
    problems = verify_release(copy)
    assert not any("sha256" in p for p in problems)  # the file entries match: only recomputation finds it
    assert any("belong to another split" in p for p in problems)
    assert any(p.startswith("README.md: documents/train num_examples") for p in problems)


def test_altered_rows_with_a_rehashed_manifest_fail(copy):
    # A documents file whose rows were altered (one title changed), re-written and re-hashed.
    path = copy / "data" / "documents" / "validation-00000-of-00001.parquet"
    table = pq.read_table(path)
    titles = table.column("title").to_pylist()
    titles[0] = "An altered title"
    pq.write_table(table.set_column(table.schema.get_field_index("title"), "title",
                                    pa.array(titles, table.schema.field("title").type)), path)
    _rehash(copy)
    assert "table documents: content digest of its rows differs from the manifest's" in verify_release(copy)


def test_deleting_a_whole_split_with_its_manifest_entries_fails(copy):
    dropped = {p.relative_to(copy).as_posix() for p in copy.glob("data/*/test-*.parquet")}
    assert len(dropped) == 4
    for name in dropped:
        (copy / name).unlink()
    _rehash(copy, drop=dropped)
    problems = verify_release(copy)
    assert any(p.startswith("table documents:") and "rows in its files" in p for p in problems)
    assert any("content digest" in p for p in problems)
    assert any("README.md declares data/documents/test-00000-of-00001.parquet" in p for p in problems)


def test_a_consistent_rewrite_is_caught_by_the_pinned_sha(copy, capsys):
    pinned = manifest_sha256(copy)
    manifest = json.loads((copy / "MANIFEST.json").read_text())
    manifest["name"] = "someone else's"
    (copy / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
    assert verify_release(copy) == []  # nothing in the data contradicts it ...
    assert main(["verify", str(copy), "--expect", pinned]) == 1  # ... but it is not the manifest that was pinned
    assert "is not the expected" in capsys.readouterr().err


@pytest.mark.parametrize("text, says", [
    ("{not json", "not valid JSON"),
    ("[]", "malformed manifest"),
    ('{"version": "1.0.0", "files": [{"path": "x"}], "tables": {}, "schemas": {}, "entity_labels": [],'
     ' "splits": {"ratios": {}}}', "files.0.config"),
    ('{"version": "1.0.0", "files": [{"path": "../../etc/passwd", "config": null, "split": null, "rows": null,'
     ' "bytes": 1, "sha256": "x"}], "tables": {}, "schemas": {}, "entity_labels": [], "splits": {"ratios": {}}}',
     "leads outside the release folder"),
])
def test_malformed_manifest_gives_one_line(copy, capsys, text, says):
    (copy / "MANIFEST.json").write_text(text)
    with pytest.raises(UserError, match=r"malformed manifest|not valid JSON"):
        verify_release(copy)
    assert main(["verify", str(copy)]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_release_prints_the_manifest_sha(tmp_path, examples_build, capsys):
    repo = Path(__file__).resolve().parents[2]
    assert main(["release", "1.0.0", "--build", str(examples_build), "--releases", str(tmp_path), "-c", str(repo)]) == 0
    out = capsys.readouterr().out
    assert f"manifest sha256: {manifest_sha256(tmp_path / '1.0.0')}" in out
