"""Freed large blocks go back to the system (glibc), so a build's long-lived processes do not keep the
high-water mark of every batch that passed through them.

glibc raises its mmap threshold to the size of the largest block freed so far (up to 32 MiB): once a
pickled batch of raw pages (~11 MB) has been freed, every page (~170 KB) and buffer after it is carved from
the heap, whose holes the process keeps; and each thread that allocates gets an arena of its own (up to 8
per core), each keeping its own holes. Fixing the threshold at glibc's default (128 KiB) keeps such blocks
in their own mappings, unmapped when freed, and two arenas bound what the threads keep. Output bytes do not
depend on it: it decides only where blocks live.
"""

from __future__ import annotations

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
