"""The last step of a build's annotation: documents with implausibly many spans are rejected.

A module of its own, without spaCy: a build with every annotator off still runs this step, and its
workers should not import spaCy for it.
"""

from __future__ import annotations

import hashlib
import json

from builder.stage import MapStage


class AnnotationLimit(MapStage):
    """Rejects documents with implausibly many spans, after every layer (in a build they must not vanish)."""

    name = "annotate"
    version = "2"

    def fingerprint(self) -> str:
        blob = json.dumps([self.name, self.version, self.config.max_annotations])
        return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()

    def process(self, rows):
        limit = self.config.max_annotations
        spans = {id(r): len(r.get("entities") or []) + len(r.get("claims") or []) + len(r.get("sources") or []) for r in rows}
        rejects = [{"origin": r["origin"], "url": r.get("url"), "stage": "annotate", "reason": "too-many-annotations",
                    "detail": f"{spans[id(r)]:,} spans, over annotate.max_annotations={limit}"} for r in rows if spans[id(r)] > limit]
        return [r for r in rows if spans[id(r)] <= limit], rejects
