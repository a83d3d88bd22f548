"""Duplicate clusters: exact text and canonical URL (map -> reduce -> map).

map:    read the small keys of every document (id, text hash, canonical URL, date, length)
reduce: union-find over documents sharing a key; pick one canonical member per cluster
map:    write each document's cluster fields (and a unique id for URL duplicates)

Canonical policy (documented, deterministic): earliest published date (undated last), then the
longest text, then the smallest id, then the smallest origin.
"""

from __future__ import annotations

import hashlib
import json

from builder.dedup.config import DedupConfig
from builder.engine.local import LocalEngine, Shard, Task
from builder.engine.shards import read_rows
from builder.ingest.extract import stable_hash
from builder.stage import MapStage

KEY_COLUMNS = ["origin", "id", "text_hash", "canonical_url", "published", "text"]


class UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, item):
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _canonical_order(doc: dict):
    published = doc["published"].isoformat() if doc["published"] else "9999-99-99"
    return (published, -doc["length"], doc["id"], doc["origin"])


def assign_clusters(keys: list[dict]) -> dict[str, dict]:
    """origin -> cluster fields, from the small keys of every document."""
    uf = UnionFind()
    kind_of: dict[str, str] = {}
    for key_name, kind in (("text_hash", "exact"), ("canonical_url", "url")):
        first: dict[str, str] = {}
        for doc in keys:
            value = doc[key_name]
            if value is None:
                continue
            if value in first:
                uf.union(first[value], doc["origin"])
                kind_of.setdefault(doc["origin"], kind)
            else:
                first[value] = doc["origin"]
    members: dict[str, list[dict]] = {}
    for doc in keys:
        members.setdefault(uf.find(doc["origin"]), []).append(doc)
    assignments: dict[str, dict] = {}
    for group in members.values():
        group.sort(key=_canonical_order)
        canonical = group[0]
        taken = {canonical["id"]}
        for doc in group:
            is_canonical = doc is canonical
            new_id = doc["id"]
            if not is_canonical and new_id in taken:  # same canonical URL: ids must stay unique
                new_id = stable_hash(f"{doc['id']}|{doc['origin']}")
            taken.add(new_id)
            same_text = doc["text_hash"] == canonical["text_hash"]
            assignments[doc["origin"]] = {
                "id": new_id,
                "cluster_id": canonical["id"],
                "is_canonical": is_canonical,
                "duplicate_kind": None if is_canonical else ("exact" if same_text else kind_of.get(doc["origin"], "url")),
                "similarity": 1.0 if is_canonical or same_text else None,
            }
    return assignments


class ApplyClusters(MapStage):
    name = "dedup"
    version = "1"

    def __init__(self, assignments: dict[str, dict]):
        super().__init__(None)
        self.assignments = assignments
        blob = json.dumps(assignments, sort_keys=True).encode()
        self._fingerprint = hashlib.blake2b(blob, digest_size=8).hexdigest()

    def fingerprint(self) -> str:
        return self._fingerprint

    def process(self, rows):
        for row in rows:
            row.update(self.assignments[row["origin"]])
        return rows, []


def deduplicate(shard_list: list[Shard], cfg: DedupConfig, engine: LocalEngine) -> list[Shard]:
    keys = []
    for shard in shard_list:
        for doc in read_rows(shard.path, KEY_COLUMNS):
            doc["length"] = len(doc.pop("text"))
            keys.append(doc)
    if not cfg.enabled:
        assignments = {k["origin"]: {"cluster_id": k["id"], "is_canonical": True} for k in keys}
    else:
        assignments = assign_clusters(keys)
    stage = ApplyClusters(assignments)
    return engine.map(stage, [Task(s.fingerprint, path=s.path) for s in shard_list])
