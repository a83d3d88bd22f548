"""A release opened by each reader in `.[test]` keeps every type its Features declare: datasets (default,
each config, streaming, one file), polars, DuckDB and mlcroissant (through croissant.json)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, List, Value

from builder.release.manifest import read_manifest
from builder.release.tables import release_features


def _features(release: Path) -> dict:
    return release_features(read_manifest(release)["entity_labels"])


def _parquet_files(release: Path):
    for entry in read_manifest(release)["files"]:
        if entry["path"].endswith(".parquet"):
            yield entry["config"], release / entry["path"]


def test_datasets_every_config_and_mode(examples_release):
    features = _features(examples_release)
    for config, expected in features.items():
        loaded = datasets.load_dataset(str(examples_release), config)
        assert all(split.features == expected for split in loaded.values()), config
        stream = datasets.load_dataset(str(examples_release), config, streaming=True)
        assert all(split.features == expected for split in stream.values()), config
    default = datasets.load_dataset(str(examples_release))
    assert default["train"].features == features["documents"]
    for config, path in _parquet_files(examples_release):
        assert datasets.Dataset.from_parquet(str(path)).features == features[config], path


_POLARS = {"string": "String", "int64": "Int64", "float64": "Float64", "bool": "Boolean", "date32": "Date",
           "timestamp[us, tz=UTC]": "Datetime(time_unit='us', time_zone='UTC')"}
_DUCKDB = {"string": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE", "bool": "BOOLEAN", "date32": "DATE",
           "timestamp[us, tz=UTC]": "TIMESTAMP WITH TIME ZONE"}


def _reader_type(feature, names: dict, array, struct) -> str:
    """How a reader names a feature's type: ClassLabel as int64 (no reader but datasets knows labels)."""
    if isinstance(feature, ClassLabel):
        return names["int64"]
    if isinstance(feature, Value):
        return names[feature.dtype]
    if isinstance(feature, List):
        return array(_reader_type(feature.feature, names, array, struct))
    return struct({k: _reader_type(v, names, array, struct) for k, v in feature.items()})


def _polars_type(feature) -> str:
    return _reader_type(feature, _POLARS, lambda item: f"List({item})",
                        lambda fields: "Struct({" + ", ".join(f"'{k}': {v}" for k, v in fields.items()) + "})")


def _duckdb_type(feature) -> str:
    return _reader_type(feature, _DUCKDB, lambda item: f"{item}[]",
                        lambda fields: "STRUCT(" + ", ".join(f"{k} {v}" for k, v in fields.items()) + ")")


def test_polars_keeps_every_type(examples_release):
    pl = pytest.importorskip("polars")
    features = _features(examples_release)
    for config, path in _parquet_files(examples_release):
        schema = pl.read_parquet(path).schema
        assert {k: str(v) for k, v in schema.items()} == {k: _polars_type(f) for k, f in features[config].items()}


def test_duckdb_keeps_every_type(examples_release):
    duckdb = pytest.importorskip("duckdb")
    features = _features(examples_release)
    for config, path in _parquet_files(examples_release):
        described = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        got = {name: kind.replace('"', "") for name, kind, *_ in described}
        assert got == {k: _duckdb_type(f) for k, f in features[config].items()}, path
        rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
        assert rows == pq.read_metadata(path).num_rows


# What mlcroissant gives for each Croissant data type (text comes as bytes).
_CROISSANT_VALUES = {"sc:Text": (bytes, str), "sc:Integer": (int,), "sc:Float": (float,), "sc:Boolean": (bool,),
                     "sc:Date": (dt.date,), "sc:DateTime": (dt.datetime,)}


def _check_value(node: dict, value, seen: set) -> None:
    if value is None:
        return
    if node.get("isArray"):
        assert hasattr(value, "__len__") and not isinstance(value, (str, bytes)), (node["@id"], value)
        for item in value:
            _check_value({**node, "isArray": False}, item, seen)
        return
    if "subField" in node:
        for sub in node["subField"]:
            _check_value(sub, value.get(sub["@id"]), seen)
        return
    assert isinstance(value, _CROISSANT_VALUES[node["dataType"]]), (node["@id"], type(value), value)
    seen.add(node["@id"])


def test_croissant_is_valid_and_reads_typed_records_of_every_table(examples_release):
    mlc = pytest.importorskip("mlcroissant")
    path = examples_release / "croissant.json"
    document = json.loads(path.read_text())
    manifest = read_manifest(examples_release)
    by_path = {e["path"]: e["sha256"] for e in manifest["files"]}
    objects = [d for d in document["distribution"] if d["@type"] == "cr:FileObject"]
    assert {d["contentUrl"]: d["sha256"] for d in objects} == {p: s for p, s in by_path.items() if p.endswith(".parquet")}
    dataset = mlc.Dataset(jsonld=str(path))  # validates; raises on an invalid document
    features = _features(examples_release)
    for record_set in document["recordSet"]:
        table = record_set["@id"]
        names = [f["name"] for f in record_set["field"]]
        assert names == ["split", *features[table]]
        records = list(itertools.islice(dataset.records(record_set=table), 40))
        assert len(records) == min(40, manifest["tables"][table]["rows"])
        seen: set = set()
        for record in records:
            assert set(record) == {f["@id"] for f in record_set["field"]}
            for node in record_set["field"]:
                _check_value(node, record[node["@id"]], seen)
        assert f"{table}/id" in seen and f"{table}/split" in seen
