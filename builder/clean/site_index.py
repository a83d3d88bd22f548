"""The per-site repeated lines of builder/clean/site_lines.py as a keyed step, so that a rebuild redoes little.

map     the line keys of each extracted shard (site_lines.keys_table), written beside the shard by the extract
        job, or from the shard when they are missing: a rebuild reads the keys of unchanged shards, not their text
reduce  build_index over the keys of every shard, in the main process, a shard at a time
map     CleanStage per shard (the build runs the language stage in the same pass), each task
        named by the repeated lines of its sites that occur in its documents (all that its output
        depends on): new pages change the repeated lines of their own sites only, and a shard none of
        whose documents holds a line that changed is reused, with everything after it
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.atomic import write_text
from builder.clean.config import CleanConfig
from builder.clean.site_lines import KEY_COLUMNS, CleanStage, build_index, index_keys, keys_name, keys_table
from builder.shards import atomic_write_table, read_state
from builder.stage import Call, KeyedStep, Shard
from builder.hashing import stable_hash
from builder.workstate import is_str_map, read_json

KEYS_FOLDER = "site-keys"  # in the work folder: holds the memo of the clean tasks' names


def _index(paths: list[Path], cfg: CleanConfig) -> dict[str, list[str]]:
    def keys():
        for path in paths:  # a shard at a time: memory holds the counts, not every key
            yield from index_keys(read_state(path, ["site", "text_hash", "lines", "story"]))

    return build_index(keys(), cfg)


def _relevant(path: Path, index: dict[str, frozenset]) -> tuple[dict[str, list[str]], set[str]]:
    """The repeated lines of its sites that occur in the shard's documents (all that its output depends
    on), and all its sites."""
    columns = read_state(path, ["site", "lines", "repeated"]).to_pydict()
    present: dict[str, set] = {}
    for site, lines, repeated in zip(columns["site"], columns["lines"], columns["repeated"]):
        if site in index:
            present.setdefault(site, set()).update(lines, repeated)
    found = {site: sorted(index[site] & lines) for site, lines in sorted(present.items())}
    return {site: lines for site, lines in found.items() if lines}, set(columns["site"])


def _is_memo(value) -> bool:
    """keys file -> [task name, {site: index entry}]."""
    return is_str_map(value, lambda v: isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
                      and is_str_map(v[1], lambda e: e is None or isinstance(e, str)))


def _task_names(shard_list: list[Shard], keys: list[Path], index: dict[str, list[str]], folder: Path) -> list[str]:
    """Each clean task's name: its shard and the relevant lines. A shard's keys are read again only when
    the index entry of one of its sites changed; the names and the entries they came from are kept."""
    memo = folder / "tasks.json"
    before = read_json(memo, _is_memo) or {}  # damaged: every name made from the keys again
    entries = {site: stable_hash("\n".join(lines), 8) for site, lines in index.items()}
    sets = {site: frozenset(lines) for site, lines in index.items()}
    now, names = {}, []
    for shard, path in zip(shard_list, keys):
        name, sites = before.get(path.name, (None, {}))
        if name is None or any(entries.get(site) != entry for site, entry in sites.items()):
            relevant, every_site = _relevant(path, sets)
            name = stable_hash(f"{shard.fingerprint}|{json.dumps(relevant)}", 12)
            sites = {site: entries.get(site) for site in sorted(every_site)}
        now[path.name] = [name, sites]
        names.append(name)
    if now != before:
        write_text(memo, json.dumps(now, sort_keys=True))
    return names


class SiteLines(KeyedStep):
    """keys: line hashes per site of each shard; reduce: site -> repeated lines; slice: the repeated lines
    of its sites that occur in a shard's documents; apply: CleanStage (the build adds the language stage
    to its pass). With clean.site_lines off the index is empty and every slice the shard alone; the keys
    are written all the same, as the setting is not in the pass's fingerprint (0.3 ms a document)."""

    name = "site-lines"
    key_columns = KEY_COLUMNS

    def keys_ready(self, shard: Shard) -> bool:
        return not self.config.site_lines or shard.keys(keys_name()).exists()

    def write_keys(self, rows, shard: Shard) -> None:
        atomic_write_table(keys_table(rows), shard.keys(keys_name()), compression="zstd")

    def reduce(self, shards: list[Shard], call: Call) -> dict[str, list[str]]:
        return _index([s.keys(keys_name()) for s in shards], self.config) if self.config.site_lines else {}

    def slice_names(self, index: dict[str, list[str]], shards: list[Shard]) -> list[str]:
        if not self.config.site_lines:
            return [s.fingerprint for s in shards]
        return _task_names(shards, [s.keys(keys_name()) for s in shards], index, self.folder)

    def apply(self, index: dict[str, list[str]]) -> CleanStage:
        return CleanStage(self.config, index)
