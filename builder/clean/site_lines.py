"""Per-site repeated lines (map -> reduce -> map; a keyed step in builder/clean/site_index.py), and
the stage that applies every removal.

map:    per document, the hashes of its normalised lines not already marked by the page rules
reduce: per site, in how many distinct texts each line occurs; lines on >= site_min_fraction of the
        site's texts and >= site_min_count of them form a small index (site -> line hashes)
map:    mark those lines as `site-repeat`, then cut every removal from the text (unless
        keep_boilerplate), remap link offsets and recompute the text hash

Counting is per site and per distinct text: a wire story reprinted by ten outlets is counted once on
each site (content, left to dedup), and three copies of one page on one site count once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import pyarrow as pa

from builder.clean.config import CleanConfig
from builder.clean.edits import remove_spans
from builder.clean.rules import split_lines
from builder.hashing import stable_hash
from builder.ingest.extract import text_hash
from builder.stage import MapStage

KEY_COLUMNS = ["site", "text", "text_hash", "removals"]
KEYS_SCHEMA = pa.schema([("site", pa.string()), ("text_hash", pa.string()), ("lines", pa.list_(pa.string())),
                         ("repeated", pa.list_(pa.string()))])


def line_key(line: str) -> str:
    """Lines differing only in case or spacing are the same line. Numbers count: lines that differ by
    a figure are usually content (scores, prices), and page rules handle dated chrome."""
    return stable_hash(" ".join(line.lower().split()), 8)


def unmarked_lines(text: str, removals: list[dict]):
    marked = {r["start"] for r in removals}
    return [ln for ln in split_lines(text) if ln.start not in marked]


def document_keys(doc: dict) -> tuple[str, str, set[str]] | None:
    """map: (site, text hash, line hashes) of one document; None when it has no site.

    Lines repeated inside the page itself ('Pros' / 'Cons' per reviewed product) are the article's own
    template, not site chrome (which shows once per page), so they are not counted.
    """
    if not doc.get("site"):
        return None
    return doc["site"], doc["text_hash"], {key for key, n in line_counts(doc).items() if n == 1}


def keys_name() -> str:
    """The name of the keys files (Shard.keys). The keys and the clean stage's lookups share
    line_key: the name carries the clean stage's version, so a new version makes the keys again."""
    return f"site-keys-{CleanStage.name}{CleanStage.version}"


def keys_table(docs) -> pa.Table:
    """map, for a shard: per document with a site, the keys of document_keys for the index, with the keys of
    its lines that recur inside the page beside them (not counted by the index, but cut when the site
    repeats them). The page-rules stage gives these as its shard's reduce keys (BoilerplateStage.keys)."""
    rows = []
    for doc in docs:
        if doc.get("site"):
            counts = line_counts(doc)
            rows.append({"site": doc["site"], "text_hash": doc["text_hash"], "lines": sorted(k for k, n in counts.items() if n == 1),
                         "repeated": sorted(k for k, n in counts.items() if n > 1)})
    return pa.Table.from_pylist(rows, schema=KEYS_SCHEMA)


def line_counts(doc: dict) -> Counter:
    """How often each line key occurs among the lines of the text that no removal covers."""
    return Counter(line_key(ln.text) for ln in unmarked_lines(doc["text"], doc["removals"] or []))


def build_index(keys, cfg: CleanConfig) -> dict[str, list[str]]:
    """reduce: site -> sorted hashes of lines that recur on enough of that site's distinct texts."""
    seen: set[tuple[str, str]] = set()
    pages: Counter = Counter()
    counts: dict[str, Counter] = defaultdict(Counter)
    for item in keys:
        if item is None or (item[0], item[1]) in seen:
            continue
        site, digest, lines = item
        seen.add((site, digest))
        pages[site] += 1
        counts[site].update(lines)
    index = {}
    for site, counter in counts.items():
        need = max(cfg.site_min_count, cfg.site_min_fraction * pages[site])
        repeated = sorted(h for h, n in counter.items() if n >= need)
        if repeated:
            index[site] = repeated
    return index


class CleanStage(MapStage):
    """Marks per-site repeated lines and applies all removals (page rules + site lines) to the text."""

    name = "clean"
    version = "1"

    def __init__(self, config: CleanConfig, index: dict[str, list[str]]):
        super().__init__(config)
        self.index = {site: frozenset(hashes) for site, hashes in index.items()}
        blob = json.dumps(index, sort_keys=True).encode()
        self.index_hash = hashlib.blake2b(blob, digest_size=8).hexdigest()

    def worker_key(self) -> str:
        # Not in the fingerprint: each task is named by the part of the index its shard depends on (SiteLines).
        return f"{self.fingerprint()}|{self.index_hash}"

    def process(self, rows):
        documents, rejects = [], []
        for row in rows:
            removals = list(row.get("removals") or [])
            repeated = self.index.get(row.get("site") or "", frozenset())
            if repeated:
                removals += [{"start": ln.start, "end": ln.end, "text": ln.text, "rule": "site-repeat"}
                             for ln in unmarked_lines(row["text"], removals) if line_key(ln.text) in repeated]
                removals.sort(key=lambda r: (r["start"], r["end"]))
            row["removals"] = removals
            if not self.config.keep_boilerplate and removals:
                text, links = remove_spans(row["text"], [(r["start"], r["end"]) for r in removals], row.get("links") or [])
                if not text.strip():
                    rejects.append({"origin": row["origin"], "url": row.get("url"), "stage": "clean", "reason": "all-boilerplate",
                                    "detail": f"every line was boilerplate ({len(removals)} removals); see clean.* in the config"})
                    continue
                row["text"], row["links"], row["text_hash"] = text, links, text_hash(text)
            documents.append(row)
        return documents, rejects
