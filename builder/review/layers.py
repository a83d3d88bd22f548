"""What a reviewable layer looks like: its label field, its labels, and a span's reviewable content.

A span is identified across machine re-runs by (layer, start, end) plus its text, never by the machine's
span id (ids change when a label changes; offsets and text do not).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

LAYERS = ("entities", "claims", "sources")
# The field that the "label" of a span means in each layer.
LABEL_FIELD = {"entities": "label", "claims": "kind", "sources": "kind"}
# Bookkeeping fields of a span; everything else is content a reviewer can verify or change.
BOOKKEEPING = ("id", "origin", "confidence", "verified_by")
# Kinds written in records.py, used when annotations/labels.json has no section for the layer.
DEFAULT_KINDS = {
    "claims": ["direct_quote", "indirect_quote", "attributed"],
    "sources": ["hyperlink", "citation", "reference", "mention"],
}


def layer_labels(layer: str, annotations_dir: Path | None = None) -> list[str]:
    """Labels of a layer from <annotations>/labels.json ({layer: {group: [{label}]}}), else the defaults."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    labels_file = (annotations_dir or _repo_annotations()) / "labels.json"
    if labels_file.exists():
        groups = json.loads(labels_file.read_text(encoding="utf-8")).get(layer)
        if groups:
            return [item["label"] for group in groups.values() for item in group]
    if layer == "entities":  # a project without its own labels.json uses the bundled one
        from builder.annotate.labels import label_set

        return [item["label"] for group in label_set()["entities"].values() for item in group]
    return list(DEFAULT_KINDS[layer])


def _repo_annotations() -> Path:
    from builder.annotate.labels import ANNOTATIONS_DIR

    return ANNOTATIONS_DIR


def content(span: dict) -> dict:
    """The reviewable content of a span (what a decision snapshots)."""
    return {k: v for k, v in span.items() if k not in BOOKKEEPING}


def reviewable(layer: str, spans: list[dict]) -> list[dict]:
    """Spans that sit in the text (sources removed from the text have no offsets), in text order."""
    return sorted((s for s in spans if s.get("start") is not None and s.get("end") is not None),
                  key=lambda s: (s["start"], s["end"], s.get(LABEL_FIELD[layer]) or ""))


def new_span(layer: str, text: str, start: int, end: int, label: str) -> dict:
    """Content of a span a person adds: the layer's fields, empty where only a machine would fill them."""
    surface = text[start:end]
    if layer == "entities":
        return {"start": start, "end": end, "label": label, "text": surface, "entity": surface}
    if layer == "claims":
        return {"start": start, "end": end, "kind": label, "text": surface, "cue": None, "speaker": None,
                "speaker_entity": None, "source_ids": []}
    return {"kind": label, "name": surface, "outlet": None, "domain": None, "url": None, "start": start,
            "end": end, "count": None, "context": None}


def human_span_id(layer: str, span: dict) -> str:
    """Stable id of a span a person added or changed (same recipe for every annotator)."""
    blob = f"{layer}|{span['start']}|{span['end']}|{span.get(LABEL_FIELD[layer])}".encode()
    return "h" + layer[0] + "-" + hashlib.blake2b(blob, digest_size=6).hexdigest()
