"""The work folder's own state files, read with distrust.

Everything in the work folder can be recomputed from the inputs and the config, so a state file that is
damaged (a truncated write, a disk error, someone's edit) is never a reason to fail: it is reported in one
line and made again, as if it were missing. A build must never need the user to delete the work folder.

Light on purpose (no pyarrow): the command line imports it before it knows it will build.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable

# One line per damaged file, on stderr (the CLI prints it; a library user sees it through logging).
log = logging.getLogger("newscorpus")


class DamagedState(Exception):
    """A state file of the work folder that cannot be used; the engine removes it (or `remove`, a folder of
    state it came from) and makes it again."""

    def __init__(self, path: Path | str, why: str, remove: Path | str | None = None):
        super().__init__(path, why, remove)  # all in args: the exception crosses process pools
        self.path, self.why = Path(path), why
        self.remove = Path(remove) if remove is not None else self.path

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


def report(path: Path | str, why: str, action: str = "it is made again") -> None:
    """The one line a damaged or mismatched state file gets."""
    log.warning("work folder: %s %s; %s", path, why, action)


def read_json(path: Path, valid: Callable[[Any], bool]) -> Any | None:
    """A JSON state file's value; None when it is missing, or (reported) unreadable, not JSON, or not of the
    shape `valid` accepts."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        report(path, f"cannot be read ({type(error).__name__})")
        return None
    if not valid(value):
        report(path, "does not hold what it should")
        return None
    return value


def is_str_map(value: Any, item: Callable[[Any], bool]) -> bool:
    """A JSON object whose keys are strings and whose values `item` accepts."""
    return isinstance(value, dict) and all(isinstance(k, str) and item(v) for k, v in value.items())


def is_str_list(value: Any, length: int | None = None) -> bool:
    return (isinstance(value, list) and all(isinstance(v, str) for v in value)
            and (length is None or len(value) == length))


def file_digest(path: Path) -> str:
    """blake2b of a file's bytes, streamed (what a shard's record holds)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
