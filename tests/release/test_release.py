"""Releases of the examples build: layout, loading in datasets and pandas, splits, verify, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import datasets
import pandas as pd
import pyarrow.parquet as pq
import pytest

from builder.cli.main import main
from builder.errors import UserError
from builder.release import card
from builder.release.parquet import write_parquet
from builder.release.release import make_release
from builder.release.tables import SCHEMAS, release_features

REPO = Path(__file__).resolve().parents[2]
NAME_TYPES = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"]


@pytest.fixture(scope="module")
def releases(tmp_path_factory, examples_config, examples_build) -> Path:
    folder = tmp_path_factory.mktemp("releases")
    make_release(examples_config, "1.0.0", examples_build, folder)
    return folder


@pytest.fixture(scope="module")
def release(releases) -> Path:
    return releases / "1.0.0"


def _build_documents(examples_build: Path) -> pd.DataFrame:
    return pd.read_parquet(examples_build / "data" / "documents" / "train-00000-of-00001.parquet")


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "MANIFEST.json").read_text())


def test_layout(release):
    names = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert {"README.md", "MANIFEST.json", "CHANGELOG.md"} <= names
    assert {f"data/documents/{s}-00000-of-00001.parquet" for s in ("train", "validation", "test")} <= names
    header = (release / "README.md").read_text().split("---")[1]
    for key in ("pretty_name:", "license:", "language:", "task_categories:", "task_ids:", "size_categories:",
                "tags:", "configs:", "dataset_info:", "default: true"):
        assert key in header


def test_documents_load_typed_in_every_mode(release, examples_build):
    canonical = int(_build_documents(examples_build)["is_canonical"].sum())
    ds = datasets.load_dataset(str(release))
    assert sum(len(split) for split in ds.values()) == canonical
    features = ds["train"].features
    assert features["published"] == datasets.Value("date32")
    assert features["fetched_at"] == datasets.Value("timestamp[us, tz=UTC]")
    label = features["entities"].feature["label"]
    assert isinstance(label, datasets.ClassLabel) and label.names[:11] == NAME_TYPES
    assert isinstance(features["links"], datasets.List) and "url" in features["links"].feature
    assert ds["train"].info.version.version_str == "1.0.0"
    stream = datasets.load_dataset(str(release), streaming=True)
    for split, rows in ds.items():
        assert sum(1 for _ in stream[split]) == len(rows)


def test_every_config_with_rows_loads(release):
    header = (release / "README.md").read_text()
    for config, table in _manifest(release)["tables"].items():
        if table["rows"] == 0:
            assert f"config_name: {config}" not in header  # datasets cannot load an empty config
            continue
        ds = datasets.load_dataset(str(release), config)
        assert sum(len(s) for s in ds.values()) == table["rows"]
        stream = datasets.load_dataset(str(release), config, streaming=True)
        assert sum(1 for split in stream.values() for _ in split) == table["rows"]
        if config == "entities":
            assert isinstance(ds["train"].features["label"], datasets.ClassLabel)


def test_single_file_keeps_features(release, tmp_path):
    path = release / "data" / "documents" / "train-00000-of-00001.parquet"
    features = datasets.load_dataset("parquet", data_files=str(path), split="train").features
    assert features["published"] == datasets.Value("date32")
    # A top-level ClassLabel survives in one file too (datasets 5.2 drops it inside lists: README only).
    entity = {"doc_id": "d1", "id": "e1", "start": 0, "end": 5, "label": 3, "text": "Acme", "entity": "Acme",
              "origin": "test", "confidence": None}
    one = tmp_path / "entities.parquet"
    write_parquet([entity], SCHEMAS["entities"], one, release_features(list(NAME_TYPES))["entities"])
    loaded = datasets.load_dataset("parquet", data_files=str(one), split="train")
    assert loaded.features["label"] == datasets.ClassLabel(names=NAME_TYPES)
    assert loaded.features["label"].int2str(loaded[0]["label"]) == "ORG"


def test_pandas_reads_every_file(release):
    for entry in _manifest(release)["files"]:
        if entry["path"].endswith(".parquet"):
            frame = pd.read_parquet(release / entry["path"])
            assert len(frame) == entry["rows"] and len(frame) > 0


def test_flat_tables_match_nested_annotations(release):
    docs = pd.concat(pd.read_parquet(p) for p in sorted((release / "data" / "documents").glob("*.parquet")))
    for layer in ("entities", "claims", "sources"):
        nested = int(docs[layer].map(len).sum())
        files = sorted((release / "data" / layer).glob("*.parquet"))
        flat = sum(pq.read_metadata(f).num_rows for f in files)
        assert flat == nested


def test_near_duplicate_clusters_never_straddle_splits(tmp_path, examples_config, examples_build):
    config = examples_config.model_copy(update={"release": examples_config.release.model_copy(
        update={"keep_duplicates": True})})
    folder = make_release(config, "1.0.0", examples_build, tmp_path).folder
    frames = [pd.read_parquet(p).assign(split=p.name.split("-")[0])
              for p in (folder / "data" / "documents").glob("*.parquet")]
    docs = pd.concat(frames)
    assert len(docs) == len(_build_documents(examples_build))  # duplicates kept, with their flags
    sizes = docs.groupby("cluster_id")["id"].count()
    assert (sizes > 1).any(), "the examples have duplicate clusters"
    assert (docs.groupby("cluster_id")["split"].nunique() == 1).all()
    assert set(docs["split"]) == {"train", "validation", "test"}


def test_versions_parent_and_refusals(tmp_path, examples_config, examples_build):
    make_release(examples_config, "1.0.0", examples_build, tmp_path)
    assert make_release(examples_config, "1.2.0", examples_build, tmp_path).parent == "1.0.0"
    assert make_release(examples_config, "1.1.0", examples_build, tmp_path).parent == "1.0.0"
    assert make_release(examples_config, "0.9.0", examples_build, tmp_path).parent is None
    assert _manifest(tmp_path / "1.2.0")["parent"] == "1.0.0"
    with pytest.raises(UserError, match="already exists"):
        make_release(examples_config, "1.0.0", examples_build, tmp_path)
    for bad in ("1.0", "v1.0.0", "01.0.0", "1.0.0-rc1"):
        with pytest.raises(UserError, match="MAJOR.MINOR.PATCH"):
            make_release(examples_config, bad, examples_build, tmp_path)
    assert "Compared with 1.0.0" in (tmp_path / "1.2.0" / "CHANGELOG.md").read_text()


def test_failed_release_leaves_nothing(tmp_path, examples_config, examples_build, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("killed while rendering the card")

    monkeypatch.setattr(card, "render_card", fail)
    with pytest.raises(RuntimeError):
        make_release(examples_config, "1.0.0", examples_build, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_verify_ok_flipped_byte_and_missing_file(tmp_path, release, capsys):
    assert main(["verify", str(release)]) == 0
    damaged = tmp_path / "damaged"
    shutil.copytree(release, damaged)
    target = damaged / "data" / "documents" / "train-00000-of-00001.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    (damaged / "data" / "documents" / "test-00000-of-00001.parquet").unlink()
    capsys.readouterr()
    assert main(["verify", str(damaged)]) == 1
    err = capsys.readouterr().err
    assert "data/documents/train-00000-of-00001.parquet: sha256 differs" in err
    assert "data/documents/test-00000-of-00001.parquet: missing" in err
    assert "validation-00000-of-00001.parquet" not in err


def test_cli_release_and_errors(tmp_path, examples_build, capsys):
    args = ["release", "2.0.0", "--build", str(examples_build), "--releases", str(tmp_path), "-c", str(REPO)]
    assert main(args) == 0
    assert (tmp_path / "2.0.0" / "MANIFEST.json").exists()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["release", "3.0.0", "--build", str(tmp_path / "nothing"), "--releases", str(tmp_path),
                 "-c", str(REPO)]) == 2
    assert "run `newscorpus build` first" in capsys.readouterr().err


def test_card_has_the_sections_and_stats(release, examples_build):
    text = (release / "README.md").read_text()
    for heading in ("## Uses", "## Dataset Structure", "### Source Data", "#### Data Collection and Processing",
                    "#### Annotation process", "#### Who are the annotators?", "### Personal and Sensitive Information",
                    "## Bias, Risks, and Limitations", "## Citation"):
        assert heading in text
    build = _build_documents(examples_build)
    canonical = build[build["is_canonical"]]
    for site, n in canonical["site"].value_counts().items():
        assert f"| {site} | {n} |" in text
    assert f"Duplicates removed from this release: {len(build) - len(canonical)} documents" in text
    assert "Share of human-verified spans:" in text


def test_repo_card_template_is_the_packaged_one():
    assert (REPO / "dataset_card.md").read_text() == card.packaged_template()
