"""The keyed steps of near-duplicate detection, each a picklable function one engine task runs.

index_shard:  one document shard -> its index entry: a signature file (small keys + MinHash signature
              per document) and a band-key file hash-partitioned into `buckets` row groups.
bucket_pairs: one bucket, with the band keys of that partition from every entry -> candidate pairs,
              updated from the previous run's state of the bucket (only band groups that changed).

Both write their outputs atomically and return only paths or counts, so they behave the same on a
process pool or on a cluster with shared storage. An index entry never changes once written, which
is what lets a later batch be deduplicated against it without recomputing its signatures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from builder.dedup import minhash
from builder.atomic import atomic_path
from builder.shards import atomic_write_table, read_state, read_table

SIGNATURE_COLUMNS = ["origin", "id", "text_hash", "canonical_url", "published"]
GROUP_PAIR_SCHEMA = pa.schema([("band_key", pa.uint64()), ("left", pa.uint64()), ("right", pa.uint64())])
BAND_SCHEMA = pa.schema([("band_key", pa.uint64()), ("key", pa.uint64())])


def doc_key(origin: str) -> int:
    """uint64 key of a document inside the dedup index (origins are unique within a corpus)."""
    return xxhash.xxh3_64_intdigest(origin.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Entry:
    """Where one shard's part of the index lives."""

    folder: Path
    name: str

    @property
    def signatures(self) -> Path:
        return self.folder / "signatures" / f"{self.name}.parquet"

    @property
    def bands(self) -> Path:
        """The band keys, one row group per bucket (row group b holds bucket b's rows)."""
        return self.folder / "bands" / f"{self.name}.parquet"

    def done(self) -> bool:
        return self.signatures.exists() and self.bands.exists()  # signatures are written last


def index_shard(job: tuple[Path, Entry, dict]) -> Entry:
    """Signatures and partitioned band keys of one shard file (skipped when the entry exists: cached)."""
    shard_path, entry, settings = job
    if not entry.done():
        index_table(read_table(shard_path, SIGNATURE_COLUMNS + ["text"]), entry, settings)
    return entry


def index_table(table: pa.Table, entry: Entry, settings: dict) -> None:
    """Signatures and partitioned band keys of one shard's documents (SIGNATURE_COLUMNS and text)."""
    texts = table.column("text").to_pylist()
    origins = table.column("origin").to_pylist()
    a, b = minhash.permutations(settings["num_hashes"], settings["seed"])
    width = 2 * settings["num_hashes"]
    keys = np.fromiter(map(doc_key, origins), dtype=np.uint64, count=len(origins))
    blobs, banded = [], []
    seen_text: set[str] = set()
    for row, (text, text_hash) in enumerate(zip(texts, table.column("text_hash").to_pylist())):
        sig = minhash.signature(text, settings["shingle_size"], a, b) if settings["near"] else None
        blobs.append(None if sig is None else sig.tobytes())
        # An exact copy already in this shard shares the first copy's cluster: it needs no band keys.
        if sig is not None and text_hash not in seen_text:
            banded.append(row)
        seen_text.add(text_hash)
    lengths = pa.array([len(t) for t in texts], pa.int64())
    signatures = table.drop_columns(["text"]).append_column("length", lengths)
    signatures = signatures.append_column("key", pa.array(keys, pa.uint64()))
    signatures = signatures.append_column("signature", pa.array(blobs, pa.binary(width)))
    _write_bands(entry, settings, keys[banded], [blobs[r] for r in banded])
    atomic_write_table(signatures, entry.signatures, compression="zstd")  # last: marks the entry done


def _write_bands(entry: Entry, settings: dict, keys: np.ndarray, blobs: list[bytes]) -> None:
    """One file per entry (a file per bucket made index_shard write 17 small files a shard)."""
    if blobs:
        sigs = np.frombuffer(b"".join(blobs), dtype=np.uint16).reshape(len(blobs), settings["num_hashes"])
        band_keys = minhash.band_keys(sigs, settings["bands"], settings["rows"]).ravel()
    else:
        band_keys = np.empty(0, dtype=np.uint64)
    owners = np.repeat(keys, settings["bands"])
    part = minhash.mix(band_keys) % np.uint64(settings["buckets"])
    with atomic_path(entry.bands) as tmp, pq.ParquetWriter(tmp, BAND_SCHEMA, compression="zstd") as writer:
        for index in range(settings["buckets"]):
            chosen = part == index
            writer.write_table(pa.table({"band_key": band_keys[chosen], "key": owners[chosen]}, schema=BAND_SCHEMA))


@dataclass(frozen=True)
class BucketJob:
    """One bucket of a clustering run, updated from the previous run's state of the same bucket."""

    bucket: int
    added: list[Path]  # band files of the entries the previous run did not have
    gone: np.ndarray  # keys of the documents of the entries it had that are gone
    previous: Path | None  # the previous run's pairs file of this bucket (None: start empty)
    out: Path  # this run's pairs file; its band rows go beside it (rows_path)
    max_group: int


def rows_path(pairs: Path) -> Path:
    return pairs.with_name(pairs.stem + ".rows.parquet")


def bucket_pairs(job: BucketJob) -> Path:
    """Candidate pairs (left < right) of one bucket: documents that share a band key, with that key.

    A bucket's state is every band row of the index (rows_path) and the pairs of each band group. A run
    takes the previous run's state, drops the rows of documents whose entry is gone, adds those of new
    entries, and computes again only the groups whose band key one of those rows has: every other group
    has the same members, so the same pairs, as in a run from scratch. Groups of two are the common case
    and are vectorised; larger groups emit all pairs up to `max_group` members, a star on their smallest
    key beyond that (a band shared by hundreds is boilerplate, not a reprint).
    """
    if job.out.exists():
        return job.out
    added = _read_bands(job.added, job.bucket)
    if job.previous is not None:
        rows, pairs = read_state(rows_path(job.previous)), read_state(job.previous)
    else:
        rows, pairs = BAND_SCHEMA.empty_table(), GROUP_PAIR_SCHEMA.empty_table()
    leaving = np.isin(rows.column("key").to_numpy(), job.gone)
    touched = np.union1d(added.column("band_key").to_numpy(), rows.column("band_key").to_numpy()[leaving])
    rows = pa.concat_tables([rows.filter(~leaving), added]).sort_by([("band_key", "ascending"), ("key", "ascending")])
    pairs = pa.concat_tables([
        pairs.filter(~np.isin(pairs.column("band_key").to_numpy(), touched)),
        _group_pairs(rows.filter(np.isin(rows.column("band_key").to_numpy(), touched)), job.max_group),
    ]).sort_by([("band_key", "ascending"), ("left", "ascending"), ("right", "ascending")])
    atomic_write_table(rows, rows_path(job.out), compression="zstd")
    atomic_write_table(pairs, job.out, compression="zstd")  # last: marks the bucket done
    return job.out


def _read_bands(paths: list[Path], bucket: int) -> pa.Table:
    tables = []
    for path in paths:
        tables.append(read_state(path, row_group=bucket))
    return pa.concat_tables(tables) if tables else BAND_SCHEMA.empty_table()


def _group_pairs(rows: pa.Table, max_group: int) -> pa.Table:
    """(band_key, left, right) of every band group of `rows` (sorted by band key, then key)."""
    band_key, key = rows.column("band_key").to_numpy(), rows.column("key").to_numpy()
    starts = np.flatnonzero(np.r_[True, band_key[1:] != band_key[:-1]]) if len(key) else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, len(key)])
    pairs = [np.stack([band_key[starts[sizes == 2]], key[starts[sizes == 2]], key[starts[sizes == 2] + 1]], axis=1)]
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2]):
        members = np.unique(key[start:start + size])
        if len(members) > max_group:
            left, right = np.zeros(len(members) - 1, np.int64), np.arange(1, len(members))
        else:
            left, right = np.triu_indices(len(members), k=1)
        pairs.append(np.stack([np.repeat(band_key[start], len(left)), members[left], members[right]], axis=1))
    found = np.concatenate(pairs).astype(np.uint64)
    found[:, 1:] = np.sort(found[:, 1:], axis=1)
    found = np.unique(found[found[:, 1] != found[:, 2]], axis=0)
    return pa.table({"band_key": found[:, 0], "left": found[:, 1], "right": found[:, 2]}, schema=GROUP_PAIR_SCHEMA)
