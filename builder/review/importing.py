"""Turn what came back from another tool into decisions: only what each person changed.

Returned spans are matched to the exported ones (export record, see interchange.py) by span id first, then by
what the file shows (offsets, label). A matched span shown as exported gives no decision; one with other
offsets an `edit`, another label a `relabel`/`set_kind`, another speaker a `set_speaker`; an exported span
with no match a `reject`; a returned span with no match an `add`. Each decision is made on the span as the
exported (merged) view had it, so it is about the same span whoever made that span.

A change to a span the person decided on after the export (their log's seq then is in the record) is not
imported but listed: an older file must not overwrite their newer word. When a new build changed a document's text since the export, its changes are made on the exported text the
file holds (brat, Label Studio and Prodigy files all do), so merge finds their spans in the new text (see
anchor.py). A document is skipped, with a message, when neither the build's text nor the file's is the
exported one, or a region's text differs from the document at its offsets (they would point at other words). Everything is tried on in-memory
copies of the logs first: if any decision cannot be made, nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from builder.errors import UserError
from builder.review.decisions import DecisionLog, known_name
from builder.review.interchange import ExportRecord, ExportedSpan, Returned, text_hash
from builder.review.layers import LABEL_FIELD, attributes, span_identity
from builder.review.merge import annotator_states
from builder.review.session import ReviewSession


def _match(exported: list[ExportedSpan], returned: list[dict]) -> tuple[list[tuple], list[ExportedSpan], list[dict]]:
    """(pairs, exported spans not returned, returned spans not exported): by id, then by what the file showed."""
    by_id = {e.shown.get("id", e.id): e for e in exported}  # the id the file shows (brat: T<n>)
    pairs, left = [], []
    for r in returned:
        e = by_id.pop(r["id"], None) if r.get("id") else None
        if e is not None:
            pairs.append((e, r))
        else:
            left.append(r)
    added = []
    for r in left:
        e = next((e for e in by_id.values() if (e.shown["start"], e.shown["end"], e.shown["label"])
                  == (r["start"], r["end"], r["label"])), None)
        if e is not None:
            del by_id[e.shown.get("id", e.id)]
            pairs.append((e, r))
        else:
            added.append(r)
    return pairs, list(by_id.values()), added


def _mismatch(doc: dict, returned: Returned) -> Optional[str]:
    text = doc["text"]
    if returned.text is not None and returned.text != text:
        return f"{returned.where}: {returned.doc_id}: the text differs from the build's (export again); skipped"
    for r in returned.spans:
        if r["end"] > len(text) or (r.get("text") is not None and r["text"] != text[r["start"]:r["end"]]):
            return (f"{returned.where}: {returned.doc_id}: region {r['start']}-{r['end']} {r.get('text')!r} does not "
                    f"match the document there ({text[r['start']:r['end']]!r}); document skipped")
    return None


class _Importer:
    """Decisions of one person over one layer, made on the exported spans."""

    def __init__(self, session: ReviewSession, record: ExportRecord):
        self.session, self.layer = session, session.layer
        self.own = annotator_states(session.own_decisions()).get(session.log.annotator, {})
        # The person's last seq at export: their states after it are newer than the view they worked on.
        self.since = None if record.seqs is None else record.seqs.get(session.log.annotator, 0)
        self.made = 0
        self.newer: list[str] = []  # changes not imported, each with why
        self.where = ""             # the part of the file being imported, for those messages

    def _decided_since(self, doc_id: str, span: dict, change: str, where: str) -> bool:
        """Whether the person decided on this span after the export; if so the file's change is not imported
        (their later word stands) and is reported."""
        state = self.own.get((doc_id, self.layer, span_identity(self.layer, span)))
        if self.since is None or state is None or state.seq <= self.since:
            return False
        self.newer.append(f"{where}: {doc_id}: {self.session.log.annotator} decided on {span['start']}-{span['end']} "
                          f"{self.session.document(doc_id)['text'][span['start']:span['end']]!r} after this export "
                          f"(seq {state.seq}), so its change in the file ({change}) is not imported: export again "
                          "to review that span there")
        return True

    def _already(self, doc_id: str, span: Optional[dict], ident: tuple) -> bool:
        """Whether this person's state on the span is already what the decision would make it (a re-import)."""
        state = self.own.get((doc_id, self.layer, ident))
        if state is None:
            return False
        if span is None:
            return not state.present
        return state.present and attributes(self.layer, state.span) == attributes(self.layer, span)

    def _decide(self, about: dict, change: str, operation, doc_id: str, *args) -> Optional[dict]:
        """Make one decision (the span after it), unless the person decided on `about` after the export: then
        their later word stands, the file's change is reported, and None comes back."""
        if self._decided_since(doc_id, about, change, self.where):
            return None
        decision = operation(doc_id, *args, via="import")
        self.made += 1
        return decision.span

    def document(self, doc_id: str, exported: list[ExportedSpan], returned: list[dict], where: str = "") -> None:
        label_field = LABEL_FIELD[self.layer]
        pairs, removed, added = _match(exported, returned)
        s, self.where = self.session, where
        for e in removed:
            if not self._already(doc_id, None, span_identity(self.layer, e.content)):
                self._decide(e.content, "removed", s.reject, doc_id, e.content)
        for e, r in pairs:
            span = e.content
            if (r["start"], r["end"]) != (e.shown["start"], e.shown["end"]):
                moved = {**span, "start": r["start"], "end": r["end"]}
                if not self._already(doc_id, moved, span_identity(self.layer, moved)):
                    span = self._decide(span, f"offsets {r['start']}-{r['end']}", s.edit, doc_id, span, r["start"],
                                        r["end"])
                    if span is None:
                        continue
                else:
                    span = moved
            if r["label"] != e.shown["label"]:
                relabelled = {**span, label_field: r["label"]}
                if not self._already(doc_id, relabelled, span_identity(self.layer, relabelled)):
                    span = self._decide(span, f"label {r['label']}", s.relabel, doc_id, span, r["label"])
                    if span is None:
                        continue
                else:
                    span = relabelled
            if self.layer == "claims" and (r.get("speaker") or None) != (e.shown.get("speaker") or None):
                spoken = {**span, "speaker": r.get("speaker") or None}
                if not self._already(doc_id, spoken, span_identity(self.layer, spoken)):
                    self._decide(span, f"speaker {r.get('speaker')!r}", s.set_speaker, doc_id, span, r.get("speaker"))
        for r in sorted(added, key=lambda r: (r["start"], r["end"], r["label"])):
            fresh = s.new(doc_id, r["start"], r["end"], r["label"])
            if not self._already(doc_id, fresh, span_identity(self.layer, fresh)):
                span = self._decide(fresh, f"added as {r['label']}", s.add, doc_id, r["start"], r["end"], r["label"])
                if span is None:
                    continue
            else:
                span = fresh
            if r.get("speaker"):
                spoken = {**span, "speaker": r["speaker"]}
                if not self._already(doc_id, spoken, span_identity(self.layer, spoken)):
                    self._decide(span, f"speaker {r['speaker']!r}", s.set_speaker, doc_id, span, r["speaker"])


def import_returned(returned: list[Returned], record: ExportRecord, documents: list[dict], annotations_dir: Path,
                    annotator: Optional[str], role: str, lock_dir: Path, canonical: Optional[dict[str, str]] = None,
                    on_log: Callable[[DecisionLog], None] = lambda log: None) -> tuple[dict[str, int], list[str], list[str]]:
    """({annotator: decisions written}, skipped-document messages, failures). Failures write nothing.
    `on_log` sees each log opened for writing (to report a repaired unfinished line)."""
    layer = record.layer
    by_id = {d["id"]: d for d in documents}
    groups: dict[str, list[Returned]] = {}
    skipped, failures, rebuilt = [], [], set()
    for item in returned:
        name = annotator or item.annotator
        name = name and known_name(annotations_dir, name)  # "Ann Lee" from a tool is the ann-lee of a log
        doc = by_id.get(item.doc_id)
        exported = record.documents.get(item.doc_id)
        if doc is not None and exported is not None and exported["text_hash"] != text_hash(doc["text"]) and \
                item.text is not None and text_hash(item.text) == exported["text_hash"]:
            # A new build changed the text since the export; the file holds the exported text. Decisions are made
            # on that text (with its context), and merge finds their spans in the new text, or lists them.
            doc = by_id[item.doc_id] = {**doc, "text": item.text}
            rebuilt.add(item.doc_id)
        if name is None:
            failures.append(f"{item.where}: no annotator recorded; pass --annotator NAME")
        elif doc is None:
            skipped.append(f"{item.where}: {item.doc_id} is not in this build; skipped")
        elif exported is None:
            skipped.append(f"{item.where}: {item.doc_id} was not in the export; skipped")
        elif exported["text_hash"] != text_hash(doc["text"]):
            skipped.append(f"{item.where}: {item.doc_id} changed since the export (new build), and the file does not "
                           "hold the exported text to make its changes on; export again; skipped")
        elif (problem := _mismatch(doc, item)) is not None:
            skipped.append(problem)
        else:
            groups.setdefault(name, []).append(item)
    if failures:
        return {}, skipped, failures
    if rebuilt:
        skipped.append(f"{len(rebuilt)} documents changed in a build since the export: their changes are recorded "
                       "on the exported text and apply where its words are unchanged (a release lists the others)")
    documents = list(by_id.values())
    counts: dict[str, int] = {}
    for rehearsal in (True, False):
        for name, items in sorted(groups.items()):
            if not rehearsal and not counts[name]:
                continue  # nothing changed: leave the log (or its absence) as it is
            with DecisionLog(annotations_dir, name, role, lock_dir=lock_dir) as log:
                if not rehearsal:
                    on_log(log)
                target = log.rehearse() if rehearsal else log
                importer = _Importer(ReviewSession(documents, target, layer, annotations_dir, canonical), record)
                for item in items:
                    try:
                        importer.document(item.doc_id, record.spans(item.doc_id), item.spans, item.where)
                    except UserError as exc:
                        failures.append(f"{item.where} ({name}): {exc}")
                counts[name] = importer.made
                if rehearsal:
                    skipped += importer.newer
        if failures:
            return {}, skipped, failures
    return counts, skipped, failures
