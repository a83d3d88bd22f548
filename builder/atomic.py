"""Atomic file writes: write a temp file beside the target, fsync, rename. A writer killed at any point
leaves either the old file or the new one, plus at most a hidden `.<name>.*.tmp` that the next build
removes (builder.shards.remove_partial_writes).

mkstemp makes its file 0600 and mkdtemp its folder 0700 whatever the umask; what we write is for others
to read too (a shared filesystem, a web server, a container), so both get the modes the user's umask
gives any file they write, set before the rename so the final name never has the private mode."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def current_umask() -> int:
    # Linux reports it without changing it; os.umask can only read it by setting it, which for an instant
    # gives any file another thread creates the wrong mode.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    return 0o777 & ~current_umask()


def make_staging_folder(parent: Path, prefix: str) -> Path:
    """A hidden folder to fill and rename into place, with the mode of a folder the user makes."""
    folder = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    os.chmod(folder, folder_mode())
    return folder


@contextmanager
def atomic_path(path: Path) -> Iterator[str]:
    """Yields a temp path to write; on success it replaces `path`, on failure it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """A small text file (a manifest, a memo), written atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
