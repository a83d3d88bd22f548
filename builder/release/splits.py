"""Split assignment by a hash of the dedup cluster id.

Near-duplicates share a cluster, so they never straddle train and test; the hash depends only on the
cluster id and the ratios, so a document keeps its split across releases unless its cluster changes.
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "validation", "test")


def split_of(cluster_id: str, ratios: dict[str, float]) -> str:
    digest = hashlib.blake2b(cluster_id.encode(), digest_size=8, person=b"nc-split").digest()
    point = int.from_bytes(digest, "big") / 2**64
    cumulative = 0.0
    for split in SPLITS:
        cumulative += ratios[split]
        if point < cumulative:
            return split
    return next(s for s in reversed(SPLITS) if ratios[s] > 0)


def document_split(doc: dict, ratios: dict[str, float]) -> str:
    return split_of(doc.get("cluster_id") or doc["id"], ratios)
