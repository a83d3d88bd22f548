"""MANIFEST.json: what a release holds, how to check it, and what it was made from.

Two kinds of identity: the sha256 of each file says "same bytes"; the content digest of each table
(sha256 over canonical JSON rows in key order) says "same data", whatever the Parquet encoding.
Nothing here holds a clock value, so two releases of the same inputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

import pyarrow as pa
from pydantic import BaseModel, ValidationError, field_validator

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


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


class _FileEntry(BaseModel):
    path: str
    config: Optional[str]
    split: Optional[str]
    rows: Optional[int]
    bytes: int
    sha256: str

    @field_validator("path")
    @classmethod
    def _inside_the_release(cls, path: str) -> str:
        # verify and diff open these paths: a manifest must not make them read outside the release folder
        if path.startswith(("/", "\\")) or ".." in path.replace("\\", "/").split("/"):
            raise ValueError(f"path {path!r} leads outside the release folder")
        return path


class _Table(BaseModel):
    rows: int
    content_digest: str


class _Splits(BaseModel):
    ratios: dict[str, float]


class _Manifest(BaseModel):
    """The parts of MANIFEST.json that verify and diff read; anything else may be added freely."""

    version: str
    files: list[_FileEntry]
    tables: dict[str, _Table]
    schemas: dict[str, list]
    entity_labels: list[str]
    splits: _Splits


def manifest_sha256(folder: Path) -> str:
    """The manifest's own sha256: printed at release; `verify --expect` compares it, so a manifest rewritten
    to match altered data is caught by whoever pinned the release."""
    return sha256_file(folder / MANIFEST)


def read_manifest(folder: Path) -> dict:
    from builder.errors import UserError

    path = folder / MANIFEST
    if not path.is_file():
        raise UserError(f"{folder} is not a release: no {MANIFEST}. Give a folder made by `newscorpus release`.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        _Manifest.model_validate(manifest)
    except (ValueError, UnicodeDecodeError) as exc:  # pydantic's ValidationError is a ValueError
        reason = f"not valid JSON ({exc})" if not isinstance(exc, ValidationError) else _first_error(exc)
        raise UserError(f"{path}: malformed manifest, {reason}. Restore it from the published release.") from None
    return manifest


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the top level"
    return f"{where}: {error['msg'].lower()}" + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
