"""Per-site repeated lines (map -> reduce -> map; a keyed step in builder/clean/site_index.py), and
the stage that applies every removal.

map:    per document, the hashes of its normalised lines not already marked by the page rules
reduce: per site, in how many distinct texts each line occurs; lines on >= site_min_fraction of the
        site's texts and >= site_min_count of them form a small index (site -> line hashes)
map:    mark those lines as `site-repeat`, then cut every removal from the text (unless
        keep_boilerplate), remap link offsets and recompute the text hash

Counting is per site and per distinct story: a wire story reprinted by ten outlets is counted once on
each site (content, left to dedup), and copies of one story on one site, exact or lightly edited, count
once: a document joins the story of an earlier document of its site when at least half of its running-text
paragraphs are among that story's (its story keys). Counted once per copy, the lines of three edited copies
of one story among five pages would be "on most pages of the site" and cut from every copy.

Lines of running text (a paragraph of several lines and 25+ words, or a line of 40+ words) are never chrome:
they are neither counted nor removed. Chrome is short; a hard-wrapped paragraph of a plain-text article
is not.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import pyarrow as pa

from builder.clean.config import CleanConfig
from builder.clean.edits import remove_spans
from builder.clean.rules import is_paragraph, split_lines
from builder.hashing import stable_hash
from builder.ingest.extract import text_hash
from builder.rejects import reject_row
from builder.stage import MapStage

KEY_COLUMNS = ["site", "text", "text_hash", "removals"]
KEYS_SCHEMA = pa.schema([("site", pa.string()), ("text_hash", pa.string()), ("lines", pa.list_(pa.string())),
                         ("repeated", pa.list_(pa.string())), ("story", pa.list_(pa.string()))])
RUNNING_BLOCK_WORDS = 25  # a paragraph of several lines with this many words is running text
RUNNING_LINE_WORDS = 40  # ... and so is a single line this long
SAME_STORY_SHARE = 0.5


def line_key(line: str) -> str:
    """Lines differing only in case or spacing are the same line. Numbers count: lines that differ by
    a figure are usually content (scores, prices), and page rules handle dated chrome."""
    return stable_hash(" ".join(line.lower().split()), 8)


def unmarked_lines(text: str, removals: list[dict]):
    """The lines that may be site chrome: not marked by another rule, not part of running text."""
    marked = {r["start"] for r in removals} | running_text_starts(text)
    return [ln for ln in split_lines(text) if ln.start not in marked]


def _blocks(text: str):
    """(start offset of each line, joined text) of each paragraph: lines between blank lines."""
    block: list = []
    for line in split_lines(text) + [None]:
        if block and (line is None or text.count("\n", block[-1].end, line.start) > 1):
            yield [ln.start for ln in block], " ".join(ln.text for ln in block)
            block = []
        if line is not None:
            block.append(line)


def running_text_starts(text: str) -> set[int]:
    """Start offsets of the lines that belong to running text (see the module docstring)."""
    starts: set[int] = set()
    for lines, joined in _blocks(text):
        n_words = len(joined.split())
        if n_words >= RUNNING_LINE_WORDS or (len(lines) > 1 and n_words >= RUNNING_BLOCK_WORDS):
            starts.update(lines)
    return starts


def story_keys(text: str) -> list[str]:
    """Keys of the page's prose paragraphs (12+ words ending like a sentence): what identifies its story."""
    return sorted({line_key(joined) for _, joined in _blocks(text) if is_paragraph(joined)})


def keys_name() -> str:
    """The name of the keys files (Shard.keys). The keys and the clean stage's lookups share
    line_key: the name carries the clean stage's version, so a new version makes the keys again."""
    return f"site-keys-{CleanStage.name}{CleanStage.version}"


def keys_table(docs) -> pa.Table:
    """map, for a shard: per document with a site, its site, text hash, line keys and story keys for the index,
    with the keys of its lines that recur inside the page beside them. Lines repeated inside the page itself
    ('Pros' / 'Cons' per reviewed product) are the article's own template, not site chrome (which shows once
    per page), so the index does not count them; they are cut when the site repeats them. The page-rules
    stage gives these as its shard's reduce keys (BoilerplateStage.keys)."""
    rows = []
    for doc in docs:
        if doc.get("site"):
            counts = line_counts(doc)
            rows.append({"site": doc["site"], "text_hash": doc["text_hash"], "lines": sorted(k for k, n in counts.items() if n == 1),
                         "repeated": sorted(k for k, n in counts.items() if n > 1), "story": story_keys(doc["text"])})
    return pa.Table.from_pylist(rows, schema=KEYS_SCHEMA)


def index_keys(table: pa.Table):
    """The (site, text hash, line keys, story keys) of each document of a keys table: what build_index counts."""
    columns = table.select(["site", "text_hash", "lines", "story"]).to_pydict()
    return zip(columns["site"], columns["text_hash"], columns["lines"], columns["story"])


def line_counts(doc: dict) -> Counter:
    """How often each line key occurs among the lines of the text that no removal covers."""
    return Counter(line_key(ln.text) for ln in unmarked_lines(doc["text"], doc["removals"] or []))


def build_index(keys, cfg: CleanConfig) -> dict[str, list[str]]:
    """reduce: site -> sorted hashes of lines that recur on enough of that site's distinct stories.

    Documents come in a stable order; each joins the first earlier story of its site that holds at least
    SAME_STORY_SHARE of its story keys, or starts a story. A line counts once per story."""
    seen: set[tuple[str, str]] = set()
    stories: Counter = Counter()  # site -> number of stories
    story_of_key: dict[str, dict[str, int]] = defaultdict(dict)  # site -> story key -> story number
    counted: dict[str, set] = defaultdict(set)  # site -> (story, line) pairs already counted
    counts: dict[str, Counter] = defaultdict(Counter)
    for item in keys:
        if item is None or (item[0], item[1]) in seen:
            continue
        site, digest, lines, story = item
        seen.add((site, digest))
        owners = Counter(story_of_key[site][k] for k in story if k in story_of_key[site])
        number, shared = min(owners.items(), key=lambda o: (-o[1], o[0])) if owners else (None, 0)
        if number is None or shared < SAME_STORY_SHARE * len(story):
            number = stories[site]
            stories[site] += 1
        for k in story:
            story_of_key[site].setdefault(k, number)
        new = [line for line in lines if (number, line) not in counted[site]]
        counted[site].update((number, line) for line in new)
        counts[site].update(new)
    index = {}
    for site, counter in counts.items():
        need = max(cfg.site_min_count, cfg.site_min_fraction * stories[site])
        repeated = sorted(h for h, n in counter.items() if n >= need)
        if repeated:
            index[site] = repeated
    return index


class CleanStage(MapStage):
    """Marks per-site repeated lines and applies all removals (page rules + site lines) to the text."""

    name = "clean"
    version = "2"  # 2: stories, not texts, are counted, and running text is never site chrome

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
                    rejects.append(reject_row("clean", row["origin"], "all-boilerplate", f"every line was boilerplate "
                                              f"({len(removals)} removals); see clean.* in the config", row.get("url")))
                    continue
                row["text"], row["links"], row["text_hash"] = text, links, text_hash(text)
            documents.append(row)
        return documents, rejects
