"""The entity label set of a release: the order gives the ClassLabel ids, so it must be stable.

Read from the project's `annotations/labels.*` when it exists (the annotation side owns the label set);
otherwise the OntoNotes types of DESIGN.md, kept here in one place.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml

from builder.errors import UserError

ONTONOTES_LABELS = (
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
    "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
)


def _names(data) -> list[str]:
    """Label names, in file order, from: a list of names or of {label|name: ...} items, a mapping with an
    `entities` entry, or a mapping of groups (e.g. {"names": [...], "numeric": [...]})."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, list):
        return [name for item in data for name in _names(item)]
    if isinstance(data, dict):
        if "entities" in data:
            return _names(data["entities"])
        if "label" in data or "name" in data:
            return [data.get("label") or data.get("name")]
        return [name for group in data.values() for name in _names(group)]
    raise ValueError(f"unexpected {type(data).__name__} in the label set")


def _parse(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".txt":
        return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if path.suffix == ".json":
        return _names(json.loads(text))
    if path.suffix in (".yaml", ".yml"):
        return _names(yaml.safe_load(text))
    if path.suffix == ".toml":
        return _names(tomllib.loads(text))
    raise UserError(f"{path}: unsupported label file type; use .txt, .json, .yaml or .toml.")


def entity_labels(annotations_dir: Path) -> list[str]:
    files = sorted(annotations_dir.glob("labels.*")) if annotations_dir.is_dir() else []
    if not files:
        return list(ONTONOTES_LABELS)
    try:
        names = _parse(files[0])
    except (ValueError, AttributeError, TypeError) as exc:
        raise UserError(f"{files[0]}: cannot read the entity label set ({exc}).") from None
    if not names or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        raise UserError(f"{files[0]}: the entity label set must be a non-empty list of distinct names.")
    return names
