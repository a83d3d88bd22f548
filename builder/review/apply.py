"""Decisions without a screen: a JSONL file of edits (`review apply`) or spans from another tool (imports).

Input lines of `review apply` say what to do in a few fields; the session fills in the rest:
  {"doc_id": "...", "action": "accept|reject|relabel|add|edit|set_speaker|set_kind|link_source|undo",
   "start": 0, "end": 5, "text": "Alice" (optional check), "label": "ORG" (relabel/add/set_kind),
   "new_start"/"new_end" (edit), "speaker" (set_speaker), "source_id" (link_source), "layer" (optional)}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Optional

from builder.errors import UserError
from builder.review.decisions import Decision, DecisionLog
from builder.review.layers import LABEL_FIELD, content
from builder.review.merge import annotator_verdicts
from builder.review.session import ReviewSession


class Sessions:
    """One session per layer over the same log and documents."""

    def __init__(self, documents: list[dict], log: DecisionLog, annotations_dir: Path):
        self.documents, self.log, self.annotations_dir = documents, log, annotations_dir
        self._sessions: dict[str, ReviewSession] = {}

    def __getitem__(self, layer: str) -> ReviewSession:
        if layer not in self._sessions:
            self._sessions[layer] = ReviewSession(self.documents, self.log, layer, self.annotations_dir)
        return self._sessions[layer]


def apply_line(sessions: Sessions, line: dict, default_layer: str) -> Optional[Decision]:
    action = line.get("action")
    if action == "undo":
        sessions[default_layer].undo(via="apply")
        return sessions.log.decisions[-1]
    session = sessions[line.get("layer", default_layer)]
    doc_id = line.get("doc_id")
    try:
        start, end = int(line["start"]), int(line["end"])
    except (KeyError, TypeError, ValueError):
        raise UserError("needs integer start and end") from None
    text = session.document(doc_id)["text"]
    if "text" in line and text[start:end] != line["text"]:
        raise UserError(f"text at {start}-{end} is {text[start:end]!r}, not {line['text']!r}")
    if action == "add":
        return session.add(doc_id, start, end, line.get("label", ""), via="apply")
    span = session.span_at(doc_id, start, end)
    if action == "accept":
        return session.accept(doc_id, span, via="apply")
    if action == "reject":
        return session.reject(doc_id, span, via="apply")
    if action in ("relabel", "set_kind"):
        return session.relabel(doc_id, span, line.get("label") or line.get("kind", ""), via="apply")
    if action == "edit":
        return session.edit(doc_id, span, int(line["new_start"]), int(line["new_end"]), via="apply")
    if action == "set_speaker":
        return session.set_speaker(doc_id, span, line.get("speaker"), via="apply")
    if action == "link_source":
        return session.link_source(doc_id, span, line.get("source_id", ""), via="apply")
    raise UserError(f"unknown action {action!r}")


def apply_file(sessions: Sessions, path: Path, layer: str,
               on_confirm: Callable[[int, Decision], None] = lambda n, d: None) -> list[str]:
    """Apply every line in order; return one message per line that could not be applied (the rest are kept)."""
    problems = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                if not isinstance(line, dict):
                    raise UserError("not a JSON object")
                decision = apply_line(sessions, line, layer)
            except (UserError, json.JSONDecodeError) as exc:
                problems.append(f"{path}:{number}: {exc}")
                continue
            if decision is not None:
                on_confirm(number, decision)
    return problems


def sync_spans(session: ReviewSession, doc_id: str, target: Iterable[dict], via: str) -> int:
    """Decide so that the annotator's view of the layer becomes `target` ({start, end, label, ...}).

    Used by imports: spans kept with the same label are accepted, with another label relabelled, missing
    ones rejected, new ones added; other fields of a target (e.g. speaker) are set when given. Decisions
    that would not change the annotator's verdict are skipped, so importing a file twice adds nothing.
    """
    label_field = LABEL_FIELD[session.layer]
    wanted = {(t["start"], t["end"]): t for t in target}
    own = annotator_verdicts(session.log.decisions).get(session.log.annotator, {})
    made = 0
    for span in session.spans(doc_id):
        key = (span["start"], span["end"])
        previous = own.get((doc_id, session.layer) + key)
        goal = wanted.pop(key, None)
        if goal is None:
            session.reject(doc_id, span, via=via)
            made += 1
            continue
        extra = goal.get("extra", {})
        after = {**content(span), label_field: goal["label"], **extra}
        if previous is not None and previous.span == after:
            continue
        if after == content(span):
            session.accept(doc_id, span, via=via)
            made += 1
            continue
        if goal["label"] != span.get(label_field):
            session.relabel(doc_id, span, goal["label"], via=via)
            made += 1
        if "speaker" in extra and extra["speaker"] != span.get("speaker"):
            session.set_speaker(doc_id, session.span_at(doc_id, *key), extra["speaker"], via=via)
            made += 1
    for (start, end), goal in sorted(wanted.items()):
        session.add(doc_id, start, end, goal["label"], via=via)
        made += 1
        if goal.get("extra", {}).get("speaker"):
            session.set_speaker(doc_id, session.span_at(doc_id, start, end), goal["extra"]["speaker"], via=via)
            made += 1
    return made


def import_spans(imported: list, documents: list[dict], annotations_dir: Path, layer: str,
                 annotator: Optional[str], role: str = "annotator") -> tuple[dict[str, int], list[str]]:
    """Turn another tool's annotations into decisions, per annotator; returns ({annotator: decisions}, problems).

    `annotator` overrides the names the tool recorded; a document whose text differs from ours is reported
    and skipped (its offsets would point at the wrong words).
    """
    by_id = {d["id"]: d for d in documents}
    groups: dict[str, list] = {}
    problems = []
    for item in imported:
        name = annotator or item.annotator
        if name is None:
            problems.append(f"{item.doc_id}: no annotator recorded; pass --annotator NAME")
        elif item.doc_id not in by_id:
            problems.append(f"{item.doc_id}: not in this build")
        elif item.text is not None and item.text != by_id[item.doc_id]["text"]:
            problems.append(f"{item.doc_id}: its text differs from the build's; skipped (export again)")
        else:
            groups.setdefault(name, []).append(item)
    counts = {}
    for name, items in sorted(groups.items()):
        with DecisionLog(annotations_dir, name, role) as log:
            session = Sessions(documents, log, annotations_dir)[layer]
            counts[name] = 0
            for item in items:
                try:
                    counts[name] += sync_spans(session, item.doc_id, item.spans, via="import")
                except UserError as exc:
                    problems.append(f"{item.doc_id} ({name}): {exc}")
    return counts, problems
