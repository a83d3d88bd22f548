"""What every interchange format shares: spans out of a document view, spans in as an annotator's target."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from builder.review.layers import LABEL_FIELD, reviewable


@dataclass
class Imported:
    """One document as another tool's annotator left it: the spans they want in one layer."""

    doc_id: str
    annotator: Optional[str]
    spans: list[dict] = field(default_factory=list)  # {start, end, label, extra: {speaker?}}
    text: Optional[str] = None                        # the text the tool showed, checked against ours


@dataclass
class ImportReport:
    imported: list[Imported] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def export_spans(view: dict, layer: str) -> list[dict]:
    """{id, start, end, label, text, confidence, speaker?} of a document view's layer, in text order."""
    out = []
    for span in reviewable(layer, view.get(layer) or []):
        item = {"id": span.get("id"), "start": span["start"], "end": span["end"],
                "label": span.get(LABEL_FIELD[layer]), "text": view["text"][span["start"]:span["end"]],
                "confidence": span.get("confidence")}
        if layer == "claims":
            item["speaker"] = span.get("speaker")
        out.append(item)
    return out


def annotator_name(raw) -> Optional[str]:
    """A log-file-safe annotator name from whatever another tool records (email, user id, session name)."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = raw.get("email") or raw.get("username") or raw.get("id")
    raw = str(raw).split("@")[0]
    if raw.isdigit():
        raw = f"user{raw}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")
    return name[:64] or None
