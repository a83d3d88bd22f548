"""MANIFEST.json: what a release holds, how to check it, and what it was made from.

Two kinds of identity: the sha256 of each file says "same bytes"; the content digest of each table
(sha256 over canonical JSON rows in key order) says "same data", whatever the Parquet encoding.
Nothing here holds a clock value, so two releases of the same inputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "MANIFEST.json"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


class ContentDigest:
    """Digest of a table's rows sorted by key, holding one (key, row hash) pair per row, not the rows."""

    def __init__(self):
        self.entries: list[tuple[tuple, bytes]] = []

    def add(self, key: tuple, row: dict) -> None:
        self.entries.append((key, hashlib.sha256(canonical_json(row).encode()).digest()))

    def hexdigest(self) -> str:
        digest = hashlib.sha256()
        for _, row_hash in sorted(self.entries):
            digest.update(row_hash)
        return digest.hexdigest()


def _type_signature(arrow_type) -> object:
    # List element names differ between pyarrow ("item") and Parquet ("element"): compare the items only.
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return {"list": _type_signature(arrow_type.value_type)}
    if pa.types.is_struct(arrow_type):
        return {"struct": [_field_signature(f) for f in arrow_type]}
    return str(arrow_type)


def _field_signature(field) -> list:
    return [field.name, _type_signature(field.type), field.nullable]


def schema_signature(schema) -> list:
    """The Arrow schema as plain JSON (names, types, nullability; no metadata), as verify compares it."""
    return [_field_signature(f) for f in schema]


def tool_versions() -> dict[str, str]:
    from importlib.metadata import version

    from builder import __version__

    return {"newscorpus": __version__, "python": platform.python_version(),
            **{name: version(name) for name in ("pyarrow", "datasets", "pydantic")}}


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def read_manifest(folder: Path) -> dict:
    from builder.errors import UserError

    path = folder / MANIFEST
    if not path.exists():
        raise UserError(f"{folder} is not a release: no {MANIFEST}. Give a folder made by `newscorpus release`.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc}).") from None


def _check_file(folder: Path, entry: dict, schemas: dict) -> list[str]:
    path = folder / entry["path"]
    if not path.is_file():
        return [f"{entry['path']}: missing"]
    problems = []
    if path.stat().st_size != entry["bytes"]:
        problems.append(f"{entry['path']}: size {path.stat().st_size} bytes, manifest says {entry['bytes']}")
    if sha256_file(path) != entry["sha256"]:
        problems.append(f"{entry['path']}: sha256 differs from the manifest (file changed or corrupted)")
    if not entry["path"].endswith(".parquet"):
        return problems
    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except Exception as exc:  # any damage pyarrow reports is a finding, not a crash
        return problems + [f"{entry['path']}: not readable as Parquet ({exc})"]
    if meta.num_rows != entry["rows"]:
        problems.append(f"{entry['path']}: {meta.num_rows} rows, manifest says {entry['rows']}")
    if schema_signature(schema) != schemas.get(entry["config"]):
        problems.append(f"{entry['path']}: schema differs from the manifest's schema for '{entry['config']}'")
    return problems


def verify_release(folder: Path) -> list[str]:
    """Every problem found, one line each; an empty list means the release is intact."""
    manifest = read_manifest(folder)
    problems = []
    for entry in manifest["files"]:
        problems += _check_file(folder, entry, manifest["schemas"])
    listed = {entry["path"] for entry in manifest["files"]} | {MANIFEST}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative not in listed:
            problems.append(f"{relative}: not listed in the manifest")
    return problems
