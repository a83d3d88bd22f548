"""The last step of a build's annotation: documents with implausibly many spans are rejected.

A module of its own, without spaCy: a build with every annotator off still runs this step, and its
workers should not import spaCy for it.
"""

from __future__ import annotations

from builder.rejects import reject_row
from builder.stage import MapStage


class AnnotationLimit(MapStage):
    """Rejects documents with implausibly many spans, after every layer (in a build they must not vanish)."""

    name = "annotate"
    version = "2"

    def settings(self):
        return self.config.max_annotations

    def process(self, rows):
        limit = self.config.max_annotations
        spans = {id(r): len(r.get("entities") or []) + len(r.get("claims") or []) + len(r.get("sources") or []) for r in rows}
        rejects = [reject_row("annotate", r["origin"], "too-many-annotations",
                              f"{spans[id(r)]:,} spans, over annotate.max_annotations={limit}", r.get("url"))
                   for r in rows if spans[id(r)] > limit]
        return [r for r in rows if spans[id(r)] <= limit], rejects
