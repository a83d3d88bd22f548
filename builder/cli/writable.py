"""Folders a command will write, checked before any work: a read-only output found after hours of
extraction, or a traceback instead of a sentence, is what this prevents."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from builder.remote import is_url
from builder.errors import UserError


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path) -> str | None:
    """Why nothing can be written in `folder`, or None. Writes and removes a file: permission bits alone
    do not tell (root ignores them, a read-only mount does not show in them)."""
    if not folder.is_dir():
        return "it is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".newscorpus-probe-"):
            return None
    except OSError as exc:
        return {errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied", errno.ENOSPC: "no space left",
                errno.ENOENT: "files cannot be created there"}.get(exc.errno, exc.strerror.lower())


def check_writable(folders: list[tuple[str, str | Path, str]]) -> None:
    """(what, path, how to change it) for each folder; the first that cannot be written is one UserError."""
    for what, path, option in folders:
        if is_url(str(path)):
            continue  # a remote output is checked by its filesystem when it is uploaded
        path = Path(path)
        existing = _nearest_existing(path)
        reason = _probe(existing)
        if reason:
            where = str(path) if existing == path.absolute() else f"{path} (in {existing})"
            fix = (f"remove or rename the file {existing}" if not existing.is_dir() else
                   f"make it writable (e.g. chmod u+w {existing})")
            raise UserError(f"cannot write the {what} {where}: {reason}. {option}, or {fix}.")
