"""Shards: Parquet files of documents (or rejects) in the build's work folder, written atomically.

The I/O every party shares: the engine writes a stage's output with it, corpus-wide steps read their keys
with it, and the build output reads the shards back.

A stage's output is two files, documents and rejects, and a record beside them (`<name>.record.json`,
written last: it marks the output done) holding each file's blake2b digest and row count. An output is
reused only when both files still have the recorded digests (a digest covers the rows too): a shard
swapped for another valid one, emptied, or damaged since it was written is reported and made again.
Outputs holding a reject that says something failed at that moment (a timeout, a crash: RETRY_REASONS),
and the outputs after them in the same job, get no record, so the next build runs their task again: an
error is never cached as a result. The engine names what is made from such an output by its content
(engine/local.py), so nothing downstream is reused for content it was not made from."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from builder.atomic import atomic_path, write_text
from builder.records import DOCUMENT_SCHEMA, REJECT_SCHEMA, RETRY_REASONS, Document
from builder.workstate import DamagedState, file_digest, read_json, report

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


def write_documents(rows: list[dict], path: Path) -> list:
    """Writes the shard; returns [digest, rows] for its record."""
    rows = sorted((complete(r) for r in rows), key=lambda r: (r["id"], r["origin"]))
    atomic_write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), path, compression="zstd")
    return [file_digest(path), len(rows)]  # read back from the page cache: a few ms per 10 MB


def write_rejects(rows: list[dict], path: Path) -> list:
    atomic_write_table(pa.Table.from_pylist(rows, schema=REJECT_SCHEMA), path, compression="zstd")
    return [file_digest(path), len(rows)]


def rejects_path(path: Path) -> Path:
    """The rejects of the output whose documents are at `path`, beside them."""
    return path.with_name(path.name.removesuffix(".parquet") + ".rejects.parquet")


def record_path(path: Path) -> Path:
    """The record of the output whose documents are at `path`, beside them."""
    return path.with_name(path.name.removesuffix(".parquet") + ".record.json")


def momentary(rejects: list[dict]) -> bool:
    """Whether a reject says something failed at that moment (see records.RETRY_REASONS)."""
    return any(r["reason"] in RETRY_REASONS for r in rejects)


def write_output(path: Path, documents: list[dict], rejects: list[dict], done: bool = True) -> None:
    """A stage's output: rejects, documents, then the record that marks it done (none when not `done`:
    the output stands for this build only, see above)."""
    record = {"rejects": write_rejects(rejects, rejects_path(path)), "documents": write_documents(documents, path)}
    if done:
        write_text(record_path(path), json.dumps(record, sort_keys=True))


def _is_record(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), list) and len(value[k]) == 2 and isinstance(value[k][0], str)
        and isinstance(value[k][1], int) for k in ("documents", "rejects"))


def check_record(path: Path, rejects: Path) -> int | None:
    """The row count of a done output whose two files are the ones its record names; None when it must
    be made: no record (never finished), or a file that is not the recorded one (reported)."""
    record = read_json(record_path(path), _is_record)
    if record is None:
        return None
    for name, file in (("documents", path), ("rejects", rejects)):
        try:
            found = file_digest(file)
        except OSError as error:
            report(file, f"cannot be read ({error.strerror or type(error).__name__})", "its task runs again")
            return None
        if found != record[name][0]:
            report(file, "is not the file its record names (changed since it was written)", "its task runs again")
            return None
    return record["documents"][1]


def read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """One Parquet file. Not pq.read_table: that goes through pyarrow.dataset, slower per small file, and
    its first call imports pandas (a quarter of a second)."""
    with pq.ParquetFile(path) as handle:
        return handle.read(columns=columns)


def read_rows(path: Path, columns: list[str] | None = None) -> list[dict]:
    return read_table(path, columns).to_pylist()


def read_state(path: Path, columns: list[str] | None = None, row_group: int | None = None) -> pa.Table:
    """A state table of the work folder (keys, index files), or one row group of it: DamagedState when it
    is missing or cannot be read, which the engine answers by removing the file and making it again
    (engine/keyed.py)."""
    try:
        if row_group is not None:
            with pq.ParquetFile(path) as handle:
                return handle.read_row_group(row_group, columns=columns)
        return read_table(path, columns)
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        raise DamagedState(path, "is missing" if isinstance(error, FileNotFoundError)
                           else f"cannot be read ({type(error).__name__})") from None
