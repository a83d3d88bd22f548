"""The output folder of `newscorpus build` (layout: builder/layout.py): Parquet tables plus a README
that `load_dataset` reads.

  documents        all documents, sorted by id, dedup flags included (the default config)
  rejects          every input that did not become a document, and why
  corpus_entities  canonical name, label, mention and document counts (when any; removed when the
                   entity layer is off)

A table with no rows (no rejects, a build of 0 documents) is a file with its schema and no row group.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import yaml

from builder.annotate.entity_table import CORPUS_ENTITY_SCHEMA, EntityCounter
from builder.release.merge import merged_groups
from builder.layout import BUILD_SUMMARY, README, table_folder, table_path
from builder.records import DOCUMENT_SCHEMA, REJECT_SCHEMA
from builder.release.build_features import build_features
from builder.release.parquet import ROW_GROUP_SIZE, ParquetSink, write_parquet, yaml_features


EMPTY_TABLES_NOTE = (
    "Empty tables: {configs} have no rows in this {where} (nothing of that kind was found, or its layer was off). "
    "Each is still declared, with a `train` file that holds its typed schema and no rows: polars, DuckDB, pandas "
    "and `load_dataset(..., streaming=True)` open it as an empty table. `datasets` 5.2 cannot materialise a "
    "0-row split: without `streaming=True` it raises `Instruction \"train\" corresponds to no data`.")


def _stage_order(stage: str) -> tuple:
    order = ["ingest", "extract", "clean", "language", "dedup", "annotate"]
    return (order.index(stage) if stage in order else len(order), stage)


def readme_header(counts: dict[str, dict[str, tuple[int, int]]], pretty_name: str, extra: dict | None = None,
                  features: dict | None = None, version: str | None = None) -> str:
    """YAML front matter: one config per table with its splits, and dataset_info from the Features.

    `features` (config -> datasets.Features) defaults to the build tables' (build_features.json); `version`
    becomes `ds.info.version` of every config.
    """
    configs, infos = [], []
    for name, splits in counts.items():
        config = {"config_name": name, "data_files": [{"split": s, "path": table_path(name, s)} for s in splits]}
        if name == "documents":
            config["default"] = True
        if version:
            config["version"] = version
        configs.append(config)
        infos.append({
            "config_name": name,
            "features": yaml_features(features[name]) if features else build_features(name)["yaml"],
            "splits": [{"name": s, "num_bytes": b, "num_examples": n} for s, (n, b) in splits.items()],
        })
    header = {"pretty_name": pretty_name, **(extra or {}), "configs": configs, "dataset_info": infos}
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n"


def write_build_output(shard_paths: list[Path], rejects: list[dict], out: Path, pretty_name: str,
                       spill_dir: Path | None = None) -> dict:
    """`spill_dir`: where a corpus too large to sort in memory is spilled (see merged_groups)."""
    out.mkdir(parents=True, exist_ok=True)
    languages: Counter = Counter()
    canonical = 0
    entities = EntityCounter()
    sink = ParquetSink(DOCUMENT_SCHEMA, out / table_path("documents"), build_features("documents")["embedded"])
    try:
        for group in merged_groups(shard_paths, ROW_GROUP_SIZE, spill_dir):  # Arrow all the way: no Python rows of text
            languages.update(group.column("language").to_pylist())
            canonical += pc.sum(group.column("is_canonical")).as_py() or 0
            for row in group.select(["is_canonical", "entities"]).to_pylist():
                entities.add(row)
            sink.add_group(group)
    except BaseException:
        sink.abort()
        raise
    n_docs, doc_bytes = sink.close()
    rejects = sorted(rejects, key=lambda r: (r["origin"], r["stage"], r["reason"]))
    _, reject_bytes = write_parquet(rejects, REJECT_SCHEMA, out / table_path("rejects"), build_features("rejects")["embedded"])
    summary = {
        "documents": n_docs,
        "canonical_documents": canonical,
        "rejected": len(rejects),
        "rejects_by_reason": dict(sorted(Counter(r["reason"] for r in rejects).items())),
        # "ingest": inputs that gave no page (files, lines, records); every other stage rejected a page it read
        "rejects_by_stage": dict(sorted(Counter(r["stage"] for r in rejects).items(), key=lambda kv: _stage_order(kv[0]))),
        "languages": dict(sorted(languages.items())),
    }
    counts = {"documents": {"train": (n_docs, doc_bytes)}, "rejects": {"train": (len(rejects), reject_bytes)}}
    entity_rows = entities.rows()
    if entity_rows:
        counts["corpus_entities"] = {"train": write_parquet(entity_rows, CORPUS_ENTITY_SCHEMA, out / table_path("corpus_entities"),
                                                            build_features("corpus_entities")["embedded"])}
    else:  # the entity layer is off (or found nothing): a table of an earlier build must not linger undeclared
        shutil.rmtree(table_folder(out, "corpus_entities"), ignore_errors=True)
    summary["corpus_entities"] = len(entity_rows)
    header = readme_header(counts, pretty_name)
    body = (
        f"\n# {pretty_name} (build output)\n\nA working build of newscorpus: {n_docs} documents "
        f"({canonical} canonical, the rest flagged duplicates) and {len(rejects)} rejected inputs.\n"
        "Load it with `datasets.load_dataset(\"<this folder>\")`; the `rejects` config lists what was "
        "left out and why. Cut a versioned release with `newscorpus release X.Y.Z`.\n"
    )
    empty = [name for name, splits in counts.items() if splits["train"][0] == 0]
    if empty:
        body += "\n" + EMPTY_TABLES_NOTE.format(configs=", ".join(f"`{c}`" for c in empty), where="build") + "\n"
    (out / README).write_text(header + body, encoding="utf-8")
    (out / BUILD_SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary
