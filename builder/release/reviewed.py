"""The annotators' decisions in a release: which document each one is about now, and what did not apply.

A decision names its document by id, which is stable across builds. Two things can still come between a
decision and the release: the document is left out of this build (its page is gone, or now rejected), or it
is a duplicate the release leaves out because dedup chose another copy as canonical this time. Decisions on
such a duplicate go to the canonical copy of its cluster (where its spans are found again by their text,
see review/anchor.py); decisions on a document not in the build are reported. Every decision that applies
nowhere (its span's text changed, or its document is gone) and every span people disagree on is listed in
the work folder's review-unapplied.jsonl and summed up in the release's warnings.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from builder.atomic import write_text
from builder.review.canonical import canonical_of, to_canonical
from builder.review.decisions import Decision, effective, read_all
from builder.review.merge import merge_document

UNAPPLIED = "review-unapplied.jsonl"
SHOWN = 10  # unapplied decisions named in the warnings; the file lists every one


@dataclass
class ReleaseDecisions:
    by_doc: dict[str, list[Decision]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)   # stale / conflict / missing, one per span and person
    moved: Counter = field(default_factory=Counter)    # decisions moved to the canonical copy, by document

    @classmethod
    def load(cls, annotations_dir: Path, files: list[Path], keep_duplicates: bool) -> "ReleaseDecisions":
        decisions, warnings = read_all(annotations_dir)
        out = cls(warnings=warnings)
        if not decisions:
            return out
        canonical = canonical_of((row for path in files for row in pq.read_table(
            path, columns=["id", "is_canonical", "cluster_id"]).to_pylist()), keep_duplicates)
        out.flags += [_missing(d) for d in effective(decisions) if d.doc_id not in canonical]
        moved, out.moved = to_canonical((d for d in decisions if d.doc_id in canonical), canonical)
        for decision in moved:
            out.by_doc.setdefault(decision.doc_id, []).append(decision)
        return out

    def apply(self, doc: dict, collect: bool = False) -> dict:
        """The document with the decisions about it merged over its machine layers (the human wins)."""
        if doc["id"] not in self.by_doc:
            return doc
        merged, flags = merge_document(doc, self.by_doc[doc["id"]])
        if collect:
            self.flags.extend(flags)
        return merged

    def report(self, work_dir: Path) -> list[str]:
        """Warnings on what did not apply (the full list written to the work folder), after a release."""
        lines = []
        if self.moved:
            lines.append(f"{sum(self.moved.values())} decisions on {len(self.moved)} documents that are now "
                         "duplicates went to the canonical copy of their cluster")
        path = work_dir / UNAPPLIED
        if not self.flags:
            path.unlink(missing_ok=True)  # an earlier release's list would tell of problems gone since
            return lines
        write_text(path, "".join(json.dumps(f, ensure_ascii=False, sort_keys=True) + "\n" for f in self.flags))
        counts = Counter(f["reason"] for f in self.flags)
        what = {"stale": "decisions not applied: the text they were made on changed or is gone (review again)",
                "missing": "decisions not applied: their document is not in this build",
                "conflict": "spans people disagree on: kept as the machine made them (adjudicate)"}
        lines += [f"{counts[reason]} {what[reason]}" for reason in ("stale", "missing", "conflict") if counts[reason]]
        shown = [f for f in self.flags if f["reason"] != "conflict"][:SHOWN]
        lines += [f"  {f['doc_id']} {f['layer']} {f['start']}-{f['end']} ({', '.join(f['annotators'])}): {f['detail']}"
                  for f in shown]
        lines.append(f"every one, with where it is: {path}")
        return lines


def _missing(decision: Decision) -> dict:
    return {"doc_id": decision.doc_id, "layer": decision.layer, "start": decision.start, "end": decision.end,
            "identity": None, "reason": "missing", "annotators": [decision.annotator],
            "detail": f"{decision.action} on {decision.text!r} (seq {decision.seq}): no document "
                      f"{decision.doc_id} in this build"}
