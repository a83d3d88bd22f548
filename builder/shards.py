"""Shards: Parquet files of documents (or rejects) in the build's work folder, written atomically.

The I/O every party shares: the engine writes a stage's output with it, corpus-wide steps read their keys
with it, and the build output reads the shards back."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.atomic import atomic_path
from builder.records import DOCUMENT_SCHEMA, REJECT_SCHEMA, Document

# Missing fields of a document dict are filled from the model's defaults before writing.
_DEFAULTS = {
    name: (field.default_factory() if field.default_factory else field.default)
    for name, field in Document.model_fields.items()
    if not field.is_required()
}


def complete(row: dict) -> dict:
    return {**{k: (v.copy() if isinstance(v, list) else v) for k, v in _DEFAULTS.items()}, **row}


def atomic_write_table(table: pa.Table, path: Path, **options) -> None:
    """A killed writer leaves no half file (see builder.atomic)."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **options)


def remove_partial_writes(folder: Path) -> int:
    """Delete temp files that a killed writer left behind (they are never read); returns how many."""
    if not folder.exists():
        return 0
    partial = [p for p in folder.rglob(".*.tmp") if p.is_file()]
    for path in partial:
        path.unlink(missing_ok=True)
    return len(partial)


def write_documents(rows: list[dict], path: Path) -> None:
    rows = sorted((complete(r) for r in rows), key=lambda r: (r["id"], r["origin"]))
    atomic_write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path, compression="zstd")


def write_rejects(rows: list[dict], path: Path) -> None:
    atomic_write_table(pa.Table.from_pylist(rows, schema=REJECT_SCHEMA), path, compression="zstd")


def read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file. Not pq.read_table: that goes through pyarrow.dataset, slower per small file, and
    its first call imports pandas (a quarter of a second)."""
    with pq.ParquetFile(path) as handle:
        return handle.read(columns=columns)


def read_rows(path: Path, columns: list[str] | None = None) -> list[dict]:
    return read_table(path, columns).to_pylist()
