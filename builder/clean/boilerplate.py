"""The page-rules stage, fused into the extract pass: marks boilerplate and collects source links.

It only marks (`removals`, with offsets into the extracted text) and adds citation/reference source
links; the text is cut later, in one go with the per-site repeated lines (builder/clean/site_lines.py),
so that every removal keeps its offsets in the text before cleaning.
"""

from __future__ import annotations

from builder.clean.phrases import PHRASE_DIR, load_phrases
from builder.clean.rules import find_boilerplate
from builder.hashing import stable_hash
from builder.stage import MapStage


def _file_hash(path) -> str | None:
    return stable_hash(path.read_bytes(), 8) if path.exists() else None


class BoilerplateStage(MapStage):
    name = "boilerplate"
    version = "3"  # 2: the shard's site-line keys are written with it; 3: the headline line, more phrases

    # Settings of the clean section that only the clean stage reads: changing them must not re-run
    # extraction, which this stage shares a pass and a cache with.
    CLEAN_STAGE_ONLY = {"keep_boilerplate", "site_lines", "site_min_fraction", "site_min_count"}

    def settings(self):
        """The clean settings but the clean stage's own, and the phrase files' bytes: editing a phrase list
        re-runs the stage."""
        phrases = {lang: _file_hash(PHRASE_DIR / f"{lang}.toml") for lang in sorted(self.config.phrase_languages)}
        return [self.config.model_dump(mode="json", exclude=self.CLEAN_STAGE_ONLY), phrases]

    def process(self, rows):
        if not self.config.page_rules:
            return rows, []
        phrases = load_phrases(tuple(self.config.phrase_languages))
        for row in rows:
            html = row.get("content_type") == "html"
            # a plain-text page's title is its own first line (extract.plain_text_headline): no evidence
            removals, sources = find_boilerplate(row["text"], phrases, row.get("links"), plain_text=not html,
                                                 title=row.get("title") if html else None)
            row["removals"] = list(row.get("removals") or []) + removals
            row["sources"] = list(row.get("sources") or []) + sources
        return rows, []
