"""Prodigy JSONL: one task per document with tokens and spans (token offsets inclusive, as Prodigy has them).

Tokens come from spaCy's blank English tokenizer (what Prodigy uses for English), which is deterministic
and needs no model. A span whose edges do not fall on token edges is exported without token offsets and
reported: it is never snapped to the nearest tokens.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from builder.review.interchange import Imported, ImportReport, annotator_name, export_spans


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def tokens(text: str) -> list[dict]:
    return [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
            for t in _tokenizer()(text)]


def task(view: dict, layer: str, problems: list[str]) -> dict:
    toks = tokens(view["text"])
    starts = {t["start"]: t["id"] for t in toks}
    ends = {t["end"]: t["id"] for t in toks}
    spans = []
    for span in export_spans(view, layer):
        item = {"start": span["start"], "end": span["end"], "label": span["label"], "text": span["text"]}
        if span["start"] in starts and span["end"] in ends:
            item["token_start"], item["token_end"] = starts[span["start"]], ends[span["end"]]
        else:
            problems.append(f"{view['id']}: {span['label']} {span['start']}-{span['end']} {span['text']!r} "
                            "does not fall on token boundaries (exported without token offsets)")
        if span.get("speaker"):
            item["speaker"] = span["speaker"]
        spans.append(item)
    return {"text": view["text"], "meta": {"doc_id": view["id"], "layer": layer}, "tokens": toks, "spans": spans}


def write(views: list[dict], layer: str, out: Path) -> list[str]:
    """Write the tasks; return the spans that are off token boundaries."""
    problems: list[str] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for view in views:
            handle.write(json.dumps(task(view, layer, problems), ensure_ascii=False) + "\n")
    return problems


def _span(item: dict, toks: list[dict]) -> dict:
    if "start" not in item:  # a span given by tokens only
        item = {**item, "start": toks[item["token_start"]]["start"], "end": toks[item["token_end"]]["end"]}
    extra = {"speaker": item["speaker"]} if "speaker" in item else {}
    return {"start": item["start"], "end": item["end"], "label": item["label"], "extra": extra}


def read(path: Path) -> ImportReport:
    report = ImportReport()
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                eg = json.loads(raw)
            except json.JSONDecodeError:
                report.problems.append(f"{path}:{number}: not JSON")
                continue
            doc_id = (eg.get("meta") or {}).get("doc_id")
            if not doc_id:
                report.problems.append(f"{path}:{number}: no meta.doc_id; it was not exported by newscorpus")
                continue
            if eg.get("answer", "accept") != "accept":
                report.problems.append(f"{path}:{number}: skipped ({doc_id}, answer {eg['answer']!r})")
                continue
            annotator = annotator_name(eg.get("_annotator_id") or eg.get("_session_id"))
            spans = [_span(s, eg.get("tokens") or []) for s in eg.get("spans") or []]
            report.imported.append(Imported(doc_id, annotator, spans, eg.get("text")))
    return report
