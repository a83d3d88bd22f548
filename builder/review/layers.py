"""What a reviewable layer looks like: its label field, its labels, a span's identity and reviewable content.

A span's identity says which span a decision is about, the same way in the app, `review apply`, imports,
merge and agreement (never the machine's span id, which changes when the machine re-runs):
  entities  offsets + label
  claims    offsets + kind + cue (two claims over one sentence, an indirect quote and an attribution, differ)
  sources   offsets + name; a citation chip, which has no offsets in the text, by its position among the
            document's chips + name, and it is shown over the sentence it backs (its `context`).
What a person can change without making another span (a claim's speaker and sources, a source's kind) is
its `attributes`. A decision stores the identity of the span it was made on in `target`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

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
    from builder.labels import entity_labels, layer_label_names  # imports yaml: only once labels are asked for

    labels = layer_label_names(layer, annotations_dir) if annotations_dir else []
    if labels:
        return labels
    if layer == "entities":  # a project without its own labels.json uses the bundled one
        return list(entity_labels(numeric=True))
    return list(DEFAULT_KINDS[layer])


def content(span: dict) -> dict:
    """The reviewable content of a span (what a decision snapshots)."""
    return {k: v for k, v in span.items() if k not in BOOKKEEPING}


# Fields that make a span itself (beyond its offsets), and fields a person sets on a span without making another.
IDENTITY_FIELDS = {"entities": ("label",), "claims": ("kind", "cue"), "sources": ("name",)}
ATTRIBUTE_FIELDS = {"entities": (), "claims": ("speaker", "source_ids"), "sources": ("kind",)}
CHIP = "chip"  # marks, in a review view, a citation chip shown over the sentence it backs: its position


def target(layer: str, span: dict) -> dict:
    """The identity fields of a span as a decision stores them ({label} / {kind, cue} / {name, chip?})."""
    out = {name: span.get(name) for name in IDENTITY_FIELDS[layer]}
    if span.get(CHIP) is not None:
        out[CHIP] = span[CHIP]
    return out


def identity(layer: str, start: Optional[int], end: Optional[int], fields: dict) -> tuple:
    """The key a span is known by: a chip by its position and name, every other span by offsets + fields."""
    named = tuple(fields.get(name) for name in IDENTITY_FIELDS[layer])
    if fields.get(CHIP) is not None:
        return (CHIP, fields[CHIP]) + named
    return (start, end) + named


def span_identity(layer: str, span: dict) -> tuple:
    return identity(layer, span.get("start"), span.get("end"), target(layer, span))


def attributes(layer: str, span: dict) -> dict:
    return {name: _normal(span.get(name)) for name in ATTRIBUTE_FIELDS[layer]}


def _normal(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def with_chips(layer: str, doc: dict) -> list[dict]:
    """A layer's spans as a reviewer sees them: citation chips of the sources layer get their position and the
    offsets of the sentence they back (where it is found in the text); other spans as they are."""
    spans = list(doc.get(layer) or [])
    if layer != "sources":
        return spans
    out, position = [], 0
    for span in spans:
        if span.get("start") is None and span.get("count") is not None:  # a citation chip (an "Outlet+N")
            found = doc["text"].find(span["context"]) if span.get("context") else -1
            span = {**span, CHIP: position}
            if found >= 0:
                span.update(start=found, end=found + len(span["context"]))
            position += 1
        out.append(span)
    return out


def machine_span(layer: str, span: dict) -> dict:
    """A reviewed span back as a release stores it: a chip has no offsets of its own."""
    if span.get(CHIP) is None:
        return span
    return {**{k: v for k, v in span.items() if k != CHIP}, "start": None, "end": None}


def reviewable(layer: str, spans: list[dict]) -> list[dict]:
    """Spans that sit in the text (references removed from the text have no offsets), in text order."""
    return sorted((s for s in spans if s.get("start") is not None and s.get("end") is not None),
                  key=lambda s: (s["start"], s["end"], repr(span_identity(layer, s))))


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
    blob = f"{layer}|{span_identity(layer, span)!r}".encode()
    return "h" + layer[0] + "-" + hashlib.blake2b(blob, digest_size=6).hexdigest()
