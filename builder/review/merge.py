"""The merged view: machine layers with the human decisions applied over them (the human wins).

Per annotator, the latest effective decision per span (undos removed) is that annotator's verdict. Across
annotators: an adjudicator's verdict wins; otherwise annotators who agree are applied together, and
annotators who disagree leave the machine span as it is and raise a `conflict` flag for adjudication.
A verdict whose span text no longer matches the document (the text changed under it) is never applied:
it raises a `stale` flag for re-review. Spans are keyed by offsets and text, not by machine ids, so
re-running the machine annotators keeps every decision.

Releases call `merged_layers(doc_row, decisions)` per document: verified spans carry `verified_by`
(annotator names) and spans a person changed or added carry origin `human:<annotator>`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional

from builder.review.decisions import Decision, effective
from builder.review.layers import LAYERS, content, human_span_id


@dataclass(frozen=True)
class Verdict:
    annotator: str
    role: str
    seq: int
    text: str                 # span text when decided, checked against the document
    span: Optional[dict]      # content to keep; None = the span is rejected (or was moved away by an edit)

    def same_outcome(self, other: "Verdict") -> bool:
        return self.span == other.span


def annotator_verdicts(decisions: Iterable[Decision]) -> dict[str, dict[tuple, Verdict]]:
    """{annotator: {(doc_id, layer, start, end): latest verdict}} from decisions of any annotators."""
    by_annotator: dict[str, dict[tuple, Verdict]] = defaultdict(dict)
    for d in sorted(effective(list(decisions)), key=lambda d: (d.annotator, d.seq)):
        verdicts = by_annotator[d.annotator]
        if d.action == "reject":
            verdicts[d.key] = Verdict(d.annotator, d.role, d.seq, d.text, None)
        elif d.action == "edit":
            verdicts[d.key] = Verdict(d.annotator, d.role, d.seq, d.text, None)
            new_key = (d.doc_id, d.layer, d.span["start"], d.span["end"])
            verdicts[new_key] = Verdict(d.annotator, d.role, d.seq, d.new_text, dict(d.span))
        else:
            verdicts[d.key] = Verdict(d.annotator, d.role, d.seq, d.text, dict(d.span))
    return dict(by_annotator)


def merge_document(doc: dict, decisions: Iterable[Decision], layers: Iterable[str] = LAYERS) -> tuple[dict, list[dict]]:
    """(doc with the decisions applied, flags). Decisions about other documents are ignored."""
    verdicts = annotator_verdicts(d for d in decisions if d.doc_id == doc["id"])
    by_key: dict[tuple, list[Verdict]] = defaultdict(list)
    for per_annotator in verdicts.values():
        for (_, layer, start, end), verdict in per_annotator.items():
            by_key[(layer, start, end)].append(verdict)
    merged, flags = dict(doc), []
    for layer in layers:
        keys = sorted(k for k in by_key if k[0] == layer)
        if keys:
            merged[layer] = _merge_layer(doc, layer, {k[1:]: by_key[k] for k in keys}, flags)
    return merged, flags


def merged_layers(doc: dict, decisions: Iterable[Decision], layers: Iterable[str] = LAYERS) -> dict:
    """The document with human decisions applied (flags dropped; see `merge_document` to get them)."""
    return merge_document(doc, decisions, layers)[0]


def _merge_layer(doc: dict, layer: str, verdicts: dict[tuple, list[Verdict]], flags: list[dict]) -> list[dict]:
    text = doc["text"]
    machine: dict[tuple, dict] = {}
    for span in doc.get(layer) or []:
        if span.get("start") is not None:
            machine.setdefault((span["start"], span["end"]), span)
    decided: dict[tuple, Optional[dict]] = {}
    for (start, end), candidates in verdicts.items():
        fresh = []
        for v in candidates:
            if text[start:end] == v.text:
                fresh.append(v)
            else:
                flags.append(_flag(doc, layer, start, end, "stale", [v], f"decided on {v.text!r}, text there is now "
                                   f"{text[start:end]!r}: review again"))
        outcome = _outcome(fresh)
        if outcome is None:
            if fresh:
                flags.append(_flag(doc, layer, start, end, "conflict", fresh, "annotators disagree: adjudicate"))
            continue
        winner, verified_by = outcome
        decided[(start, end)] = _apply(layer, machine.get((start, end)), winner, verified_by)
    out = []
    for span in doc.get(layer) or []:
        key = (span.get("start"), span.get("end"))
        if key in decided:
            replacement = decided.pop(key)
            if replacement is not None:
                out.append(replacement)
        else:
            out.append(span)
    out.extend(s for s in decided.values() if s is not None)  # spans people added
    return sorted(out, key=lambda s: (s.get("start") is None, s.get("start") or 0, s.get("end") or 0))


def _outcome(fresh: list[Verdict]) -> Optional[tuple[Verdict, list[str]]]:
    """(winning verdict, annotators who verified it), or None when there is none or annotators disagree."""
    adjudicated = [v for v in fresh if v.role == "adjudicator"]
    if adjudicated:
        winner = max(adjudicated, key=lambda v: (v.seq, v.annotator))
    elif fresh and all(v.same_outcome(fresh[0]) for v in fresh):
        winner = fresh[0]
    else:
        return None
    return winner, sorted({v.annotator for v in fresh if v.same_outcome(winner)})


def _apply(layer: str, machine: Optional[dict], winner: Verdict, verified_by: list[str]) -> Optional[dict]:
    if winner.span is None:
        return None
    if machine is not None and content(machine) == winner.span:
        return {**machine, "verified_by": verified_by}
    span = {**(machine or {}), **winner.span, "origin": f"human:{winner.annotator}", "confidence": None,
            "verified_by": verified_by}
    span["id"] = machine["id"] if machine is not None else human_span_id(layer, span)
    return span


def _flag(doc, layer, start, end, reason, verdicts, detail) -> dict:
    return {"doc_id": doc["id"], "layer": layer, "start": start, "end": end, "reason": reason,
            "annotators": sorted({v.annotator for v in verdicts}), "detail": detail}
