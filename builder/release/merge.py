"""The output merge: the rows of every shard of a build, sorted by (id, origin), as one stream of groups."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from builder.release.parquet import uncompressed_bytes
from builder.shards import read_table

# Bytes of documents (their uncompressed size as Parquet records it, close to Arrow's) that the output merge
# sorts in memory; a larger corpus is sorted in ranges spilled to the work folder. Sorting in memory holds the
# corpus twice (the shards, then one chunk per column) and the allocator keeps much of it: measured on 60 MiB
# of documents, the main process peaked 241 MiB above its start sorting in memory, 133 MiB spilling with a
# 16 MiB budget, which cost 0.11 s more (0.68 s against 0.57 s).
MERGE_MEMORY = 16 * 2**20
_RANK = "__rank"
_SORT_KEYS = [("id", "ascending"), ("origin", "ascending")]


def merged_groups(paths: list[Path], size: int, spill_dir: Path | None = None,
                  memory: int = MERGE_MEMORY) -> Iterator[pa.Table]:
    """The rows of many shards sorted by (id, origin) as one stream, `size` rows per table.

    Shards are small and ids are hashes, so every output group draws rows from nearly every shard: a k-way
    merge would hold all shards open, the whole corpus. Instead the sort keys of every shard give each row
    its rank first. A corpus of at most `memory` bytes (uncompressed, see MERGE_MEMORY) is read and put in
    order at once (it and one group in memory). A larger one is split by rank into ranges of whole groups,
    spilled range by range to Arrow files in `spill_dir` (one shard read at a time), and each range is put
    in order on its own: memory holds about `memory` twice (rows waiting to be spilled, then one range and
    its sorted copy) and the sort keys, whatever the corpus size. Without a `spill_dir` the whole corpus
    is sorted in memory. Either way the groups are the same."""
    if spill_dir is not None:
        shutil.rmtree(spill_dir, ignore_errors=True)  # what a killed build left
    if not paths:
        return
    ranges = max(1, math.ceil(sum(uncompressed_bytes(p) for p in paths) / memory))
    if ranges == 1 or spill_dir is None:  # each shard read once, the sort over all of it
        # One chunk per column: take() over many chunks gathers them into a fresh copy on every call, which
        # cost a copy of the corpus per output group (2x the time, and the allocator kept the pages).
        corpus = pa.concat_tables(read_table(p) for p in paths).combine_chunks()
        order = pc.sort_indices(corpus, sort_keys=_SORT_KEYS).to_numpy()
        for start in range(0, len(order), size):
            yield corpus.take(order[start:start + size])
        return
    order = pc.sort_indices(pa.concat_tables(read_table(p, ["id", "origin"]) for p in paths), sort_keys=_SORT_KEYS).to_numpy()
    if not len(order):
        return
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    range_rows = size * math.ceil(len(order) / ranges / size)  # whole groups: no group spans two ranges
    yield from _spilled_groups(paths, rank, range_rows, size, Path(spill_dir), memory)


def _spilled_groups(paths: list[Path], rank: np.ndarray, range_rows: int, size: int, spill_dir: Path,
                    memory: int) -> Iterator[pa.Table]:
    spill_dir.mkdir(parents=True)
    try:
        files = _spill(paths, rank, range_rows, spill_dir, memory)
        for path in files:
            with pa.memory_map(str(path)) as source:  # take copies the rows out of the mapped file
                part = pa.ipc.open_file(source).read_all()
                part = part.take(pc.sort_indices(part.column(_RANK))).drop_columns([_RANK])
            path.unlink()
            pa.default_memory_pool().release_unused()  # mimalloc would keep the last range's pages
            for start in range(0, part.num_rows, size):
                yield part.slice(start, size)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)


def _spill(paths: list[Path], rank: np.ndarray, range_rows: int, spill_dir: Path, memory: int) -> list[Path]:
    """Route every row to its range's Arrow file, tagged with its rank. Rows wait in memory per range
    until that range holds its share of `memory`, so the files get few, large batches."""
    count = math.ceil(len(rank) / range_rows)
    files = [spill_dir / f"range-{i:05d}.arrow" for i in range(count)]
    writers: list[pa.ipc.RecordBatchFileWriter | None] = [None] * count
    waiting: list[list[pa.Table]] = [[] for _ in range(count)]
    waiting_bytes = [0] * count

    def flush(i: int) -> None:
        if waiting[i]:
            table = pa.concat_tables(waiting[i])
            writers[i] = writers[i] or pa.ipc.new_file(str(files[i]), table.schema)
            writers[i].write_table(table)
            waiting[i], waiting_bytes[i] = [], 0

    start = 0
    try:
        for path in paths:
            shard = read_table(path)
            shard_rank = rank[start:start + shard.num_rows]
            start += shard.num_rows
            shard = shard.append_column(_RANK, pa.array(shard_rank))
            of_range = shard_rank // range_rows
            for i in np.unique(of_range):
                piece = shard.filter(pa.array(of_range == i))
                waiting[i].append(piece)
                waiting_bytes[i] += piece.nbytes
                if waiting_bytes[i] >= memory // count:
                    flush(i)
        for i in range(count):
            flush(i)
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
    pa.default_memory_pool().release_unused()
    return files
