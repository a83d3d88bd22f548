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
from builder.layout import build_documents
from builder.review.anchor import context_of
from builder.review.canonical import canonical_of, to_canonical
from builder.review.decisions import Decision, DecisionLog
from builder.review.layers import (CHIP, LABEL_FIELD, LAYERS, content, layer_labels, new_span, reviewable,
                                   span_identity, target, with_chips)
from builder.review.merge import State, annotator_states, merge_states, placed_states, replay


def load_documents(build_dir: Path, canonical_only: bool = True) -> list[dict]:
    """Documents of a build output folder, in id order (duplicates left out: reviewing them twice is waste)."""
    return load_build(build_dir)[0] if canonical_only else _rows(build_dir)


def load_build(build_dir: Path) -> tuple[list[dict], dict[str, str]]:
    """(the documents to review, {every document id: the id that holds its decisions}; see canonical.py)."""
    rows = _rows(build_dir)
    return [r for r in rows if r.get("is_canonical", True)], canonical_of(rows)


def _rows(build_dir: Path) -> list[dict]:
    return pads.dataset(build_documents(build_dir), format="parquet").to_table().to_pylist()


class ReviewSession:
    def __init__(self, documents: list[dict], log: DecisionLog, layer: str, annotations_dir: Path,
                 canonical: Optional[dict[str, str]] = None):
        """`canonical` ({document id: the id that holds its decisions}, load_build) brings the annotator's
        decisions on documents that are now duplicates to their canonical copies."""
        if layer not in LAYERS:
            raise UserError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
        self.documents = documents
        self.by_id = {d["id"]: d for d in documents}
        self.log = log
        self.layer = layer
        self.labels = layer_labels(layer, annotations_dir)
        self._states: dict[str, tuple[int, dict]] = {}  # doc_id -> (decisions replayed, own final states)
        self.canonical = canonical or {}
        self._moved_in: dict[str, list[Decision]] = {}  # doc_id -> decisions made on its duplicates
        for decision in log.decisions:
            if self.home(decision.doc_id) != decision.doc_id:
                moved = decision.model_copy(update={"doc_id": self.home(decision.doc_id)})
                self._moved_in.setdefault(moved.doc_id, []).append(moved)

    # -- what the annotator sees -----------------------------------------------------------------
    def document(self, doc_id: str) -> dict:
        try:
            return self.by_id[doc_id]
        except KeyError:
            raise UserError(f"no document {doc_id!r} in this build") from None

    def home(self, doc_id: str) -> str:
        """The document that holds decisions made on `doc_id` (its canonical copy, if it is now a duplicate)."""
        return self.canonical.get(doc_id, doc_id)

    def own_decisions(self) -> list[Decision]:
        """Every decision of this annotator, those on duplicates moved to their canonical copies."""
        return to_canonical(self.log.decisions, self.canonical)[0]

    def own_states(self, doc_id: str) -> dict[tuple, State]:
        """This annotator's final states in a document, kept up to date decision by decision (a long
        `review apply` of one document stays linear; an undo makes them be worked out again). Decisions on
        the document's duplicates come first: they were made before it became their canonical copy."""
        decisions = self.log.by_doc.get(doc_id, [])
        if doc_id in self._moved_in:  # (a copy only then: a long `review apply` must not copy a long list per line)
            decisions = self._moved_in[doc_id] + decisions
        done, states = self._states.get(doc_id, (0, None))
        new = decisions[done:]
        if states is None or any(d.action == "undo" for d in new):
            states = annotator_states(decisions).get(self.log.annotator, {})
        else:
            for d in new:
                replay(states, d)
        self._states[doc_id] = (len(decisions), states)
        return states

    def view(self, doc_id: str) -> dict:
        """The document as this annotator sees it: the machine's layer with their own decisions over it."""
        states = {self.log.annotator: self.own_states(doc_id)}
        return merge_states(self.document(doc_id), states, (self.layer,), review=True)[0]

    def spans(self, doc_id: str) -> list[dict]:
        return reviewable(self.layer, self.view(doc_id)[self.layer] or [])

    def span_at(self, doc_id: str, start: int, end: int, **fields) -> dict:
        """The span at these offsets; identity fields (label, kind, cue, name) pick one when several are there."""
        here = [s for s in self.spans(doc_id) if (s["start"], s["end"]) == (start, end)
                and all(s.get(k) == v for k, v in fields.items() if v is not None)]
        if len(here) == 1:
            return here[0]
        if not here:
            raise UserError(f"{doc_id}: no {self.layer} span at {start}-{end}"
                            + (f" with {fields}" if any(v is not None for v in fields.values()) else ""))
        raise UserError(f"{doc_id}: {len(here)} {self.layer} spans at {start}-{end} "
                        f"({'; '.join(str(target(self.layer, s)) for s in here)}): say which with its fields")

    def find(self, doc_id: str, ident: tuple) -> Optional[dict]:
        return next((s for s in self.spans(doc_id) if span_identity(self.layer, s) == ident), None)

    def reviewed(self) -> set[tuple]:
        """(doc_id, identity) of every span this annotator has a final state on in this layer."""
        return {(doc_id, ident) for doc_id, placed, _ in self._placed() for _, ident in placed}

    def stale(self) -> list[dict]:
        """This annotator's final states in this layer that apply nowhere now (their text changed: anchor.py)."""
        return [flag for _, _, flags in self._placed() for flag in flags]

    def _placed(self):
        """(doc_id, {(layer, identity): states}, stale flags) where this annotator decided, spans where they are now."""
        by_annotator = annotator_states(self.own_decisions())
        doc_ids = {doc_id for doc_id, layer, _ in by_annotator.get(self.log.annotator, {}) if layer == self.layer}
        for doc_id in sorted(doc_ids & self.by_id.keys()):
            yield (doc_id, *placed_states(self.by_id[doc_id], by_annotator, (self.layer,)))

    def least_confident_order(self) -> list[dict]:
        """Documents by their least confident span (known low confidence first, then spans with none)."""
        def weakest(doc):
            scores = [s.get("confidence") for s in reviewable(self.layer, with_chips(self.layer, doc))]
            known = [c for c in scores if c is not None]
            return (0, min(known), doc["id"]) if known else (1 if scores else 2, 0.0, doc["id"])
        return sorted(self.documents, key=weakest)

    # -- decisions --------------------------------------------------------------------------------
    def _decide(self, doc_id: str, action: str, span: dict, after: Optional[dict], via: str, **extra) -> Decision:
        text = self.document(doc_id)["text"]
        return self.log.append(action=action, doc_id=doc_id, layer=self.layer, start=span["start"],
                               end=span["end"], text=text[span["start"]:span["end"]], span=after, via=via,
                               context=context_of(text, span["start"], span["end"]),
                               target=None if action == "add" else target(self.layer, span), **extra)

    def accept(self, doc_id: str, span: dict, via: str = "tui") -> Decision:
        return self._decide(doc_id, "accept", span, content(span), via)

    def reject(self, doc_id: str, span: dict, via: str = "tui") -> Decision:
        return self._decide(doc_id, "reject", span, None, via)

    def relabel(self, doc_id: str, span: dict, label: str, via: str = "tui") -> Decision:
        self._check_label(label)
        action = "set_kind" if self.layer == "claims" else "relabel"
        return self._decide(doc_id, action, span, {**content(span), LABEL_FIELD[self.layer]: label}, via)

    def new(self, doc_id: str, start: int, end: int, label: str) -> dict:
        """The content of a span a person adds here."""
        text = self.document(doc_id)["text"]
        if not 0 <= start < end <= len(text):
            raise UserError(f"{doc_id}: span {start}-{end} is outside the text (0-{len(text)})")
        self._check_label(label)
        return new_span(self.layer, text, start, end, label)

    def add(self, doc_id: str, start: int, end: int, label: str, via: str = "tui") -> Decision:
        after = self.new(doc_id, start, end, label)
        return self._decide(doc_id, "add", after, after, via)

    def edit(self, doc_id: str, span: dict, start: int, end: int, via: str = "tui") -> Decision:
        text = self.document(doc_id)["text"]
        if not 0 <= start < end <= len(text):
            raise UserError(f"{doc_id}: span {start}-{end} is outside the text (0-{len(text)})")
        if span.get(CHIP) is not None:
            raise UserError("a citation chip has no offsets of its own (it is shown over the sentence it backs); "
                            "reject it and add a source where it belongs instead")
        after = {**content(span), "start": start, "end": end}
        if "text" in after:
            after["text"] = text[start:end]
        return self._decide(doc_id, "edit", span, after, via, new_text=text[start:end],
                            new_context=context_of(text, start, end))

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
        # Filed under the document that holds the undone decision now, so that document's view sees the undo.
        self.log.append(action="undo", undoes=target.seq, doc_id=self.home(target.doc_id), layer=target.layer,
                        via=via)
        return target

    def _check_label(self, label: str) -> None:
        if label not in self.labels:
            raise UserError(f"{label!r} is not a {self.layer} label; labels: {', '.join(self.labels)}")

    def _claims_only(self, what: str) -> None:
        if self.layer != "claims":
            raise UserError(f"only claims have {what}; review with --layer claims")
