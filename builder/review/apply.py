"""`review apply`: decisions from a JSONL file of edits, without a screen.

Each line says what to do in a few fields; the session fills in the rest:
  {"doc_id": "...", "action": "accept|reject|relabel|add|edit|set_speaker|set_kind|link_source|undo",
   "start": 0, "end": 5, "text": "Alice" (the span's words: checked), "text_hash": "..." (the document's
   text_hash in the build the offsets were read from: checked), "label": "ORG" (relabel/add/set_kind),
   "new_start"/"new_end" (edit), "speaker" (set_speaker), "source_id" (link_source), "layer" (optional),
   "was": {"kind": "attributed", "cue": "said"} (optional: which span, when several share the offsets)}
Every line is checked first (its shape, then the whole file rehearsed on a copy of the log in memory); a file
with any bad line writes nothing and every bad line is reported with its number.

Offsets mean something only in the text they were read from. A line whose `text` or `text_hash` is not the
document's now was written on another build's text: it is refused, never applied to the words now at its
offsets. A line with neither cannot be checked, so it is refused when the file is older than the build (it was
written before the text it would apply to existed); in a file written after the build it applies as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from builder.errors import UserError
from builder.jsonl import file_lines, numbered_lines, unterminated
from builder.review.decisions import Action, Decision, DecisionLog
from builder.review.interchange import describe
from builder.review.session import ReviewSession


class Sessions:
    """One session per layer over the same log and documents."""

    def __init__(self, documents: list[dict], log: DecisionLog, annotations_dir: Path,
                 canonical: Optional[dict[str, str]] = None):
        self.documents, self.log, self.annotations_dir, self.canonical = documents, log, annotations_dir, canonical
        self._sessions: dict[str, ReviewSession] = {}

    def __getitem__(self, layer: str) -> ReviewSession:
        if layer not in self._sessions:
            self._sessions[layer] = ReviewSession(self.documents, self.log, layer, self.annotations_dir,
                                                  self.canonical)
        return self._sessions[layer]


class ApplyLine(BaseModel):
    """One line of a `review apply` file."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    doc_id: Optional[str] = None
    layer: Optional[Literal["entities", "claims", "sources"]] = None
    start: Optional[StrictInt] = Field(None, ge=0)
    end: Optional[StrictInt] = Field(None, ge=0)
    text: Optional[str] = None
    text_hash: Optional[str] = None
    label: Optional[str] = None
    kind: Optional[str] = None
    new_start: Optional[StrictInt] = Field(None, ge=0)
    new_end: Optional[StrictInt] = Field(None, ge=0)
    speaker: Optional[str] = None
    source_id: Optional[str] = None
    was: dict[str, Optional[str]] = {}

    @model_validator(mode="after")
    def _complete(self):
        if self.action == "undo":
            return self
        if not self.doc_id or self.start is None or self.end is None or self.end <= self.start:
            raise ValueError(f"{self.action} needs doc_id and integer start < end")
        if self.action in ("relabel", "set_kind", "add") and not (self.label or self.kind):
            raise ValueError(f"{self.action} needs the label")
        if self.action == "edit" and (self.new_start is None or self.new_end is None):
            raise ValueError("edit needs new_start and new_end")
        if self.action == "link_source" and not self.source_id:
            raise ValueError("link_source needs source_id")
        return self


def apply_line(sessions: Sessions, line: ApplyLine, default_layer: str, older_than_build: bool = False
               ) -> Optional[Decision]:
    if line.action == "undo":
        return sessions[line.layer or default_layer].undo(via="apply") and sessions.log.decisions[-1]
    session = sessions[line.layer or default_layer]
    doc_id, start, end = line.doc_id, line.start, line.end
    doc = session.document(doc_id)
    text = doc["text"]
    if line.text_hash is not None and doc.get("text_hash") is not None and line.text_hash != doc["text_hash"]:
        raise UserError(f"{doc_id}: the document's text changed since this line was written (text_hash "
                        f"{line.text_hash}, now {doc['text_hash']}): its offsets {start}-{end} point at "
                        f"{text[start:end]!r} now, maybe other words. Not applied: write it again on this build")
    if line.text is not None and text[start:end] != line.text:
        raise UserError(f"text at {start}-{end} is {text[start:end]!r}, not {line.text!r} (the line was written on "
                        "another text, e.g. an earlier build): not applied; write it again on this build")
    if line.text is None and line.text_hash is None and older_than_build:
        raise UserError("the file is older than the build, and this line names neither the span's words (text) nor "
                        "the document's text_hash, so it cannot be checked against the text it was written on (a "
                        f"rebuild may have put other words at {start}-{end}): add \"text\": "
                        f"{text[start:end]!r} if that is the span meant")
    if line.action == "add":
        return session.add(doc_id, start, end, line.label or line.kind, via="apply")
    span = session.span_at(doc_id, start, end, **line.was)
    if line.action == "accept":
        return session.accept(doc_id, span, via="apply")
    if line.action == "reject":
        return session.reject(doc_id, span, via="apply")
    if line.action in ("relabel", "set_kind"):
        return session.relabel(doc_id, span, line.label or line.kind, via="apply")
    if line.action == "edit":
        return session.edit(doc_id, span, line.new_start, line.new_end, via="apply")
    if line.action == "set_speaker":
        return session.set_speaker(doc_id, span, line.speaker, via="apply")
    return session.link_source(doc_id, span, line.source_id, via="apply")


def read_lines(path: Path) -> tuple[list[tuple[int, ApplyLine]], list[str]]:
    """(numbered lines, problems): every line checked; a last line without its newline is damaged, not trimmed."""
    lines, problems = [], []
    try:
        body = file_lines(path)
    except UnicodeDecodeError as exc:
        return [], [f"{path}: not UTF-8 ({exc})"]
    for number, raw in numbered_lines(body):
        try:
            lines.append((number, ApplyLine.model_validate(json.loads(raw))))
        except (json.JSONDecodeError, RecursionError) as exc:
            torn = " (the last line, without its newline: was the file cut short?)" if unterminated(number, body) else ""
            problems.append(f"{path}:{number}: not JSON{torn} ({str(exc)[:100]})")
        except ValidationError as exc:
            problems.append(f"{path}:{number}: {describe(exc)}")
    return lines, problems


def apply_file(sessions_for: Callable[[DecisionLog], Sessions], log: DecisionLog, path: Path, layer: str,
               on_confirm: Callable[[int, Decision], None] = lambda n, d: None, older_than_build: bool = False
               ) -> list[str]:
    """Apply every line in order, or none: return one message per line that cannot be applied.
    `older_than_build`: the file was written before the build (lines without text cannot be trusted)."""
    lines, problems = read_lines(path)
    if problems:
        return problems
    for target in (log.rehearse(), log):
        sessions = sessions_for(target)
        for number, line in lines:
            try:
                decision = apply_line(sessions, line, layer, older_than_build)
            except UserError as exc:
                problems.append(f"{path}:{number}: {exc}")
                continue
            if decision is not None and target is log:
                on_confirm(number, decision)
        if problems:
            return problems
    return problems
