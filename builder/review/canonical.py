"""Which document of this build a decision is about: the one it names, or the canonical copy of its cluster.

A decision names its document by id, stable across builds. When dedup now treats that document as a duplicate
(its cluster's canonical member changed: the story came in earlier from another site), the build keeps it as a
non-canonical row that nobody reviews and a release leaves out. The person's work on it goes to the canonical
copy, where merge finds its spans again by their text and context (anchor.py), the same way in the app,
`review apply`, imports, exports, agreement and a release, so a person sees, exports and is credited with the
work they did before the document became a duplicate.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from builder.review.decisions import Decision


def canonical_of(rows: Iterable[dict], keep_duplicates: bool = False) -> dict[str, str]:
    """{document id in the build: the id of the document that holds its decisions} from rows with id,
    is_canonical and cluster_id; `keep_duplicates` (a release that keeps them) leaves every one on its own."""
    out = {}
    for row in rows:
        keep = keep_duplicates or row.get("is_canonical", True) or not row.get("cluster_id")
        out[row["id"]] = row["id"] if keep else row["cluster_id"]
    return {doc_id: target if target in out else doc_id for doc_id, target in out.items()}


def to_canonical(decisions: Iterable[Decision], canonical: dict[str, str]) -> tuple[list[Decision], Counter]:
    """The decisions with each document id its canonical copy's (those on documents not in the build as they
    are), and how many moved, by the document they name."""
    out, moved = [], Counter()
    for decision in decisions:
        home = canonical.get(decision.doc_id, decision.doc_id)
        if home != decision.doc_id:
            moved[decision.doc_id] += 1
            decision = decision.model_copy(update={"doc_id": home})
        out.append(decision)
    return out, moved
