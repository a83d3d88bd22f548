"""The label set, read from annotations/labels.json: one definition for the code, the review CLI and the card."""

from __future__ import annotations

import json
from functools import lru_cache

from builder.bundled import ANNOTATIONS

# The bundled annotations/ folder (labels, lexicons): see builder/bundled.py.
ANNOTATIONS_DIR = ANNOTATIONS
LABELS_FILE = ANNOTATIONS_DIR / "labels.json"
LEXICONS_DIR = ANNOTATIONS_DIR / "lexicons"


@lru_cache(maxsize=None)
def label_set() -> dict:
    """The whole label file: {layer: {group: [{label, description}]}}."""
    return json.loads(LABELS_FILE.read_text(encoding="utf-8"))


def entity_labels(numeric: bool = False) -> tuple[str, ...]:
    """OntoNotes name types, plus the numeric types when asked for."""
    groups = label_set()["entities"]
    chosen = groups["names"] + (groups["numeric"] if numeric else [])
    return tuple(item["label"] for item in chosen)
