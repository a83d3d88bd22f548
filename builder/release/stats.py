"""Statistics of a release, counted while its documents are written (one pass, small counters)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ReleaseStats:
    splits: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)
    months: Counter = field(default_factory=Counter)
    duplicates_removed: Counter = field(default_factory=Counter)
    removal_rules: Counter = field(default_factory=Counter)
    documents_with_removals: int = 0
    entity_labels: Counter = field(default_factory=Counter)
    claim_kinds: Counter = field(default_factory=Counter)
    source_kinds: Counter = field(default_factory=Counter)
    spans: int = 0
    human_spans: int = 0
    human_spans_by: Counter = field(default_factory=Counter)  # person -> entity and claim spans they verified or made

    def add_released(self, doc: dict, split: str) -> None:
        """Count a document that goes into the release (labels still as names)."""
        self.splits[split] += 1
        self.languages[doc["language"]] += 1
        self.sites[doc["site"] or "(unknown)"] += 1
        self.months[doc["published"].strftime("%Y-%m") if doc["published"] else "undated"] += 1
        self.documents_with_removals += bool(doc["removals"])
        self.removal_rules.update(r["rule"] for r in doc["removals"])
        self.entity_labels.update(e["label"] for e in doc["entities"])
        self.claim_kinds.update(c["kind"] for c in doc["claims"])
        self.source_kinds.update(s["kind"] for s in doc["sources"])
        spans = doc["entities"] + doc["claims"]
        self.spans += len(spans)
        self.human_spans += sum(1 for s in spans if s["origin"].startswith("human:") or s.get("verified_by"))
        for span in spans:
            self.human_spans_by.update(_credited(span))

    def human_by_line(self) -> str:
        """"ann 3, bob 2": the spans each person verified or made, most first."""
        return ", ".join(f"{name} {n}" for name, n in sorted(self.human_spans_by.items(), key=lambda x: (-x[1], x[0])))

    def add_dropped_duplicate(self, doc: dict) -> None:
        self.duplicates_removed[doc["duplicate_kind"] or "near"] += 1

    @property
    def human_share(self) -> float:
        return self.human_spans / self.spans if self.spans else 0.0

    def as_dict(self) -> dict:
        counters = {name: dict(sorted(value.items())) for name, value in vars(self).items() if isinstance(value, Counter)}
        return {**counters, "documents": sum(self.splits.values()), "documents_with_removals": self.documents_with_removals,
                "spans": self.spans, "human_spans": self.human_spans, "human_share": round(self.human_share, 4)}


def _credited(span: dict) -> set[str]:
    """Everyone a released span credits: who verified it, and who made it (origin human:<name>)."""
    names = set(span.get("verified_by") or [])
    if span["origin"].startswith("human:"):
        names.add(span["origin"][len("human:"):])
    return names
