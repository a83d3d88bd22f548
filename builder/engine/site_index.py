"""The per-site repeated lines of builder/clean/site_lines.py, run so that a rebuild redoes little.

map     the line keys of each extracted shard (site_lines.keys_table), written beside the shard by the extract job
        (BoilerplateStage.keys), or here for a shard without them: a rebuild reads the keys of unchanged shards,
        not their text
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
from builder.clean.site_lines import KEY_COLUMNS, CleanStage, build_index, keys_name, keys_table
from builder.engine.local import Shard, ShardEngine, Task
from builder.shards import atomic_write_table, read_rows, read_table
from builder.hashing import stable_hash

KEYS_FOLDER = "site-keys"  # holds the memo of the clean tasks' names


def shard_keys(job: tuple[Path, Path]) -> Path:
    """map, for a shard without keys of the current name (deleted, or made by an older clean stage)."""
    shard, out = job
    atomic_write_table(keys_table(read_rows(shard, KEY_COLUMNS)), out, compression="zstd")
    return out


def _index(paths: list[Path], cfg: CleanConfig) -> dict[str, list[str]]:
    def keys():
        for path in paths:  # a shard at a time: memory holds the counts, not every key
            columns = read_table(path, ["site", "text_hash", "lines"]).to_pydict()
            yield from zip(columns["site"], columns["text_hash"], columns["lines"])

    return build_index(keys(), cfg)


def _relevant(path: Path, index: dict[str, frozenset]) -> tuple[dict[str, list[str]], set[str]]:
    """The repeated lines of its sites that occur in the shard's documents (all that its output depends
    on), and all its sites."""
    columns = read_table(path, ["site", "lines", "repeated"]).to_pydict()
    present: dict[str, set] = {}
    for site, lines, repeated in zip(columns["site"], columns["lines"], columns["repeated"]):
        if site in index:
            present.setdefault(site, set()).update(lines, repeated)
    found = {site: sorted(index[site] & lines) for site, lines in sorted(present.items())}
    return {site: lines for site, lines in found.items() if lines}, set(columns["site"])


def _task_names(shard_list: list[Shard], keys: list[Path], index: dict[str, list[str]], folder: Path) -> list[str]:
    """Each clean task's name: its shard and the relevant lines. A shard's keys are read again only when
    the index entry of one of its sites changed; the names and the entries they came from are kept."""
    memo = folder / "tasks.json"
    before = json.loads(memo.read_text(encoding="utf-8")) if memo.exists() else {}
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


class CleanBySite(CleanStage):
    """CleanStage with the whole index, whose tasks are named by the index lines their shard contains
    (so its output names leave the index out: see _task_names)."""

    def __init__(self, config: CleanConfig, index: dict[str, list[str]]):
        super().__init__(config, index)
        self._fingerprint = CleanStage(config, {}).fingerprint()

    def fingerprint(self) -> str:
        return self._fingerprint

    def worker_key(self) -> str:
        return f"{self._fingerprint}|{self.index_hash}"


def clean_tasks(shard_list: list[Shard], cfg: CleanConfig, engine: ShardEngine) -> tuple[CleanBySite, list[Task]]:
    """map (keys, cached per shard) -> reduce (index); returns the clean stage and its task per extracted
    shard, for the caller to run with engine.map_steps (the build adds the language stage to the pass)."""
    if not cfg.site_lines:
        return CleanBySite(cfg, {}), [Task.of(s) for s in shard_list]
    keys = [s.keys(keys_name()) for s in shard_list]
    engine.call(shard_keys, [(s.path, out) for s, out in zip(shard_list, keys) if not out.exists()])
    index = _index(keys, cfg)
    names = _task_names(shard_list, keys, index, engine.work_dir / KEYS_FOLDER)
    return CleanBySite(cfg, index), [Task.of(s, name) for s, name in zip(shard_list, names)]
