"""Extraction in a child process that can be killed: a page that hangs or explodes the parser costs one
reject, not the build.

Large-scale pipelines learned this the hard way (FACTS.md): some real pages hang lxml or eat memory.
Each worker keeps one child (`python -m builder.ingest.guard`) with an address-space limit through the
extract pass (a later pass ends it: ExtractStage.release; the next page extracted starts one again); pages
go to it over a pipe. If the answer does not come within `ingest.timeout_seconds`, the
child is killed, the page becomes a 'timeout' reject, and a fresh child serves the next page.
The child exits by itself when its parent goes away (its stdin closes; on Linux the kernel also kills it
then, even in the middle of a page: builder/lifeline.py).
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time

from builder.errors import UserError
from builder.heap import return_freed_blocks
from builder.ingest.config import IngestConfig
from builder.ingest.raw import reject
from builder.lifeline import die_with_parent

_HEADER = struct.Struct("!Q")
_STARTUP_SECONDS = 120
_CHUNK = 16  # pages per round trip: fewer wake-ups, and a killed child loses at most this much work


def _write_frame(stream, obj) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(blob)) + blob)
    stream.flush()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None):
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


class GuardedExtractor:
    """extract_page run in a killable child process; same results, plus 'timeout'/'crashed' rejects."""

    def __init__(self, cfg: IngestConfig):
        self.cfg = cfg
        self.child: subprocess.Popen | None = None
        self.restarts = 0

    def _start(self) -> subprocess.Popen:
        # The kernel's parent-death signal follows the thread that starts the child: ask for it only from
        # the main thread, which lives as long as this process (a pool thread may end before it).
        parent = str(os.getpid()) if threading.current_thread() is threading.main_thread() else "0"
        child = subprocess.Popen(
            [sys.executable, "-m", "builder.ingest.guard", str(self.cfg.max_memory_mb), parent],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        _write_frame(child.stdin, self.cfg.model_dump())
        # Wait for 'ready' (imports done) so start-up time never counts against a page's time limit.
        try:
            _read_frame(child.stdout.fileno(), time.monotonic() + _STARTUP_SECONDS)
        except (EOFError, TimeoutError, struct.error):
            child.kill()
            raise UserError("the extractor process could not start: run `python -m builder.ingest.guard 0` to see "
                            "why, or set ingest.isolate = false to extract in the worker itself") from None
        return child

    def _kill(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child.wait()
            self.child = None
            self.restarts += 1

    def extract_many(self, raws: list[dict]) -> list[dict]:
        """Results for a batch of pages, in order. Pages travel in chunks (one round trip per chunk);
        the time limit applies to each page: the clock restarts at every answer."""
        results: list[dict] = []
        while len(results) < len(raws):
            chunk = raws[len(results):len(results) + _CHUNK]
            if self.child is None:
                self.child = self._start()
            try:
                _write_frame(self.child.stdin, chunk)
                for _ in chunk:
                    results.append(_read_frame(self.child.stdout.fileno(), time.monotonic() + self.cfg.timeout_seconds))
            except TimeoutError:
                self._kill()
                raw = raws[len(results)]
                results.append(reject(raw["origin"], "timeout",
                                      f"extraction took longer than ingest.timeout_seconds={self.cfg.timeout_seconds}; the page was skipped",
                                      url=raw.get("url"), stage="extract"))
            except (EOFError, BrokenPipeError, struct.error, pickle.UnpicklingError):
                self._kill()
                raw = raws[len(results)]
                results.append(reject(raw["origin"], "extractor-crashed",
                                      f"the extractor process died on this page (over ingest.max_memory_mb={self.cfg.max_memory_mb}?)",
                                      url=raw.get("url"), stage="extract"))
        return results

    def close(self) -> None:
        if self.child is not None:
            self.child.stdin.close()
            self.child.wait()
            self.child = None


def _serve() -> None:
    """Child side: limit memory, then answer pages until the parent closes the pipe."""
    import resource

    limit_mb, parent = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if parent:
        die_with_parent(parent)  # killed with its worker, even in the middle of a page
    return_freed_blocks()  # parsed pages' buffers go back to the system when freed (builder/heap.py)

    import trafilatura  # noqa: F401  (imported before 'ready', so no page pays for it)

    from builder.ingest.extract import extract_page

    if limit_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    stdin, stdout = sys.stdin.buffer.fileno(), sys.stdout.buffer
    try:
        cfg = IngestConfig(**_read_frame(stdin, None))
        _write_frame(stdout, "ready")
        while True:
            for raw in _read_frame(stdin, None):
                try:
                    result = extract_page(raw, cfg)
                except MemoryError:
                    result = reject(raw["origin"], "too-much-memory", f"extraction needed more than "
                                    f"ingest.max_memory_mb={limit_mb}", url=raw.get("url"), stage="extract")
                _write_frame(stdout, result)
    except EOFError:
        return


if __name__ == "__main__":
    _serve()
