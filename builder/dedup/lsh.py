"""The keyed steps of near-duplicate detection, each a picklable function one engine task runs.

index_shard:  one document shard -> its index entry: a signature file (small keys + MinHash signature
              per document) and band-key files hash-partitioned into `buckets` parts.
bucket_pairs: one bucket, with every band key of that partition from every entry -> candidate pairs.

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
from builder.engine.shards import atomic_write_table

SIGNATURE_COLUMNS = ["origin", "id", "text_hash", "canonical_url", "published"]
PAIR_SCHEMA = pa.schema([("left", pa.uint64()), ("right", pa.uint64())])
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

    def bucket(self, index: int) -> Path:
        return self.folder / "bands" / self.name / f"{index:04d}.parquet"


def index_shard(job: tuple[Path, Entry, dict]) -> Entry:
    """Signatures and partitioned band keys of one shard (skipped when the entry exists: cached)."""
    shard_path, entry, settings = job
    if entry.signatures.exists():
        return entry
    table = pq.read_table(shard_path, columns=SIGNATURE_COLUMNS + ["text"])
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
    return entry


def _write_bands(entry: Entry, settings: dict, keys: np.ndarray, blobs: list[bytes]) -> None:
    if blobs:
        sigs = np.frombuffer(b"".join(blobs), dtype=np.uint16).reshape(len(blobs), settings["num_hashes"])
        band_keys = minhash.band_keys(sigs, settings["bands"], settings["rows"]).ravel()
    else:
        band_keys = np.empty(0, dtype=np.uint64)
    owners = np.repeat(keys, settings["bands"])
    part = minhash.mix(band_keys) % np.uint64(settings["buckets"])
    for index in range(settings["buckets"]):
        chosen = part == index
        table = pa.table({"band_key": band_keys[chosen], "key": owners[chosen]}, schema=BAND_SCHEMA)
        atomic_write_table(table, entry.bucket(index), compression="zstd")


def bucket_pairs(job: tuple[list[Path], Path, int]) -> Path:
    """Candidate pairs (left < right) of one bucket: documents that share a band key.

    The bucket is processed as a whole partition: one sort, then group boundaries. Groups of two are
    the common case and are vectorised; larger groups emit all pairs up to `max_pairs_group` members,
    a star on their smallest key beyond that (a band shared by hundreds is boilerplate, not a reprint).
    """
    paths, out, max_group = job
    if out.exists():
        return out
    table = pa.concat_tables([pq.read_table(p) for p in paths]) if paths else BAND_SCHEMA.empty_table()
    band_key = table.column("band_key").to_numpy()
    key = table.column("key").to_numpy()
    order = np.lexsort((key, band_key))
    band_key, key = band_key[order], key[order]
    starts = np.flatnonzero(np.r_[True, band_key[1:] != band_key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    pairs = [np.stack([key[starts[sizes == 2]], key[starts[sizes == 2] + 1]], axis=1)]
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2]):
        members = np.unique(key[start:start + size])
        if len(members) > max_group:
            pairs.append(np.stack([np.repeat(members[0], len(members) - 1), members[1:]], axis=1))
        else:
            left, right = np.triu_indices(len(members), k=1)
            pairs.append(np.stack([members[left], members[right]], axis=1))
    found = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.uint64)
    found = np.sort(found, axis=1)
    found = found[found[:, 0] != found[:, 1]]
    found = np.unique(found, axis=0)
    atomic_write_table(pa.table({"left": found[:, 0], "right": found[:, 1]}, schema=PAIR_SCHEMA), out, compression="zstd")
    return out
