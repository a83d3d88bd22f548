"""Which input files a build reads, under which names, and which it refuses before reading a byte.

Only regular files are read: a FIFO blocks its reader for ever, a device (/dev/zero) never ends, a socket
cannot be opened; they are refused by `stat`, with their kind, before anything opens them. A symlink found
in an input folder must resolve inside the inputs (`ln -s /etc/passwd in/p.txt` must not put the password
file into a dataset) unless `ingest.allow_links_outside_inputs` is set. Each physical file (device and
inode) is read once per build however many ways it is named (a folder given twice, a folder and a file in
it, two links to one file): the first name in input order is the one recorded, so a document's copies do
not depend on how often its file was named. Names that are not valid UTF-8 are kept readable, escaped
('caf\\xe9.html'), since Parquet stores text as UTF-8.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, Iterator

from builder.ingest.raw import reject

class Refused(Exception):
    """A file that is not read: `reason` for the rejects table, `detail` for a person."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


_KINDS = ((stat.S_ISFIFO, "fifo", "a FIFO (named pipe)"), (stat.S_ISCHR, "device", "a character device"),
          (stat.S_ISBLK, "device", "a block device"), (stat.S_ISSOCK, "socket", "a socket"),
          (stat.S_ISDIR, "folder", "a folder"))


def _check_regular(mode: int) -> None:
    for test, reason, kind in _KINDS:
        if test(mode):
            raise Refused(reason, f"{kind}, not a regular file: only files are read as inputs")
    if not stat.S_ISREG(mode):
        raise Refused("not-a-file", "not a regular file: only files are read as inputs")


def _refusal_of(error: OSError, path: Path) -> Refused:
    if error.errno == errno.ELOOP:
        return Refused("symlink-loop", "a symlink that leads back to itself (a loop): fix or remove the link")
    if error.errno == errno.ENOENT and os.path.islink(path):
        return Refused("broken-link", f"a symlink to {os.readlink(path)!r}, which does not exist")
    return Refused("unreadable", f"cannot read it: {error.strerror}; check its permissions")


def open_regular(path: Path) -> BinaryIO:
    """The file opened for reading, if it is a regular file; raises Refused otherwise. Non-blocking open
    and a check of what was opened: a FIFO put in the file's place since it was listed does not block."""
    try:
        _check_regular(os.stat(path).st_mode)  # before opening: opening some devices has effects
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise _refusal_of(error, path) from None
    try:
        _check_regular(os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def printable(text: str) -> str:
    """A path as valid UTF-8: bytes that are not UTF-8 (surrogate-escaped by Python) become '\\xNN'."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _name(path: Path, anchor: Path, resolve: bool) -> str:
    """A file read is named by where it resolves (as before links were checked); a refused one by itself,
    which is what the person sees in the folder ('zero.html', not '../../dev/zero')."""
    target = path.resolve() if resolve else Path(os.path.abspath(path))
    return printable(Path(os.path.relpath(target, anchor.resolve())).as_posix())


def _walk(root: Path) -> list[tuple[Path, OSError | None]]:
    """Files under root (hidden ones skipped), and folders that could not be listed, with their error."""
    found: list[tuple[Path, OSError | None]] = []
    for folder, dirs, files in os.walk(root, onerror=lambda error: found.append((Path(error.filename), error))):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend((Path(folder) / f, None) for f in files)
    return sorted(found, key=lambda item: item[0])


def iter_inputs(inputs: list[Path], base: Path | None = None, standalone: frozenset[Path] = frozenset(),
                allow_outside: bool = False) -> Iterator[tuple[Path, str, dict | None]]:
    """(file, name to record, reject or None) for every file under the inputs, in a stable order; a file
    with a reject is not to be read. Each physical file comes once (see the module docstring).

    The recorded name is relative to `base` (the project folder) or else to the input's parent, so
    that builds from different working folders record the same origins; inputs in `standalone` (local
    mirrors of remote inputs, which live in the work folder) are always named from their parent, as
    the same files read locally would be."""
    roots = [Path(os.path.realpath(root)) for root in inputs]
    seen: set[tuple[int, int]] = set()
    refused_names: set[str] = set()
    for root in inputs:
        inside = base is not None and root not in standalone and root.resolve().is_relative_to(base.resolve())
        anchor = base if inside else root.parent
        found = _walk(root) if root.is_dir() else [(root, None)]
        for path, error in found:
            try:
                if error is not None:
                    raise _refusal_of(error, path)
                status = _regular_stat(path, found_in_folder=path != root, roots=roots, allow_outside=allow_outside)
                name = _name(path, anchor, resolve=True)
            except Refused as refused:
                name = _name(path, anchor, resolve=False)
                if name in refused_names:
                    continue
                refused_names.add(name)
                yield path, name, reject(name, refused.reason, refused.detail)
                continue
            if (status.st_dev, status.st_ino) not in seen:
                seen.add((status.st_dev, status.st_ino))
                yield path, name, None


def _regular_stat(path: Path, found_in_folder: bool, roots: list[Path], allow_outside: bool) -> os.stat_result:
    """The stat of a readable regular file; Refused otherwise. The file is opened (not read) to know it
    can be: an unreadable file is a reject now, never a cached result."""
    if found_in_folder and not allow_outside and os.path.islink(path):
        target = Path(os.path.realpath(path))
        if not any(target.is_relative_to(root) for root in roots):
            raise Refused("outside-inputs", f"a symlink to {printable(str(target))}, outside the inputs; set "
                          "ingest.allow_links_outside_inputs = true to read such links")
    with open_regular(path) as handle:
        return os.fstat(handle.fileno())
