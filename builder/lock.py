"""One writer at a time per work folder: two builds, or a build and a release, would corrupt each other.

An advisory `flock` on `<work folder>/lock`: the kernel drops it when the process dies, so a killed
build never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from builder.errors import UserError


@contextmanager
def work_lock(work_dir: Path, purpose: str):
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "lock"
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UserError(f"{work_dir} is in use by {holder}; wait for it to finish, then run again.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{purpose} (pid {os.getpid()})")
        handle.flush()
        yield
    finally:
        handle.close()
