"""Inputs -> the extract stage's tasks: batches of raw pages, reading only the input files that changed.

Batches end where a page's origin hashes to a cut point (content-defined boundaries, about `size` pages
apart, between size/2 and 3*size) and are named by the digests of their pages: adding or removing files
changes only the batches around them, so an incremental build re-extracts only those. Fixed-size batches
would shift every batch after the first new file. A container file (JSONL, WARC: origins 'file#record')
also ends its batch, so a new dump file never reopens the last batch of the one before it. Outputs are
sorted by id, so the layout never changes the dataset bytes.

Naming every batch needs every page's digest, which costs reading and parsing every input again. The scan
cache (`scan/<settings>.parquet` in the work folder) keeps per input file its size, mtime and what reading
it gave (page origins and digests, file-level rejects), as make and git do: a file whose stat did not
change is not read to name the batches, and its pages are read only for a batch whose output is not
cached (`Batch.load`). Changed files are read again; deleted ones drop out of the cache. A file modified
shortly before it was read could change again within the same mtime tick without its stat showing it, so
its entry also holds a hash of its bytes, which the next scan compares (hashing is cheap; parsing is not).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa

from builder.shards import atomic_write_table, read_state
from builder.errors import UserError
from builder.ingest.config import IngestConfig
from builder.hashing import stable_hash
from builder.ingest.files import iter_inputs, printable
from builder.ingest.readers import read_file
from builder.records import RETRY_REASONS
from builder.workstate import DamagedState, report

SCAN_VERSION = "1"  # raise when the readers' output changes: every input is then read again
PAGE_FIELDS = ("origin", "url", "kind", "content_type", "fetched_at", "site")
# A file modified this recently may change again within the same mtime tick (2 s on FAT): its bytes are hashed.
SETTLE_NS = 2_000_000_000
CACHE_SCHEMA = pa.schema([
    ("path", pa.string()), ("name", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
    ("content", pa.binary(16)), ("origin", pa.string()), ("digest", pa.binary(16)), ("reject", pa.string()),
])


def page_digest(page: dict) -> bytes:
    """Names a raw page in its batch: its bytes and every field the extract stage reads."""
    digest = hashlib.blake2b(json.dumps([page.get(k) for k in PAGE_FIELDS]).encode(), digest_size=16)
    digest.update(page["data"])
    return digest.digest()


@dataclass
class ScannedFile:
    name: str
    size: int
    mtime_ns: int
    content: bytes | None  # hash of the file's bytes when it was read within SETTLE_NS of its mtime
    items: list[dict]  # in reading order: {"origin", "digest"} per page, or a file-level reject

    def matches(self, path: Path, name: str, stat) -> bool:
        if (self.name, self.size, self.mtime_ns) != (name, stat.st_size, stat.st_mtime_ns):
            return False
        return self.content is None or self.content == content_hash(path)


def content_hash(path: Path) -> bytes:
    """blake2b of the file's bytes; b"" when it cannot be read (a read error is not cached)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).digest()
    except OSError:
        return b""


class InputScan:
    """The pages and file-level rejects of the inputs, in input order. Pages of files read in this scan
    carry their data; pages of unchanged files carry only origin and digest until `load` reads them."""

    def __init__(self, inputs: list[Path], cfg: IngestConfig, base: Path | None, work_dir: Path,
                 standalone: frozenset[Path] = frozenset()):
        self.inputs, self.cfg, self.base, self.standalone = inputs, cfg, base, standalone
        settings = json.dumps([SCAN_VERSION, cfg.model_dump(mode="json")], sort_keys=True)
        self.cache_path = Path(work_dir) / "scan" / f"{stable_hash(settings, 8)}.parquet"
        self.pages = 0
        self._reader: tuple[Path, Iterator[dict]] | None = None  # the file `load` is reading through

    def items(self) -> Iterator[dict]:
        cached = _read_cache(self.cache_path)
        seen: dict[str, ScannedFile] = {}
        settled = time.time_ns() - SETTLE_NS
        for path, name, refused in iter_inputs(self.inputs, self.base, self.standalone, self.cfg.allow_links_outside_inputs):
            if refused:  # not a readable regular file: never cached, so a fixed file is read next time
                yield refused
                continue
            key = printable(str(path.resolve()))
            try:
                stat = path.stat()
            except OSError:  # gone since it was listed: the reader reports it
                stat = None
            known = cached.get(key)
            if stat and known and known.matches(path, name, stat):
                seen[key] = ScannedFile(name, stat.st_size, stat.st_mtime_ns,
                                        None if stat.st_mtime_ns < settled else known.content, known.items)
                for item in known.items:
                    self.pages += "digest" in item
                    yield {**item, "file": (path, name)} if "digest" in item else item
                continue
            items = []
            for item in read_file(path, name, self.cfg):
                if "data" in item:
                    item["digest"] = page_digest(item)
                    items.append({"origin": item["origin"], "digest": item["digest"]})
                    self.pages += 1
                else:
                    items.append(item)
                yield item
            content = None if stat is None or stat.st_mtime_ns < settled else content_hash(path)
            if stat and content != b"" and not any(item.get("reason") in RETRY_REASONS for item in items):
                seen[key] = ScannedFile(name, stat.st_size, stat.st_mtime_ns, content, items)
        if seen != cached:
            _write_cache(self.cache_path, seen)

    def load(self, entries: list[dict]) -> list[dict]:
        """The raw pages of a batch; pages of unchanged files are read again (checked against their digest)."""
        return [_page_of(entry) if "data" in entry else self._read_again(entry) for entry in entries]

    def _read_again(self, entry: dict) -> dict:
        path, name = entry["file"]
        for attempt in range(2):  # batches are loaded in input order: the open reader is usually just before it
            if attempt or self._reader is None or self._reader[0] != path:
                self._reader = (path, read_file(path, name, self.cfg))
            for item in self._reader[1]:
                if item.get("reason") in RETRY_REASONS:  # unreadable since the scan: this batch cannot be made
                    raise UserError(f"input {name} can no longer be read ({item['detail']}); fix it or remove it, "
                                    "then build again.")
                if item.get("origin") == entry["origin"] and "data" in item:
                    if page_digest(item) != entry["digest"]:
                        break
                    return item
        raise UserError(f"input {name} changed while the build was reading it (page {entry['origin']}); build again.")


def _page_of(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "digest"}


@dataclass(frozen=True)
class Batch:
    """One batch of raw pages, the extract stage's input: named by its pages, read by `load` only when
    its output is not cached."""

    name: str
    load: Callable[[], list[dict]]
    size: int


def batches(scan: InputScan, size: int, rejects: list[dict]) -> Iterator[Batch]:
    """The batches of the inputs; file-level rejects go aside."""
    for name, entries in cut_batches(scan.items(), size, rejects):  # pages in memory or read again: scan.load
        yield Batch(name, partial(scan.load, entries), len(entries))


def cut_batches(items: Iterable[dict], size: int, rejects: list[dict]) -> Iterator[tuple[str, list[dict]]]:
    """(name, pages) of each batch, cut as the module docstring says; items without a digest are rejects."""
    least, step = max(1, size // 2), max(1, size - size // 2)
    batch: list[dict] = []
    digest = hashlib.blake2b(digest_size=12)
    for item in items:
        if "digest" not in item:
            rejects.append(item)
            continue
        container = batch[-1]["origin"].partition("#") if batch else ("", "", "")
        if container[1] and item["origin"].partition("#")[0] != container[0]:
            yield digest.hexdigest(), batch
            batch, digest = [], hashlib.blake2b(digest_size=12)
        batch.append(item)
        digest.update(item["digest"])
        cut = int.from_bytes(hashlib.blake2b(item["origin"].encode(), digest_size=8).digest(), "big") % step == 0
        if (len(batch) >= least and cut) or len(batch) >= 3 * size:
            yield digest.hexdigest(), batch
            batch, digest = [], hashlib.blake2b(digest_size=12)
    if batch:
        yield digest.hexdigest(), batch


def _read_cache(path: Path) -> dict[str, ScannedFile]:
    """The scan cache; empty (every input read again) when missing or damaged."""
    if not path.exists():
        return {}
    try:
        return _files_of(read_state(path, CACHE_SCHEMA.names).to_pydict())
    except DamagedState as damaged:
        report(damaged.path, damaged.why)
    except (KeyError, TypeError, ValueError) as error:  # readable, but not what _write_cache writes
        report(path, f"does not hold what it should ({type(error).__name__})")
    return {}


def _files_of(columns: dict[str, list]) -> dict[str, ScannedFile]:
    files: dict[str, ScannedFile] = {}
    for key, name, size, mtime, content, origin, digest, reject in zip(*(columns[c] for c in CACHE_SCHEMA.names)):
        entry = files.setdefault(key, ScannedFile(name, size, mtime, content, []))
        if digest is not None:
            entry.items.append({"origin": origin, "digest": digest})
        elif reject is not None:
            entry.items.append(json.loads(reject))
    return files


def _write_cache(path: Path, files: dict[str, ScannedFile]) -> None:
    columns: dict[str, list] = {name: [] for name in CACHE_SCHEMA.names}
    for key, entry in files.items():
        for item in entry.items or [None]:  # a file without items still has a row: its stat is known
            for name, value in (("path", key), ("name", entry.name), ("size", entry.size), ("mtime_ns", entry.mtime_ns),
                                ("content", entry.content)):
                columns[name].append(value)
            page = item is not None and "digest" in item
            columns["origin"].append(item["origin"] if page else None)
            columns["digest"].append(item["digest"] if page else None)
            columns["reject"].append(json.dumps(item) if item is not None and not page else None)
    atomic_write_table(pa.Table.from_pydict(columns, schema=CACHE_SCHEMA), path, compression="zstd")
