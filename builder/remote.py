"""Inputs and outputs at fsspec URLs (s3://, gs://, az://, hf://, https://, memory://, file://, ...).

Every stage reads and writes local files, on any engine; this module moves data across that edge.
A remote input is mirrored into the work folder (`remote/`) and read from there: a file is fetched again
only when its size or its version tag (ETag, mtime, checksum: whatever its filesystem reports) changed,
so an incremental build downloads only what changed. A remote output is built in the work folder
(`output/`), then uploaded file by file; files the new build no longer has are deleted from it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

from builder.atomic import atomic_path, write_text
from builder.errors import UserError
from builder.layout import README

_VERSION_KEYS = {"etag", "mtime", "lastmodified", "last_modified", "md5hash", "crc32c", "created", "version_id", "generation"}


def is_url(value: str | Path) -> bool:
    return not isinstance(value, Path) and "://" in value


def _filesystem(url: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:  # fsspec names the package that implements the protocol
        raise UserError(f"cannot open {url}: {exc}") from None
    except ValueError as exc:
        raise UserError(f"cannot open {url}: {exc}. Known protocols: `python -c \"import fsspec; "
                        f"print(fsspec.available_protocols())\"`") from None


def _version(info: dict) -> str:
    tags = {k: str(v) for k, v in info.items() if k.lower() in _VERSION_KEYS}
    return json.dumps([info.get("size"), tags], sort_keys=True)


def mirror_input(url: str, work_dir: Path) -> Path:
    """A local copy of a remote file or folder, kept up to date in the work folder; returns its path."""
    fs, root = _filesystem(url)
    if not fs.exists(root):
        raise UserError(f"input not found: {url}. Check build.inputs in newscorpus.toml or the URLs you gave.")
    folder = Path(work_dir) / "remote" / hashlib.blake2b(url.encode(), digest_size=6).hexdigest()
    target = folder / (posixpath.basename(root.rstrip("/")) or "input")
    if fs.isdir(root):
        files = {posixpath.relpath(path, root.rstrip("/")): info for path, info in fs.find(root, detail=True).items()
                 if info.get("type") != "directory"}
    else:
        files = {".": fs.info(root)}
    versions_path = folder / "versions.json"
    known = json.loads(versions_path.read_text()) if versions_path.exists() else {}
    current = {}
    for rel, info in sorted(files.items()):
        local = target if rel == "." else target / rel
        version = _version(info)
        if known.get(rel) != version or not local.exists():
            local.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(local) as tmp:
                fs.get_file(info["name"], str(tmp))
        current[rel] = version
    for rel in set(known) - set(current):  # gone from the remote side: gone from the mirror
        (target if rel == "." else target / rel).unlink(missing_ok=True)
    write_text(versions_path, json.dumps(current, indent=1, sort_keys=True))
    return target


def upload_output(local: Path, url: str) -> None:
    """Make the folder at `url` hold exactly the files of the local folder (README.md last, so a reader
    that finds the new README finds the data files it names)."""
    fs, root = _filesystem(url)
    root = root.rstrip("/")
    files = sorted((p for p in Path(local).rglob("*") if p.is_file()), key=lambda p: (p.name == README, str(p)))
    wanted = set()
    for path in files:
        rel = path.relative_to(local).as_posix()
        wanted.add(rel)
        fs.makedirs(posixpath.dirname(f"{root}/{rel}"), exist_ok=True)
        fs.put_file(str(path), f"{root}/{rel}")
    if fs.exists(root):
        for path in fs.find(root):
            if posixpath.relpath(path, root) not in wanted:
                fs.rm_file(path)


def local_output(output: str | Path, work_dir: Path) -> Path:
    """Where the build writes: the output folder itself, or a staging folder for a remote output."""
    return Path(work_dir) / "output" if is_url(output) else Path(output)

