"""Deterministic Parquet writing, and the Hugging Face metadata that makes the files load typed.

Byte identity: same rows in the same order, fixed row-group size, fixed writer options, schema metadata in
a fixed key order, and each row group written as one contiguous chunk.

Page indexes (per-page min/max and offsets in the footer) let readers such as DuckDB and polars skip pages.
Content-defined chunking cuts data pages where a rolling hash of the values says, not every N bytes, so
an unchanged run of rows gives the same pages in the next release and storage that deduplicates chunks
(the Hub's) keeps one copy. pyarrow 26 marks it experimental; its cut points depend only on the values
written, so with each row group written as one contiguous chunk the bytes are the same run to run, with any
input chunking and in any process (tests/release/test_release_formats.py checks it).
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
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
    "write_page_index": True,
    "use_content_defined_chunking": True,
}


def hf_features(schema: pa.Schema):
    """datasets.Features of an Arrow schema (dates stay date32, timestamps keep their zone)."""
    from datasets import Features

    return Features.from_arrow_schema(schema)


def with_hf_metadata(schema: pa.Schema, features=None) -> pa.Schema:
    """Embed the datasets Features (or their to_dict() form), so a reader of one file also gets the typed
    features."""
    features = features if features is not None else hf_features(schema)
    # Keys stay in schema order (deterministic already): datasets drops embedded features whose struct
    # fields are in another order than the Arrow struct, and with them every ClassLabel.
    embedded = features.to_dict() if hasattr(features, "to_dict") else features
    meta = json.dumps({"info": {"features": embedded}}, separators=(",", ":"))
    return schema.with_metadata({b"huggingface": meta.encode()})


class ParquetSink:
    """Rows in, one deterministic Parquet file out (atomically, on close). Several sinks can be fed from
    one pass over the data: a release routes each document to its config's and split's file."""

    def __init__(self, schema: pa.Schema, path: Path, features=None):
        self.schema = with_hf_metadata(schema, features)
        self._atomic = atomic_path(path)
        self._tmp = self._atomic.__enter__()
        self._writer = pq.ParquetWriter(self._tmp, self.schema, **WRITER_OPTIONS)
        self._group: list[dict] = []
        self._thread: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        self.rows = 0

    def add(self, row: dict) -> None:
        self._group.append(row)
        if len(self._group) == ROW_GROUP_SIZE:
            self._flush()

    def add_group(self, table: pa.Table) -> None:
        """A whole row group straight from Arrow (ROW_GROUP_SIZE rows; fewer only for the last one). A
        thread encodes and compresses it (pyarrow lets go of the GIL) while the caller makes the next."""
        self._flush()
        self._thread = self._thread or ThreadPoolExecutor(1)
        self._pending = self._thread.submit(self._write, table.replace_schema_metadata(self.schema.metadata))

    def _flush(self) -> None:
        self._wait()
        if self._group:  # an empty table gets no row group: datasets fails on a 0-row group
            self._write(pa.Table.from_pylist(self._group, schema=self.schema))
            self._group = []

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write(self, table: pa.Table) -> None:
        self._writer.write_table(table.combine_chunks())  # one contiguous chunk: the same bytes however it was built
        self.rows += table.num_rows

    def close(self) -> tuple[int, int]:
        """Finish the file; returns (rows, bytes of the data uncompressed). The size is read from the file,
        so it is the same whatever Arrow buffers the rows came in."""
        self._flush()
        self._stop()
        self._writer.close()
        nbytes = uncompressed_bytes(self._tmp)
        self._atomic.__exit__(None, None, None)
        return self.rows, nbytes

    def abort(self) -> None:
        self._stop()
        self._writer.close()
        self._atomic.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def _stop(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)  # lets a group being written finish before the file closes


def uncompressed_bytes(path: Path) -> int:
    """The data size of a Parquet file before compression, from its footer."""
    meta = pq.read_metadata(path)
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def write_parquet(rows: Iterable[dict], schema: pa.Schema, path: Path, features=None) -> tuple[int, int]:
    """Write rows (already in their final order) atomically; returns (rows, bytes uncompressed)."""
    sink = ParquetSink(schema, path, features)
    try:
        for row in rows:
            sink.add(row)
    except BaseException:
        sink.abort()
        raise
    return sink.close()


def yaml_features(features) -> list:
    """The `dataset_info.features` YAML block, produced by datasets itself (never hand-written)."""
    return features._to_yaml_list()
