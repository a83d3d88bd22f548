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

    def add_dropped_duplicate(self, doc: dict) -> None:
        self.duplicates_removed[doc["duplicate_kind"] or "near"] += 1

    @property
    def human_share(self) -> float:
        return self.human_spans / self.spans if self.spans else 0.0

    def as_dict(self) -> dict:
        counters = {name: dict(sorted(value.items())) for name, value in vars(self).items() if isinstance(value, Counter)}
        return {**counters, "documents": sum(self.splits.values()), "documents_with_removals": self.documents_with_removals,
                "spans": self.spans, "human_spans": self.human_spans, "human_share": round(self.human_share, 4)}
