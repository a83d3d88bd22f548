"""The build: every step in order, on an engine. The CLI calls `build`; nothing here prints.
The engine runs and caches (builder/engine/); the stages are in their packages; this is the recipe.

  ingest   read inputs -> raw pages (file-level rejects straight away)
  extract  raw pages -> documents                               map, in workers
  clean    boilerplate rules and per-site repeated lines          map -> reduce -> map
  language langdetect, language filter                            (in the clean map's pass)
  dedup    exact, URL, near-duplicate clusters                     map -> reduce -> map
  annotate entities -> sources -> claims, each cached on its own  map steps, one parse per document
           (with no layer on, the span limit runs in dedup's last map)
  output   id-sorted Parquet + README for `datasets`
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from builder import remote
from builder import shards as shard_io
from builder.annotate.stage import annotation_stages
from builder.clean.boilerplate import BoilerplateStage
from builder.clean.site_index import KEYS_FOLDER, SiteLines
from builder.clean.stage import LanguageStage
from builder.config import ProjectConfig
from builder.dedup.clusters import DedupStep
from builder.engine.keyed import keyed_tasks
from builder.engine.local import LocalEngine, ShardEngine, Task
from builder.errors import UserError
from builder.ingest.scan import InputScan, batches
from builder.ingest.stage import ExtractStage
from builder.lock import work_lock
from builder.release.build_output import write_build_output
from builder.release.tools import tool_versions
from builder.stage import Chain


@dataclass
class BuildResult:
    output: Path | str  # a URL when the output is remote
    summary: dict
    pages_read: int = 0
    shards_reused: int = 0
    partial_files_removed: int = 0  # temp files of a killed earlier run, cleaned up before this one
    rejects: list[dict] = field(default_factory=list)


def _local(value: str | Path, config: ProjectConfig) -> str | Path:
    """A URL stays a URL; a config string is relative to the project folder; a Path is taken as given."""
    return value if isinstance(value, Path) or remote.is_url(value) else config.path(value)


def build(config: ProjectConfig, inputs: list[str | Path] | None = None, output: str | Path | None = None,
          workers: int | None = None, on_progress: Callable[[int, str], None] | None = None) -> BuildResult:
    """Build the dataset. Inputs and output are local paths or fsspec URLs (see remote.py)."""
    inputs = [_local(p, config) for p in (inputs if inputs is not None else config.build.inputs)]
    missing = [str(p) for p in inputs if not remote.is_url(p) and not Path(p).exists()]
    if missing:
        raise UserError(f"input not found: {', '.join(missing)}. Check build.inputs in newscorpus.toml or the paths you gave.")
    output = _local(output if output is not None else config.build.output, config)
    engine_type = LocalEngine
    if config.build.engine == "ray":
        from builder.engine.ray_engine import RayEngine as engine_type  # optional extra: imported only when chosen
    engine = engine_type(config.path(config.build.work_dir), workers or config.build.workers, on_progress)
    with work_lock(engine.work_dir, "a build"), engine:
        written = remote.local_output(output, engine.work_dir)
        if written != output:  # the staging folder of a remote output holds this build's files only
            shutil.rmtree(written, ignore_errors=True)
        removed = shard_io.remove_partial_writes(engine.work_dir) + shard_io.remove_partial_writes(written)
        mirrors, refused = {}, []  # refused: remote files not copied (outside the input, fetch failed)
        for url in filter(remote.is_url, inputs):
            mirrors[url], rejects = remote.mirror_input(url, engine.work_dir)
            refused.extend(rejects)
        result = _run(config, [mirrors.get(p, p) for p in inputs], written, engine, frozenset(mirrors.values()), refused)
        if remote.is_url(output):
            remote.upload_output(written, output)
            result.output = output
        result.partial_files_removed = removed
        return result


def _run(config: ProjectConfig, inputs: list[Path], output: Path, engine: ShardEngine, mirrors: frozenset[Path],
         file_rejects: list[dict]) -> BuildResult:
    """The steps over local inputs; `file_rejects` (remote files not copied) gets the scan's file-level rejects too."""
    scan = InputScan(inputs, config.ingest, Path(config.root) if config.root else None, engine.work_dir, mirrors)
    # a generator: extraction starts while the scan goes on, and pages wait in memory a batch at a time
    tasks = (Task(b.name, load=b.load, size=b.size) for b in batches(scan, config.build.shard_size, file_rejects))
    site_lines = SiteLines(config.clean, engine.work_dir / KEYS_FOLDER)
    dedup = DedupStep(config.dedup, engine.work_dir)

    # extract + page rules in one pass; the site-line keys of each shard made in it
    shards = engine.map(Chain(ExtractStage(config.ingest), BoilerplateStage(config.clean)), tasks, keyed=site_lines)
    # site lines: reduce, then cut every removal; language in the same pass (each shard read once fewer;
    # the price, in incremental builds only: where the clean step re-runs a shard, all its documents are
    # detected again, ~1 ms each); the dedup keys of each shard made in it
    clean, tasks = keyed_tasks(engine, site_lines, shards)
    shards = engine.map_steps([clean, LanguageStage(config.language)], tasks, keyed=dedup)
    # dedup: reduce (clusters), then the cluster fields; the annotation layers after them
    apply_clusters, tasks = keyed_tasks(engine, dedup, shards)
    annotate = annotation_stages(config.annotate)
    if len(annotate) > 1:
        # spaCy layers: a pass of their own, which reuses the rows that did not change (per_document); the
        # cluster fields cannot join it, as they change with other documents, not with the row.
        shards = engine.map_steps(annotate, [Task.of(s) for s in engine.map(apply_clusters, tasks)], per_document=True)
    else:  # the span limit alone: cheap, so it runs in the pass that writes the cluster fields
        shards = engine.map_steps([apply_clusters, *annotate], tasks)

    # output: the id-sorted merge of every shard, and every reject
    rejects = file_rejects + [row for path in engine.reject_files for row in shard_io.read_rows(path)]
    summary = write_build_output([s.path for s in shards], rejects, output, config.release.pretty_name,
                                 spill_dir=engine.work_dir / "merge", tools=tool_versions(config.annotate))
    return BuildResult(output, summary, scan.pages, engine.reused, rejects=rejects)
