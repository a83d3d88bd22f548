"""Freed large blocks go back to the system (glibc), so a build's long-lived processes do not keep the
high-water mark of every batch that passed through them.

glibc raises its mmap threshold to the size of the largest block freed so far (up to 32 MiB): once a
pickled batch of raw pages (~11 MB) has been freed, every page (~170 KB) and buffer after it is carved from
the heap, whose holes the process keeps; and each thread that allocates gets an arena of its own (up to 8
per core), each keeping its own holes. Fixing the threshold at glibc's default (128 KiB) keeps such blocks
in their own mappings, unmapped when freed, and two arenas bound what the threads keep. Output bytes do not
depend on it: it decides only where blocks live.

Arrow's buffers (shards read and written, the output merge) come from the same malloc instead of Arrow's
bundled mimalloc, which kept freed pages resident: with it, a worker grew from ~220 MiB in the extract pass
to ~300 in the later passes and the build process by ~90 MiB in the output merge (bench/README.md, issue 26).
pyarrow picks its allocator once, when it is first imported, from ARROW_DEFAULT_MEMORY_POOL.
"""

from __future__ import annotations

import os
import sys

_M_MMAP_THRESHOLD = -3  # mallopt parameters, from glibc's malloc.h
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024
ARENA_MAX = 2


def return_freed_blocks() -> bool:
    """Apply the settings to this process (and the processes it forks later); False where the C library
    is not glibc (nothing changes there)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt (musl)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_ARENA_MAX, ARENA_MAX))


def arrow_uses_malloc() -> None:
    """Arrow's buffers from malloc, in this process if pyarrow is not imported yet (the command line calls this
    first) and in the processes it starts from now on (the engine's fork server and workers). A value the user
    set stays."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
