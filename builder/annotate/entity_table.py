"""The corpus-level entity table: one row per (canonical name, label), with mention and document counts.

A reduce over the documents' linked entities (map: each document's entities already carry `entity`).
Only canonical documents count, so a story syndicated ten times does not count its names ten times.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from builder.records import arrow_schema


class CorpusEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(description="canonical name (the `entity` of the mentions)")
    label: str
    mentions: int = Field(description="mentions in canonical documents")
    documents: int = Field(description="canonical documents that mention it")


CORPUS_ENTITY_SCHEMA = arrow_schema(CorpusEntity)


class EntityCounter:
    """Feed it documents one by one (streaming); `rows()` gives the table sorted by label, then name."""

    def __init__(self):
        self.mentions: Counter = Counter()
        self.documents: Counter = Counter()

    def add(self, doc: dict) -> None:
        if not doc.get("is_canonical", True):
            return
        keys = [(e["entity"], e["label"]) for e in doc.get("entities") or []]
        self.mentions.update(keys)
        self.documents.update(set(keys))

    def rows(self) -> list[dict]:
        return [{"entity": name, "label": label, "mentions": self.mentions[(name, label)],
                 "documents": self.documents[(name, label)]}
                for name, label in sorted(self.mentions, key=lambda key: (key[1], key[0]))]
