"""What every interchange format shares: spans out of a document view, the export record, spans back in.

An export writes, beside the file for the other tool, an *export record* (`<out>.newscorpus.json`, or
`newscorpus-export.json` inside a brat folder, and a copy under the work folder named by its id): which
build, which layer, whose decisions were merged into the view, and every exported span with its id, its
full content and the form the file shows it in. An import diffs what comes back against that record, so
it records only what the person changed: a span left as exported gives no decision, whoever made it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, ValidationError

from builder.atomic import write_text as write_text_atomic
from builder.errors import UserError
from builder.review.layers import CHIP, IDENTITY_FIELDS, LABEL_FIELD, content, reviewable, with_chips

RECORD_NAME = "newscorpus-export.json"


@dataclass
class Returned:
    """One document as one person of another tool left it: the spans they want in one layer."""

    doc_id: str
    annotator: Optional[str]
    spans: list[dict] = field(default_factory=list)  # {id?, start, end, label, speaker? (claims)}
    text: Optional[str] = None                        # the text the tool showed, checked against ours
    where: str = ""                                   # file:line or task index, for messages


@dataclass
class ImportReport:
    returned: list[Returned] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # skipped parts (reported, the rest is imported)
    failed: list[str] = field(default_factory=list)    # files that failed validation: nothing imported
    export_id: Optional[str] = None


def describe(exc: ValidationError, limit: int = 3) -> str:
    """pydantic's errors as one line: where in the record and what is wrong."""
    parts = [f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()[:limit]]
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def export_spans(view: dict, layer: str) -> list[dict]:
    """{id, start, end, label, text, confidence, speaker?, cue?, name?, chip?} of a view's layer, in text order."""
    out = []
    for span in reviewable(layer, with_chips(layer, view) if view.get(layer) else []):
        item = {"id": span.get("id"), "start": span["start"], "end": span["end"],
                "label": span.get(LABEL_FIELD[layer]), "text": view["text"][span["start"]:span["end"]],
                "confidence": span.get("confidence")}
        for name in IDENTITY_FIELDS[layer]:
            if name != LABEL_FIELD[layer]:
                item[name] = span.get(name)
        if span.get(CHIP) is not None:
            item[CHIP] = span[CHIP]
        if layer == "claims":
            item["speaker"] = span.get("speaker")
        out.append(item)
    return out


def review_spans(view: dict, layer: str) -> list[dict]:
    """The view's spans in the reviewer's form (chips over their sentences), in the order of export_spans."""
    return reviewable(layer, with_chips(layer, view) if view.get(layer) else [])


class ExportedSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    content: dict   # the span as the merged view had it (what a decision about it starts from)
    shown: dict     # {start, end, label, speaker?} as the file shows it (brat trims line breaks, ...)


class ExportRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = "newscorpus-export"
    export_id: str = ""
    format: str
    layer: str
    build: str                     # digest of the build's (document id, text hash) pairs
    merged_from: list[str]         # annotators whose decisions the exported view holds
    # Each annotator's last seq when the view was exported: an import does not overwrite a decision made
    # after it (the person's newer word) with what they did on the older view. None in older records.
    seqs: Optional[dict[str, int]] = None
    documents: dict[str, dict]     # doc_id -> {"text_hash": ..., "spans": [ExportedSpan]}

    def spans(self, doc_id: str) -> list[ExportedSpan]:
        return [ExportedSpan.model_validate(s) for s in self.documents.get(doc_id, {}).get("spans", [])]


def build_digest(documents: list[dict]) -> str:
    blob = "\n".join(f"{d['id']}\t{d.get('text_hash')}" for d in sorted(documents, key=lambda d: d["id"]))
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def span_id(layer: str, span: dict, n: int) -> str:
    return span.get("id") or f"{layer[0]}{n}"


def make_record(fmt: str, layer: str, views: list[dict], documents: list[dict], merged_from: list[str],
                shown: dict[str, list[dict]], seqs: Optional[dict[str, int]] = None) -> ExportRecord:
    """The record of an export; `shown[doc_id]` is each exported span as the file shows it (in export order)."""
    docs = {}
    for view in views:
        spans = []
        for n, (span, seen) in enumerate(zip(review_spans(view, layer), shown.get(view["id"], []))):
            spans.append({"id": span_id(layer, span, n), "content": content(span), "shown": seen})
        docs[view["id"]] = {"text_hash": text_hash(view["text"]), "spans": spans}
    record = ExportRecord(format=fmt, layer=layer, build=build_digest(documents), merged_from=merged_from,
                          documents=docs, seqs=seqs)
    body = record.model_dump_json()
    record.export_id = f"{fmt}-{layer}-" + hashlib.blake2b(body.encode(), digest_size=6).hexdigest()
    return record


def write_record(record: ExportRecord, beside: Path, work_dir: Path) -> Path:
    """Write the record beside the export and under the work folder (found there by id from a tool's export)."""
    body = json.dumps(record.model_dump(), ensure_ascii=False, sort_keys=True) + "\n"
    path = beside / RECORD_NAME if beside.is_dir() else beside.with_name(beside.name + ".newscorpus.json")
    write_text_atomic(path, body)
    write_text_atomic(work_dir / "review-exports" / f"{record.export_id}.json", body)
    return path


def find_record(source: Path, export_id: Optional[str], work_dir: Path, given: Optional[Path]) -> ExportRecord:
    """The record an import diffs against: --baseline, else by the id the file carries, else beside the file."""
    candidates = [given] if given else []
    if export_id:
        candidates.append(work_dir / "review-exports" / f"{export_id}.json")
    candidates += [source / RECORD_NAME, source.with_name(source.name + ".newscorpus.json")]
    for path in candidates:
        if path is not None and path.is_file():
            try:
                return ExportRecord.model_validate_json(path.read_bytes())
            except ValidationError as exc:
                raise UserError(f"{path} is not a newscorpus export record ({describe(exc)})") from None
    raise UserError(f"no export record for {source}: an import compares the file with what `newscorpus export` "
                    "wrote (its .newscorpus.json); pass --baseline PATH to that record, or export again")


def annotator_name(raw) -> Optional[str]:
    """A log-file-safe annotator name from whatever another tool records (email, user name, session name)."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = raw.get("email") or raw.get("username") or raw.get("id")
    raw = str(raw).split("@")[0]
    if raw.isdigit():
        raw = f"user{raw}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")
    return name[:64] or None
