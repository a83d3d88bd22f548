"""One annotator reviewing one layer: the operations behind every key of the TUI, `review apply` and imports.

Each operation turns "what the annotator did to this span" into a complete decision (the span's content
after it, and the text it was made on) and appends it to the annotator's log; the view of a document is the
machine layer with this annotator's own decisions merged over it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pyarrow.dataset as pads

from builder.errors import UserError
from builder.review.decisions import Decision, DecisionLog
from builder.review.layers import LABEL_FIELD, LAYERS, content, layer_labels, new_span, reviewable
from builder.review.merge import annotator_verdicts, merge_document


def load_documents(build_dir: Path, canonical_only: bool = True) -> list[dict]:
    """Documents of a build output folder, in id order (duplicates left out: reviewing them twice is waste)."""
    folder = Path(build_dir) / "data" / "documents"
    if not folder.exists():
        raise UserError(f"no build at {build_dir}: run `newscorpus build` first, or pass --build DIR.")
    rows = pads.dataset(folder, format="parquet").to_table().to_pylist()
    return [r for r in rows if r.get("is_canonical", True) or not canonical_only]


class ReviewSession:
    def __init__(self, documents: list[dict], log: DecisionLog, layer: str, annotations_dir: Path):
        if layer not in LAYERS:
            raise UserError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
        self.documents = documents
        self.by_id = {d["id"]: d for d in documents}
        self.log = log
        self.layer = layer
        self.labels = layer_labels(layer, annotations_dir)

    # -- what the annotator sees -----------------------------------------------------------------
    def document(self, doc_id: str) -> dict:
        try:
            return self.by_id[doc_id]
        except KeyError:
            raise UserError(f"no document {doc_id!r} in this build") from None

    def view(self, doc_id: str) -> dict:
        return merge_document(self.document(doc_id), self.log.by_doc.get(doc_id, []), (self.layer,))[0]

    def spans(self, doc_id: str) -> list[dict]:
        return reviewable(self.layer, self.view(doc_id)[self.layer] or [])

    def span_at(self, doc_id: str, start: int, end: int) -> dict:
        for span in self.spans(doc_id):
            if (span["start"], span["end"]) == (start, end):
                return span
        raise UserError(f"{doc_id}: no {self.layer} span at {start}-{end}")

    def reviewed(self) -> set[tuple]:
        """(doc_id, start, end) of every span this annotator has a verdict on in this layer."""
        verdicts = annotator_verdicts(self.log.decisions).get(self.log.annotator, {})
        return {(k[0], k[2], k[3]) for k in verdicts if k[1] == self.layer}

    def least_confident_order(self) -> list[dict]:
        """Documents by their least confident span (known low confidence first, then spans with none)."""
        def weakest(doc):
            scores = [s.get("confidence") for s in reviewable(self.layer, doc.get(self.layer) or [])]
            known = [c for c in scores if c is not None]
            return (0, min(known), doc["id"]) if known else (1 if scores else 2, 0.0, doc["id"])
        return sorted(self.documents, key=weakest)

    # -- decisions --------------------------------------------------------------------------------
    def _decide(self, doc_id: str, action: str, span: dict, after: Optional[dict], via: str, **extra) -> Decision:
        text = self.document(doc_id)["text"]
        return self.log.append(action=action, doc_id=doc_id, layer=self.layer, start=span["start"],
                               end=span["end"], text=text[span["start"]:span["end"]], span=after, via=via, **extra)

    def accept(self, doc_id: str, span: dict, via: str = "tui") -> Decision:
        return self._decide(doc_id, "accept", span, content(span), via)

    def reject(self, doc_id: str, span: dict, via: str = "tui") -> Decision:
        return self._decide(doc_id, "reject", span, None, via)

    def relabel(self, doc_id: str, span: dict, label: str, via: str = "tui") -> Decision:
        self._check_label(label)
        action = "set_kind" if self.layer == "claims" else "relabel"
        return self._decide(doc_id, action, span, {**content(span), LABEL_FIELD[self.layer]: label}, via)

    def add(self, doc_id: str, start: int, end: int, label: str, via: str = "tui") -> Decision:
        text = self.document(doc_id)["text"]
        if not 0 <= start < end <= len(text):
            raise UserError(f"{doc_id}: span {start}-{end} is outside the text (0-{len(text)})")
        self._check_label(label)
        after = new_span(self.layer, text, start, end, label)
        return self._decide(doc_id, "add", after, after, via)

    def edit(self, doc_id: str, span: dict, start: int, end: int, via: str = "tui") -> Decision:
        text = self.document(doc_id)["text"]
        if not 0 <= start < end <= len(text):
            raise UserError(f"{doc_id}: span {start}-{end} is outside the text (0-{len(text)})")
        after = {**content(span), "start": start, "end": end}
        if "text" in after:
            after["text"] = text[start:end]
        return self._decide(doc_id, "edit", span, after, via, new_text=text[start:end])

    def set_speaker(self, doc_id: str, span: dict, speaker: Optional[str], via: str = "tui") -> Decision:
        self._claims_only("a speaker")
        return self._decide(doc_id, "set_speaker", span, {**content(span), "speaker": speaker or None}, via)

    def link_source(self, doc_id: str, span: dict, source_id: str, via: str = "tui") -> Decision:
        """Link the claim to a source of the document, or unlink it when it is linked already."""
        self._claims_only("a source link")
        known = {s["id"] for s in self.view(doc_id).get("sources") or []}
        if source_id not in known:
            raise UserError(f"{doc_id}: no source {source_id!r} in this document")
        ids = list(span.get("source_ids") or [])
        ids = [i for i in ids if i != source_id] if source_id in ids else ids + [source_id]
        return self._decide(doc_id, "link_source", span, {**content(span), "source_ids": ids}, via)

    def undo(self, via: str = "tui") -> Optional[Decision]:
        target = self.log.undoable()
        if target is None:
            return None
        self.log.append(action="undo", undoes=target.seq, doc_id=target.doc_id, layer=target.layer, via=via)
        return target

    def _check_label(self, label: str) -> None:
        if label not in self.labels:
            raise UserError(f"{label!r} is not a {self.layer} label; labels: {', '.join(self.labels)}")

    def _claims_only(self, what: str) -> None:
        if self.layer != "claims":
            raise UserError(f"only claims have {what}; review with --layer claims")
