"""The page-rules stage, fused into the extract pass: marks boilerplate and collects source links.

It only marks (`removals`, with offsets into the extracted text) and adds citation/reference source
links; the text is cut later, in one go with the per-site repeated lines (builder/clean/site_lines.py),
so that every removal keeps its offsets in the text before cleaning.
"""

from __future__ import annotations

import hashlib

from builder.clean.phrases import PHRASE_DIR, load_phrases
from builder.clean.rules import find_boilerplate
from builder.clean.site_lines import keys_name, keys_table
from builder.stage import MapStage


class BoilerplateStage(MapStage):
    name = "boilerplate"
    version = "2"  # 2: the shard's site-line keys are written with it

    # Settings of the clean section that only the clean stage reads: changing them must not re-run
    # extraction, which this stage shares a pass and a cache with.
    CLEAN_STAGE_ONLY = {"keep_boilerplate", "site_lines", "site_min_fraction", "site_min_count"}

    def settings(self):
        return self.config.model_dump(mode="json", exclude=self.CLEAN_STAGE_ONLY)

    def fingerprint(self) -> str:
        """Settings, version and the phrase files' bytes: editing a phrase list re-runs the stage."""
        digest = hashlib.blake2b(super().fingerprint().encode(), digest_size=8)
        for lang in sorted(self.config.phrase_languages):
            path = PHRASE_DIR / f"{lang}.toml"
            digest.update(path.read_bytes() if path.exists() else lang.encode())
        return digest.hexdigest()

    def keys(self, rows):
        """The site-line keys of the shard, made in the extract job while its rows are in memory: the
        site-line reduce then reads these, not the documents again (builder/engine/site_index.py). Made
        whether site lines are on or not, as that setting is not in the fingerprint (0.3 ms a document)."""
        return keys_table(rows)

    def keys_name(self) -> str:
        return keys_name()

    def process(self, rows):
        if not self.config.page_rules:
            return rows, []
        phrases = load_phrases(tuple(self.config.phrase_languages))
        for row in rows:
            removals, sources = find_boilerplate(row["text"], phrases, row.get("links"),
                                                 plain_text=row.get("content_type") != "html")
            row["removals"] = list(row.get("removals") or []) + removals
            row["sources"] = list(row.get("sources") or []) + sources
        return rows, []
