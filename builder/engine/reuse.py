"""Row-by-row reuse for per-document stages: when a task must run again, the rows whose input did not
change take their outputs from the task's previous run instead of being processed again.

Why: the shard is the unit of the cache, but a corpus-wide step can change a few documents in many shards
(new pages of a site change that site's repeated lines, hence the cleaned text of the site's other pages).
Those shards run again; their other documents need not. A stage is per-document when each output row
depends only on its own input row and the stage's config (each annotation layer, where reuse saves a
spaCy parse per document): a row whose input equals the previous run's has the same outputs.

The previous run is found by lineage: every shard descends from one batch of raw pages, and for each run of
per-document stages (the fingerprints of all of them) `lineage-<hash>.json` in the first stage's work folder
names the input the first stage last ran on, per lineage; the input of each later stage is named from it.
Inputs are compared by a digest of each row; outputs are taken by origin (unique in a corpus). Every file of
a donor is checked against its record first (shards.check_record).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from builder import shards
from builder.atomic import write_text
from builder.workstate import is_str_list, is_str_map, read_json


@dataclass(frozen=True)
class Donor:
    """The previous run of a task: its input shard and the output shards of the stages it ran."""

    input: Path
    outputs: list  # list[Shard], one per stage, in order


def row_digest(row: dict) -> bytes:
    blob = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(blob, digest_size=16).digest()


def split(rows: list[dict], donor: Donor) -> tuple[list[dict], list[tuple[list, list]]]:
    """(rows that must run, per stage the documents and rejects the donor already holds for the others)."""
    before = {row_digest(row) for row in shards.read_rows(donor.input)}
    same = {row["origin"] for row in rows if row_digest(row) in before}
    todo = [row for row in rows if row["origin"] not in same]
    if not same:
        return todo, [([], []) for _ in donor.outputs]
    kept = [([d for d in shards.read_rows(out.path) if d["origin"] in same],
             [r for r in shards.read_rows(out.rejects) if r["origin"] in same]) for out in donor.outputs]
    return todo, kept


def _is_memo(value) -> bool:
    """lineage -> [fingerprint, path inside the work folder]."""
    return is_str_map(value, lambda v: is_str_list(v, 2) and ".." not in Path(v[1]).parts and not Path(v[1]).is_absolute())


class LineageMemo:
    """lineage -> (fingerprint, path) of the input the stages last ran on (for one set of stage fingerprints)."""

    def __init__(self, work_dir: Path, name: str, fingerprint: str):
        self.work_dir = Path(work_dir)
        self.path = self.work_dir / name / f"lineage-{fingerprint}.json"
        self.known: dict[str, list[str]] = read_json(self.path, _is_memo) or {}  # damaged: no row reuse
        self.seen: dict[str, list[str]] = {}

    def previous(self, lineage: str) -> tuple[str, Path] | None:
        found = self.known.get(lineage)
        return (found[0], self.work_dir / found[1]) if found else None

    def record(self, lineage: str, fingerprint: str, path: Path) -> None:
        self.seen[lineage] = [fingerprint, Path(path).relative_to(self.work_dir).as_posix()]

    def save(self) -> None:
        """Keeps this build's lineages only: a lineage whose pages left the inputs has nothing to give."""
        if self.seen != self.known:
            write_text(self.path, json.dumps(self.seen, sort_keys=True))
