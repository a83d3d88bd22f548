"""The label sets, in one place for the annotator, the review tools and a release.

The bundled annotations/labels.json ({layer: {group: [{label, description}]}}) is what the annotator
emits (`entity_labels`). A release names its ClassLabel from the project's own `annotations/labels.*`
when it has one (the project owns its label set), else from the bundled file (`class_label_names`).
The review tools offer a layer's labels from the project's labels.json (`layer_label_names`).
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from pathlib import Path

import yaml

from builder.bundled import ANNOTATIONS
from builder.errors import UserError

LABELS_FILE = ANNOTATIONS / "labels.json"


@lru_cache(maxsize=None)
def label_set() -> dict:
    """The whole bundled label file: {layer: {group: [{label, description}]}}."""
    return json.loads(LABELS_FILE.read_text(encoding="utf-8"))


def entity_labels(numeric: bool = False) -> tuple[str, ...]:
    """The bundled OntoNotes name types, plus the numeric types when asked for, in file order."""
    groups = label_set()["entities"]
    chosen = groups["names"] + (groups["numeric"] if numeric else [])
    return tuple(item["label"] for item in chosen)


def class_label_names(annotations_dir: Path) -> list[str]:
    """A release's entity ClassLabel names: the order gives the ids, so it must be stable."""
    files = sorted(annotations_dir.glob("labels.*")) if annotations_dir.is_dir() else []
    if not files:
        return list(entity_labels(numeric=True))
    try:
        names = _parse(files[0])
    except (ValueError, AttributeError, TypeError) as exc:
        raise UserError(f"{files[0]}: cannot read the entity label set ({exc}).") from None
    if not names or not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        raise UserError(f"{files[0]}: the entity label set must be a non-empty list of distinct names.")
    return names


def layer_label_names(layer: str, annotations_dir: Path) -> list[str]:
    """A layer's labels in the folder's labels.json, in file order; [] when it has no such file or section."""
    path = annotations_dir / "labels.json"
    if not path.is_file():
        return []
    try:
        section = json.loads(path.read_text(encoding="utf-8")).get(layer)
        return _names(section) if section else []
    except (ValueError, AttributeError, TypeError) as exc:
        raise UserError(f"{path}: cannot read the label sets ({exc}).") from None


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
