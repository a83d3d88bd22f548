"""Duplicate clusters: exact text, canonical URL and MinHash-LSH near-duplicates.

The stage has the engine shape of DESIGN.md (map -> keyed exchange -> small global step -> map):

  map      index_shard per document shard: small keys + a MinHash signature per document, and band
           keys written to `buckets` hash-partitioned Parquet files (builder/dedup/lsh.py)
  keyed    bucket_pairs per bucket: every band key of the partition at once -> candidate pairs
  global   one task: candidate pairs verified by estimated Jaccard >= threshold; exact-text and
           canonical-URL edges; connected components (union-find); one canonical member per cluster;
           assignments written as one small Parquet file per shard
  map      ApplyClusters per shard: reads only its own assignment file

Canonical policy (deterministic, documented in docs/ARCHITECTURE.md): the earliest published date
(undated documents last), then the longest text, then the smallest id, then the smallest origin.
Every document gets cluster_id (the canonical member's id), is_canonical, duplicate_kind (exact: same
normalised text as the canonical; url: same canonical URL; near: joined through MinHash) and similarity
(estimated Jaccard to the canonical; 1.0 for the canonical itself and exact copies).

The index (signature and band files per shard, listed in an index manifest in the work folder) is kept
with the build: the next build deduplicates new pages against it, with signatures computed only for
their shards. Clusters are a function of the set of documents, so incremental equals full. The build runs
all of it as a keyed step (DedupStep): the signatures of a shard are made in the job that writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.atomic import atomic_path, write_text
from builder.dedup import lsh
from builder.dedup.config import DedupConfig
from builder.dedup.minhash import estimated_jaccard
from builder.hashing import stable_hash
from builder.records import DOCUMENT_SCHEMA
from builder.shards import complete, read_rows, read_state
from builder.stage import Call, KeyedStep, MapStage, Shard
from builder.workstate import DamagedState, is_str_list, is_str_map, read_json, report

INDEX_FOLDER = "dedup-index"
ASSIGNMENT_SCHEMA = pa.schema([
    ("origin", pa.string()), ("id", pa.string()), ("cluster_id", pa.string()), ("is_canonical", pa.bool_()),
    ("duplicate_kind", pa.string()), ("similarity", pa.float64()),
])


def origins_digest(origins) -> str:
    """Name of a shard's assignment file: both the global step and the apply stage can compute it."""
    return stable_hash("\n".join(sorted(origins)), 12)


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components (union-find by label propagation + pointer jumping): smallest row per component."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[left], label[right])
        before = label.copy()
        np.minimum.at(label, left, low)
        np.minimum.at(label, right, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label


def _same_value_edges(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from every row to the first row with the same (non-null) value."""
    codes = pc.dictionary_encode(column).combine_chunks().indices
    valid = np.flatnonzero(codes.is_valid().to_numpy(zero_copy_only=False))
    codes = codes.to_numpy(zero_copy_only=False)[valid].astype(np.int64)
    first = np.full(codes.max() + 1 if len(codes) else 0, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, valid)
    return valid, first[codes]


def _signature_matrix(column: pa.ChunkedArray, num_hashes: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, num_hashes) uint16 signatures (zeros where missing) and the mask of rows that have one."""
    present = column.is_valid().to_numpy(zero_copy_only=False)
    filled = pc.fill_null(column, pa.scalar(b"\0" * 2 * num_hashes, column.type)).combine_chunks()
    data = np.frombuffer(filled.buffers()[1], dtype=np.uint16, count=len(filled) * num_hashes, offset=filled.offset * 2 * num_hashes)
    return data.reshape(len(filled), num_hashes), present


def candidate_rows(keys: np.ndarray, pair_files: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of the bucket files as (left, right) row numbers of `keys`, each pair once.

    A pair of reprints shares most of its bands, so the files name it many times over, and a group of n
    copies gives n(n-1)/2 pairs: read a file at a time and keep each pair once, as one int64."""
    n, order = len(keys), np.argsort(keys, kind="stable")
    packed = np.empty(0, np.int64)
    for path in pair_files:
        found = read_state(path, ["left", "right"])
        left, right = (_rows_of(keys, order, found.column(c).to_numpy(), path) for c in ("left", "right"))
        packed = np.unique(np.concatenate([packed, left.astype(np.int64) * n + right]))
    return packed // n, packed % n


def _rows_of(keys: np.ndarray, order: np.ndarray, values: np.ndarray, path: Path) -> np.ndarray:
    """Row numbers of the keys `values`; a key the index does not hold means damaged bucket states, which
    would otherwise pair the wrong documents: they are all made again from the index entries."""
    rows = order[np.minimum(np.searchsorted(keys, values, sorter=order), len(keys) - 1)]
    if not np.array_equal(keys[rows], values):
        raise DamagedState(path, "pairs documents the dedup index does not hold", remove=path.parent.parent)
    return rows


def _near(sigs: np.ndarray, left: np.ndarray, right: np.ndarray, threshold: float, chunk: int = 1 << 16) -> np.ndarray:
    """Estimated Jaccard >= threshold, for pairs of rows; in chunks, as the compared signatures take
    num_hashes x 2 bytes per pair (millions of pairs would need gigabytes at once)."""
    near = np.empty(len(left), bool)
    for start in range(0, len(left), chunk):
        a, b = left[start:start + chunk], right[start:start + chunk]
        near[start:start + chunk] = estimated_jaccard(sigs[a], sigs[b]) >= threshold
    return near


def assign(table: pa.Table, pairs: tuple[np.ndarray, np.ndarray], cfg: DedupConfig) -> pa.Table:
    """The global step: cluster fields of every document of the index, from keys and candidate pairs
    (row numbers, see candidate_rows)."""
    n = table.num_rows
    sigs, has_sig = _signature_matrix(table.column("signature"), cfg.num_hashes)
    left, right = pairs
    near = _near(sigs, left, right, cfg.threshold) & has_sig[left] & has_sig[right]
    edges = [(left[near], right[near]), _same_value_edges(table.column("text_hash")), _same_value_edges(table.column("canonical_url"))]
    label = components(n, np.concatenate([e[0] for e in edges]), np.concatenate([e[1] for e in edges]))

    ranked = pa.table({
        "label": label, "published": table.column("published"), "length": pc.negate(table.column("length")),
        "id": table.column("id"), "origin": table.column("origin"), "row": np.arange(n),
    }).sort_by([("label", "ascending", "at_end"), ("published", "ascending", "at_end"), ("length", "ascending", "at_end"),
                ("id", "ascending", "at_end"), ("origin", "ascending", "at_end")])
    rank_rows = ranked.column("row").to_numpy()
    rank_labels = ranked.column("label").to_numpy()
    first = np.r_[True, rank_labels[1:] != rank_labels[:-1]]
    canonical_of_label = np.empty(n, np.int64)
    canonical_of_label[rank_labels[first]] = rank_rows[first]
    canonical = canonical_of_label[label]
    is_canonical = canonical == np.arange(n)

    text_hash = table.column("text_hash").to_numpy(zero_copy_only=False)
    url = table.column("canonical_url").to_numpy(zero_copy_only=False)
    exact = text_hash == text_hash[canonical]
    same_url = (url == url[canonical]) & pc.is_valid(table.column("canonical_url")).to_numpy(zero_copy_only=False)
    kind = np.where(is_canonical, None, np.where(exact, "exact", np.where(same_url, "url", "near")))
    both = has_sig & has_sig[canonical]
    estimate = estimated_jaccard(sigs, sigs[canonical])
    similarity = np.where(is_canonical | exact, 1.0, np.where(both, estimate, np.nan))

    ids = table.column("id").to_numpy(zero_copy_only=False)
    new_ids = _unique_ids(ids, table.column("origin").to_numpy(zero_copy_only=False), rank_rows)
    return pa.table({
        "origin": table.column("origin"), "id": new_ids, "cluster_id": ids[canonical], "is_canonical": is_canonical,
        "duplicate_kind": kind, "similarity": pa.array(similarity, pa.float64(), mask=np.isnan(similarity)),
    }, schema=ASSIGNMENT_SCHEMA)


def _unique_ids(ids: np.ndarray, origins: np.ndarray, rank_rows: np.ndarray) -> np.ndarray:
    """Documents sharing an id (same canonical URL) keep it in canonical order; the others get a new one."""
    new_ids = ids.copy()
    seen: set[str] = set()
    values, counts = np.unique(ids, return_counts=True)
    repeated = set(values[counts > 1])
    for row in rank_rows:
        if ids[row] in repeated:
            if ids[row] in seen:
                new_ids[row] = stable_hash(f"{ids[row]}|{origins[row]}")
            seen.add(ids[row])
    return new_ids


class ApplyClusters(MapStage):
    """Writes each document's cluster fields; reads only the assignment file of its own shard."""

    name = "dedup"
    version = "2"

    def __init__(self, assignments_dir: Path):
        super().__init__(None)
        self.assignments_dir = Path(assignments_dir)

    def worker_key(self) -> str:
        # Not in the fingerprint: each task is named by its own assignment file's bytes (DedupStep).
        return f"{self.fingerprint()}|{self.assignments_dir}"

    def process(self, rows):
        path = self.assignments_dir / f"{origins_digest(r['origin'] for r in rows)}.parquet"
        fields = {a.pop("origin"): a for a in read_rows(path)} if rows else {}
        for row in rows:
            row.update(fields[row["origin"]])
        return rows, []


class DedupIndex:
    """The index of one build: its entries (one per shard) and the config that made their signatures."""

    def __init__(self, folder: Path, entries: list[str], config_fingerprint: str):
        self.folder, self.entries, self.config_fingerprint = Path(folder), list(entries), config_fingerprint

    @classmethod
    def saved(cls, manifest: Path) -> "DedupIndex | None":
        """The index a build saved; None when there is none (before the first build), or (reported) a damaged one."""
        data = read_json(Path(manifest), _is_manifest)
        return None if data is None else cls(Path(manifest).parent, data["entries"], data["config"])

    def save(self, manifest: Path) -> None:
        blob = json.dumps({"config": self.config_fingerprint, "entries": sorted(self.entries)}, indent=1)
        write_text(Path(manifest), blob)


def _is_manifest(value) -> bool:
    """{"config": fingerprint, "entries": [names]}: names of files in the index folder, no paths."""
    return (isinstance(value, dict) and isinstance(value.get("config"), str) and is_str_list(value.get("entries"))
            and all("/" not in name and name not in ("", ".", "..") for name in value["entries"]))


def _settings(cfg: DedupConfig) -> dict:
    return cfg.model_dump(mode="json")


def _config_fingerprint(cfg: DedupConfig) -> str:
    keep = {k: v for k, v in _settings(cfg).items() if k not in ("threshold", "max_bucket_pairs")}
    return stable_hash(json.dumps(keep, sort_keys=True), 8)


def entry_of(shard: Shard, cfg: DedupConfig, folder: Path) -> lsh.Entry:
    """A shard's index entry (cached: its name derives from the shard fingerprint)."""
    return lsh.Entry(folder, stable_hash(f"{shard.fingerprint}|{_config_fingerprint(cfg)}", 12))


def index_shards(shard_list: list[Shard], cfg: DedupConfig, work_dir: Path, call: Call) -> list[str]:
    """Map step: an index entry per shard, made from the shard files where missing."""
    entries = [entry_of(s, cfg, Path(work_dir) / INDEX_FOLDER) for s in shard_list]
    call(lsh.index_shard, [(s.path, e, _settings(cfg)) for s, e in zip(shard_list, entries) if not e.done()])
    return [e.name for e in entries]


def cluster_index(index: DedupIndex, cfg: DedupConfig, call: Call, previous: list[str] | None = None) -> Path:
    """Keyed + global steps over every entry of the index; returns the assignments folder (named by the run).

    `previous`: the entries of an earlier run with the same settings, whose bucket states are updated
    rather than computed from scratch (see lsh.bucket_pairs): the pairs, and so the clusters, are the same."""
    run = _run_name(cfg, index.entries)
    out = index.folder / "assignments" / run
    if _assignment_files(out) is not None and _intact(out):
        return out
    pair_files = call(lsh.bucket_pairs, _bucket_jobs(index, cfg, run, previous)) if cfg.near else []
    names = sorted(index.entries)
    tables = [read_state(lsh.Entry(index.folder, name).signatures) for name in names]
    table = pa.concat_tables(tables) if tables else None
    files: dict[str, list[str]] = {}
    if table is not None and table.num_rows:
        assigned = assign(table, candidate_rows(table.column("key").to_numpy(), pair_files), cfg)
        start = 0
        for name, part in zip(names, tables):  # one assignment file per shard, named by its origins
            piece = assigned.slice(start, part.num_rows)
            start += part.num_rows
            file = f"{origins_digest(piece.column('origin').to_pylist())}.parquet"
            files[name] = [file, _write_assignment(piece, out / file)]
    write_text(out / DONE, json.dumps(files, sort_keys=True))  # last: marks the run done
    return out


DONE = "DONE"  # entry -> (its assignment file, a hash of the file's bytes), written when a run is complete


def _assignment_files(out: Path) -> dict[str, list[str]] | None:
    """None when the run is not done (or its DONE is damaged: reported)."""
    return read_json(out / DONE, lambda value: is_str_map(value, lambda v: is_str_list(v, 2) and "/" not in v[0]))


def _intact(out: Path) -> bool:
    """Each assignment file of a done run still has the bytes DONE names (ApplyClusters reads them in workers,
    where a damaged one would stop the build)."""
    for file, digest in _assignment_files(out).values():
        try:
            same = stable_hash((out / file).read_bytes(), 12) == digest
        except OSError:
            same = False
        if not same:
            report(out / file, "is not the file the clustering wrote", "the clustering runs again")
            return False
    return True


def _write_assignment(piece: pa.Table, path: Path) -> str:
    """Writes the file and returns a hash of its bytes, which names the apply task of its shard."""
    buffer = pa.BufferOutputStream()
    pq.write_table(piece, buffer, compression="zstd")
    data = buffer.getvalue().to_pybytes()
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    return stable_hash(data, 12)


def _run_name(cfg: DedupConfig, entries: list[str]) -> str:
    return stable_hash(json.dumps([_settings(cfg), sorted(entries)], sort_keys=True), 12)


def _bucket_jobs(index: DedupIndex, cfg: DedupConfig, run: str, previous: list[str] | None) -> list[lsh.BucketJob]:
    """One job per bucket: from the previous run's bucket states when they are all there, else from scratch."""
    pair_dir = index.folder / "pairs"
    before = pair_dir / _run_name(cfg, previous) if previous is not None else None
    states = [before / f"{b:04d}.parquet" for b in range(cfg.buckets)] if before else []
    removed = sorted(set(previous or []) - set(index.entries))
    # rows files: not in older work folders; signatures of gone entries: how their rows are found
    if (before is None or not all(p.exists() and lsh.rows_path(p).exists() for p in states)
            or not all(lsh.Entry(index.folder, name).signatures.exists() for name in removed)):
        states, previous, removed = [], [], []
    added = sorted(set(index.entries) - set(previous))
    gone = [read_state(lsh.Entry(index.folder, name).signatures, ["key"]).column("key").to_numpy() for name in removed]
    gone = np.unique(np.concatenate(gone)) if gone else np.empty(0, np.uint64)
    return [lsh.BucketJob(b, [lsh.Entry(index.folder, name).bands for name in added], gone,
                          states[b] if states else None, pair_dir / run / f"{b:04d}.parquet",
                          cfg.max_bucket_pairs) for b in range(cfg.buckets)]


def apply_names(shard_list: list[Shard], entries: list[str], out: Path) -> list[str]:
    """Each shard's apply task is named by its own assignment file's bytes, not by the whole run: when new
    documents join the index, shards whose cluster fields did not change keep their outputs, and so
    does every stage after dedup (annotation above all) on those shards."""
    files = _assignment_files(out)
    return [stable_hash(f"{s.fingerprint}|{files[entry][1] if entry in files else 'empty'}", 12)
            for s, entry in zip(shard_list, entries)]


def manifest_path(work_dir: Path) -> Path:
    return Path(work_dir) / INDEX_FOLDER / "index.json"


class DedupStep(KeyedStep):
    """Dedup of a build as a keyed step. keys: a shard's index entry (signatures, band keys); reduce: the
    clusters of every entry, an assignment file per shard, and the build's index manifest (the previous
    build's names the entries whose bucket states this run updates: new pages change a few entries);
    slice: the shard's assignment file; apply: ApplyClusters. Off (dedup.enabled = false): every document
    is its own cluster."""

    name = "dedup"
    key_columns = lsh.SIGNATURE_COLUMNS + ["text"]
    _KEY_SCHEMA = pa.schema([DOCUMENT_SCHEMA.field(name) for name in lsh.SIGNATURE_COLUMNS + ["text"]])

    def __init__(self, config: DedupConfig, work_dir: Path):
        super().__init__(config, Path(work_dir) / INDEX_FOLDER)
        self.work_dir = Path(work_dir)

    def keys_ready(self, shard: Shard) -> bool:
        return not self.config.enabled or entry_of(shard, self.config, self.folder).done()

    def write_keys(self, rows, shard: Shard) -> None:
        entry = entry_of(shard, self.config, self.folder)
        if self.config.enabled and not entry.done():
            # In the shard's order (write_documents'), so the entry is the one made from the shard file.
            rows = sorted((complete(r) for r in rows), key=lambda r: (r["id"], r["origin"]))
            table = pa.Table.from_pylist([{c: r[c] for c in self.key_columns} for r in rows], schema=self._KEY_SCHEMA)
            lsh.index_table(table, entry, _settings(self.config))

    def reduce(self, shards: list[Shard], call: Call) -> tuple[Path, list[str]] | None:
        if not self.config.enabled:
            return None
        cfg = self.config
        index = DedupIndex(self.folder, index_shards(shards, cfg, self.work_dir, call), _config_fingerprint(cfg))
        manifest = manifest_path(self.work_dir)
        before = DedupIndex.saved(manifest)
        previous = before.entries if before and before.config_fingerprint == index.config_fingerprint else None
        out = cluster_index(index, cfg, call, previous)
        index.save(manifest)
        return out, index.entries

    def slice_names(self, index, shards: list[Shard]) -> list[str]:
        return [s.fingerprint for s in shards] if index is None else apply_names(shards, index[1], index[0])

    def apply(self, index) -> MapStage:
        return _Singletons() if index is None else ApplyClusters(index[0])


class _Singletons(MapStage):
    """dedup.enabled = false: every document is the canonical member of its own cluster."""

    name = "dedup"
    version = "2-off"

    def process(self, rows):
        for row in rows:
            row.update(cluster_id=row["id"], is_canonical=True, duplicate_kind=None, similarity=None)
        return rows, []
