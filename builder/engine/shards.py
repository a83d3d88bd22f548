"""Work shards: Parquet files of documents (or rejects) in the build's work folder, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

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


def read_rows(path: Path, columns: list[str] | None = None) -> list[dict]:
    return pq.read_table(path, columns=columns).to_pylist()


def iter_rows(path: Path, batch_size: int = 512) -> Iterator[dict]:
    """Rows of a shard, a batch at a time, for merging many shards in bounded memory."""
    with pq.ParquetFile(path) as handle:
        for batch in handle.iter_batches(batch_size=batch_size):
            yield from batch.to_pylist()
