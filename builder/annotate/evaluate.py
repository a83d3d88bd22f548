"""Quality of the machine annotations against a gold file (format: annotations/ gold spec, ../shared/gold/SPEC.md).

Organised per layer: `LAYERS` maps a layer name to a scorer(gold_docs, predicted_rows) -> report.
A span report gives, per label and micro-averaged over all labels, precision/recall/F1 under
  exact    same start, end and label
  overlap  same label and at least one shared character (each gold span matched at most once)
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError

from builder.annotate.gold_offsets import offsets_header, rehydrate
from builder.errors import UserError
from builder.jsonl import file_lines, numbered_lines

MICRO = "micro"


class GoldSpan(BaseModel):
    model_config = ConfigDict(extra="allow")
    start: int
    end: int
    label: str


class GoldDocument(BaseModel):
    model_config = ConfigDict(extra="allow")
    doc_id: str
    text: str
    entities: list[GoldSpan] = []


def read_gold(path: Path, corpus_root: Path | None = None) -> list[dict]:
    """Gold records as dicts; a malformed line is a user error naming the line. A gold file of offsets and hashes
    (gold_offsets.py) gets its texts from the corpus at `corpus_root` (default: the one its header names)."""
    if not path.exists():
        raise UserError(f"gold file not found: {path}")
    lines = file_lines(path)
    header = offsets_header(lines[0])
    if header is not None:
        return rehydrate(path, lines[1:], header, corpus_root)
    docs = []
    for number, line in numbered_lines(lines):
        try:
            docs.append(GoldDocument.model_validate_json(line).model_dump())
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(map(str, error["loc"])) or "record"
            raise UserError(f"{path}:{number}: not a gold record ({where}: {error['msg']}). See the gold spec.") from None
    return docs


def _counts(gold: list[tuple], pred: list[tuple], overlap: bool) -> tuple[Counter, Counter, Counter]:
    tp, fp, fn = Counter(), Counter(), Counter()
    if not overlap:
        gold_set, pred_set = set(gold), set(pred)
        for span in pred_set:
            (tp if span in gold_set else fp)[span[2]] += 1
        for span in gold_set - pred_set:
            fn[span[2]] += 1
        return tp, fp, fn
    unmatched = sorted(set(gold))
    for start, end, label in sorted(set(pred)):
        hit = next((g for g in unmatched if g[2] == label and g[0] < end and start < g[1]), None)
        if hit:
            unmatched.remove(hit)
            tp[label] += 1
        else:
            fp[label] += 1
    for span in unmatched:
        fn[span[2]] += 1
    return tp, fp, fn


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def score_spans(pairs: Iterable[tuple[list[dict], list[dict]]], labels: Iterable[str] | None = None) -> dict:
    """{"exact"|"overlap": {label: prf, ..., "micro": prf}} over (gold spans, predicted spans) per document."""
    keep = set(labels) if labels is not None else None
    totals = {mode: (Counter(), Counter(), Counter()) for mode in ("exact", "overlap")}
    for gold, pred in pairs:
        g = [(s["start"], s["end"], s["label"]) for s in gold if keep is None or s["label"] in keep]
        p = [(s["start"], s["end"], s["label"]) for s in pred if keep is None or s["label"] in keep]
        for mode, (tp, fp, fn) in totals.items():
            for total, part in zip((tp, fp, fn), _counts(g, p, overlap=mode == "overlap")):
                total.update(part)
    report = {}
    for mode, (tp, fp, fn) in totals.items():
        seen = sorted(set(tp) | set(fp) | set(fn) | (keep or set()))
        report[mode] = {label: _prf(tp[label], fp[label], fn[label]) for label in seen}
        report[mode][MICRO] = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return report


def evaluate_entities(gold_docs: list[dict], rows: list[dict], labels: Iterable[str] | None = None) -> dict:
    return score_spans(((g["entities"], r.get("entities") or []) for g, r in zip(gold_docs, rows)), labels)


def _half_overlap(a: dict, b: dict) -> bool:
    """Spans overlap by at least half of the shorter one (claims are long; exact bounds are a judgement call)."""
    shared = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return shared > 0 and 2 * shared >= min(a["end"] - a["start"], b["end"] - b["start"])


def evaluate_claims(gold_docs: list[dict], rows: list[dict]) -> dict:
    """Per kind and micro P/R/F1 (same kind, half overlap, one-to-one) and speaker accuracy on matched claims."""
    tp, fp, fn = Counter(), Counter(), Counter()
    speakers = Counter()
    for g, r in zip(gold_docs, rows):
        unmatched = list(g.get("claims") or [])
        for claim in sorted(r.get("claims") or [], key=lambda c: (c["start"], c["end"])):
            hit = next((x for x in unmatched if x["kind"] == claim["kind"] and _half_overlap(x, claim)), None)
            if hit is None:
                fp[claim["kind"]] += 1
                continue
            unmatched.remove(hit)
            tp[claim["kind"]] += 1
            if hit.get("speaker"):
                speakers["with gold speaker"] += 1
                speakers["correct"] += claim.get("speaker") == hit["speaker"]
        for claim in unmatched:
            fn[claim["kind"]] += 1
    report = {kind: _prf(tp[kind], fp[kind], fn[kind]) for kind in sorted(set(tp) | set(fp) | set(fn))}
    report[MICRO] = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    total = speakers["with gold speaker"]
    report["speaker"] = {"accuracy": round(speakers["correct"] / total, 4) if total else 0.0,
                         "correct": speakers["correct"], "matched with gold speaker": total}
    return report


def evaluate_sources(gold_docs: list[dict], rows: list[dict]) -> dict:
    """Per kind and micro P/R/F1 of (name, kind) pairs, counted as multisets per document."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, r in zip(gold_docs, rows):
        gold = Counter((s["name"], s["kind"]) for s in g.get("sources") or [])
        pred = Counter((s["name"], s["kind"]) for s in r.get("sources") or [])
        for (name, kind), n in (gold | pred).items():
            tp[kind] += min(gold[name, kind], pred[name, kind])
            fp[kind] += max(0, pred[name, kind] - gold[name, kind])
            fn[kind] += max(0, gold[name, kind] - pred[name, kind])
    report = {kind: _prf(tp[kind], fp[kind], fn[kind]) for kind in sorted(set(tp) | set(fp) | set(fn))}
    report[MICRO] = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return report


# One scorer per annotation layer.
LAYERS: dict[str, Callable[[list[dict], list[dict]], dict]] = {
    "entities": evaluate_entities, "claims": evaluate_claims, "sources": evaluate_sources,
}


def evaluate(gold_docs: list[dict], rows: list[dict], layers: Iterable[str] | None = None) -> dict:
    return {name: LAYERS[name](gold_docs, rows) for name in (layers or LAYERS)}


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2, sort_keys=True)
