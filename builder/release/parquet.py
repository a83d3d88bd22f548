"""Deterministic Parquet writing, and the Hugging Face metadata that makes the files load typed.

Byte identity (FACTS.md): same rows in the same order, fixed row-group size, fixed writer options,
schema metadata in a fixed key order, and each row group written as one contiguous chunk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from builder.atomic import atomic_path

ROW_GROUP_SIZE = 1000
WRITER_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": False,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


def hf_features(schema: pa.Schema):
    """datasets.Features of an Arrow schema (dates stay date32, timestamps keep their zone)."""
    from datasets import Features

    return Features.from_arrow_schema(schema)


def with_hf_metadata(schema: pa.Schema, features=None) -> pa.Schema:
    """Embed the datasets Features, so a reader of one file also gets the typed features."""
    features = features if features is not None else hf_features(schema)
    # Keys stay in schema order (deterministic already): datasets drops embedded features whose struct
    # fields are in another order than the Arrow struct, and with them every ClassLabel.
    meta = json.dumps({"info": {"features": features.to_dict()}}, separators=(",", ":"))
    return schema.with_metadata({b"huggingface": meta.encode()})


def write_parquet(rows: Iterable[dict], schema: pa.Schema, path: Path, features=None) -> tuple[int, int]:
    """Write rows (already in their final order) atomically; returns (rows, Arrow bytes)."""
    schema = with_hf_metadata(schema, features)
    count = nbytes = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, **WRITER_OPTIONS) as writer:
        group: list[dict] = []
        for row in rows:
            group.append(row)
            if len(group) == ROW_GROUP_SIZE:
                nbytes += _write_group(writer, group, schema)
                count += len(group)
                group = []
        if group:  # an empty table gets no row group: datasets fails on a 0-row group
            nbytes += _write_group(writer, group, schema)
            count += len(group)
    return count, nbytes


def _write_group(writer: pq.ParquetWriter, rows: list[dict], schema: pa.Schema) -> int:
    table = pa.Table.from_pylist(rows, schema=schema).combine_chunks()
    writer.write_table(table)
    return table.nbytes


def yaml_features(features) -> list:
    """The `dataset_info.features` YAML block, produced by datasets itself (never hand-written)."""
    return features._to_yaml_list()
