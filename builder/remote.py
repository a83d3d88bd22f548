"""Inputs and outputs at fsspec URLs (s3://, gs://, az://, hf://, https://, memory://, file://, ...).

Every stage reads and writes local files, on any engine; this module moves data across that edge.
A remote input is mirrored into the work folder (`remote/`) and read from there: a file is fetched again
only when its size or its version tag (ETag, mtime, checksum: whatever its filesystem reports) changed,
so an incremental build downloads only what changed. Every key of the listing must name a place inside
the input: a key with a `..` part or outside the listed folder is a reject (`outside-inputs`), never a
write or a delete outside the mirror folder.

A remote output is built in the work folder (`output/`), then uploaded file by file, README.md last. The
prefix may hold files that are not ours: the upload lists the files it writes in `OUTPUT_LIST` at the
output root and deletes only files an earlier upload listed that this build no longer has.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

from builder.atomic import atomic_path, write_text
from builder.errors import UserError
from builder.layout import README
from builder.workstate import read_json

OUTPUT_LIST = ".newscorpus-files.json"  # at a remote output's root: the files our last upload wrote
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


def _plain(rel: str) -> bool:
    """A path below a folder that names one place inside it: relative, and no '', '.' or '..' part (so no
    two keys name one local file either)."""
    return rel not in ("", ".") and rel == posixpath.normpath(rel) and not rel.startswith("/") and rel.split("/")[0] != ".."


def _refusal(name: str, rel: str, inside: bool) -> dict:
    from builder.rejects import reject_row  # here: the CLI imports this module to start

    if inside:
        return reject_row("ingest", f"{name}/{rel}", "unsafe-name", "a key of the remote listing with an empty, "
                          "'.' or '..' part (two keys could name one local file): not fetched; rename it")
    return reject_row("ingest", f"{name}/{rel}", "outside-inputs", "a key of the remote listing that names a "
                      "place outside the input folder ('..' parts or an absolute key): not fetched")


def _is_versions(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _fetch_failed(origin: str, error: OSError) -> dict:
    from builder.rejects import reject_row

    return reject_row("ingest", origin, "unreadable", f"cannot fetch it: {error}; it is tried again at the next build")


def mirror_input(url: str, work_dir: Path) -> tuple[Path, list[dict]]:
    """A local copy of a remote file or folder, kept up to date in the work folder: its path, and a reject per
    remote file that was not copied (a key outside the input, a fetch that failed)."""
    fs, root = _filesystem(url)
    if not fs.exists(root):
        raise UserError(f"input not found: {url}. Check build.inputs in newscorpus.toml or the URLs you gave.")
    folder = Path(work_dir) / "remote" / hashlib.blake2b(url.encode(), digest_size=6).hexdigest()
    prefix = root.rstrip("/") + "/"
    name = posixpath.basename(root.rstrip("/")) or "input"
    target = folder / name
    rejects: list[dict] = []
    if fs.isdir(root):
        files = {}
        for path, info in fs.find(root, detail=True).items():
            if info.get("type") == "directory":
                continue
            rel = path.removeprefix(prefix)
            if path.startswith(prefix) and _plain(rel):
                files[rel] = info
            else:
                inside = path.startswith(prefix) and not rel.startswith("/") and _plain(posixpath.normpath(rel))
                rejects.append(_refusal(name, rel, inside))
    else:
        files = {".": fs.info(root)}
    versions_path = folder / "versions.json"
    known = read_json(versions_path, _is_versions) or {}
    current = {}
    for rel, info in sorted(files.items()):
        local = target if rel == "." else target / rel
        version = _version(info)
        if known.get(rel) != version or not local.exists():
            try:
                local.parent.mkdir(parents=True, exist_ok=True)
                with atomic_path(local) as tmp:
                    fs.get_file(info["name"], str(tmp))
            except OSError as error:  # gone, refused, or a name that is a file and a folder at once
                if local.is_file():
                    local.unlink()  # never read a stale copy as if it were the remote file
                rejects.append(_fetch_failed(name if rel == "." else f"{name}/{rel}", error))
                continue
        current[rel] = version
    for rel in set(known) - set(current):  # gone from the remote side (or now refused): gone from the mirror
        if rel == "." or _plain(rel):  # an older listing's key outside the input was never written
            local = target if rel == "." else target / rel
            if local.is_file():
                local.unlink()
    write_text(versions_path, json.dumps(current, indent=1, sort_keys=True))
    return target, rejects


def _our_files(fs, listing: str) -> list[str]:
    """The files an earlier upload listed (nothing when the list is missing or damaged)."""
    try:
        value = json.loads(fs.cat_file(listing))
    except (OSError, ValueError):
        return []
    if not isinstance(value, list):
        return []
    return [rel for rel in value if isinstance(rel, str) and _plain(rel) and rel != OUTPUT_LIST]


def upload_output(local: Path, url: str) -> None:
    """Put the local folder's files at `url` (README.md last, so a reader that finds the new README finds the
    data files it names), and delete the files of an earlier upload that this one no longer has; any other
    file under `url` is left alone.

    The list is written first with the earlier files too, so an upload killed midway leaves a list that
    still names every file of ours there; the next upload deletes the stale ones."""
    fs, root = _filesystem(url)
    root = root.rstrip("/")
    listing = f"{root}/{OUTPUT_LIST}"
    files = sorted((p for p in Path(local).rglob("*") if p.is_file()), key=lambda p: (p.name == README, str(p)))
    ours = [path.relative_to(local).as_posix() for path in files]
    before = _our_files(fs, listing) if fs.exists(listing) else []
    fs.makedirs(root, exist_ok=True)
    fs.pipe_file(listing, json.dumps(sorted(set(before) | set(ours)), indent=1).encode())
    for path, rel in zip(files, ours):
        fs.makedirs(posixpath.dirname(f"{root}/{rel}"), exist_ok=True)
        fs.put_file(str(path), f"{root}/{rel}")
    for rel in sorted(set(before) - set(ours)):
        if fs.isfile(f"{root}/{rel}"):
            fs.rm_file(f"{root}/{rel}")
    fs.pipe_file(listing, json.dumps(ours, indent=1).encode())


def local_output(output: str | Path, work_dir: Path) -> Path:
    """Where the build writes: the output folder itself, or a staging folder for a remote output."""
    return Path(work_dir) / "output" if is_url(output) else Path(output)

