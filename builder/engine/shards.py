"""Work shards: Parquet files of documents (or rejects) in the build's work folder, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


def merged_groups(paths: list[Path], size: int) -> Iterator[pa.Table]:
    """The rows of many shards sorted by (id, origin) as one sorted stream, `size` rows per table.

    Only the sort keys of every shard and one batch per shard are in memory. Each shard is sorted the
    same way, so a group takes the next rows of each shard it draws from, then puts them in order."""
    keys = [read_table(p, ["id", "origin"]) for p in paths]
    if not keys:
        return
    shard_of = np.repeat(np.arange(len(keys)), [k.num_rows for k in keys])
    sequence = shard_of[pc.sort_indices(pa.concat_tables(keys), sort_keys=[("id", "ascending"), ("origin", "ascending")]).to_numpy()]
    cursors = [_Cursor(p) for p in paths]
    for start in range(0, len(sequence), size):
        part = sequence[start:start + size]
        by_shard = np.argsort(part, kind="stable")  # the drawn rows, shard by shard, each shard in its order
        drawn = pa.concat_tables([cursors[s].take(int(n)) for s, n in zip(*np.unique(part, return_counts=True))])
        yield drawn.take(np.argsort(by_shard))


class _Cursor:
    """Reads one shard from the start, a batch at a time, handing out the next n rows on request."""

    def __init__(self, path: Path):
        self._batches = pq.ParquetFile(path).iter_batches(batch_size=512)
        self._buffer: pa.Table | None = None

    def take(self, n: int) -> pa.Table:
        pieces = []
        while n:
            if self._buffer is None or self._buffer.num_rows == 0:
                self._buffer = pa.Table.from_batches([next(self._batches)])
            piece = self._buffer.slice(0, n)
            self._buffer = self._buffer.slice(piece.num_rows)
            pieces.append(piece)
            n -= piece.num_rows
        return pa.concat_tables(pieces)
