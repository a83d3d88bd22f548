"""The output folder of `newscorpus build` (layout: builder/layout.py): Parquet tables plus a README
that `load_dataset` reads.

  documents        all documents, sorted by id, dedup flags included (the default config)
  rejects          every input that did not become a document, and why
  corpus_entities  canonical name, label, mention and document counts (when any; removed when the
                   entity layer is off)

A table with no rows (no rejects, a build of 0 documents) is a file with its schema and no row group,
which our own readers open, but not a config of the README: `datasets` 5.2 cannot load a 0-row split
(see empty_tables_note), and every config a build or release declares must load.
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


def empty_tables_note(configs: list[str], where: str) -> str:
    """What a config absent from the README means: the table has no rows. Said in the README of a build
    (whose typed 0-row files stay for other readers) and of a release (which holds no file for them)."""
    names, one = ", ".join(f"`{c}`" for c in configs), len(configs) == 1
    kept = (f"{'Its file is' if one else 'Their files are'} still in `data/`, with the typed schema and no rows, "
            "for polars, DuckDB and pandas." if where == "build" else
            f"The release holds no file for {'it' if one else 'them'}; MANIFEST.json counts the 0 rows.")
    return (f"Not declared: {names} {'has' if one else 'have'} no rows in this {where} (nothing of that kind was "
            "found, or its layer was off). `datasets` 5.2 cannot load a split of 0 rows (`Instruction \"train\" "
            "corresponds to no data`, whatever the README declares), so a table with no rows is not a config: "
            f"`load_dataset(..., \"{configs[0]}\")` says the config is not found, which means the table is empty. "
            f"{kept}")


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
    for name, splits in declared(counts).items():
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


def declared(counts: dict[str, dict[str, tuple[int, int]]]) -> dict[str, dict[str, tuple[int, int]]]:
    """The configs and splits that have rows: the only ones a README declares."""
    kept = {name: {s: c for s, c in splits.items() if c[0]} for name, splits in counts.items()}
    return {name: splits for name, splits in kept.items() if splits}


def empty_tables(counts: dict[str, dict[str, tuple[int, int]]]) -> list[str]:
    return [name for name in counts if name not in declared(counts)]


def write_build_output(shard_paths: list[Path], rejects: list[dict], out: Path, pretty_name: str,
                       spill_dir: Path | None = None, tools: dict | None = None) -> dict:
    """`spill_dir`: where a corpus too large to sort in memory is spilled (see merged_groups); `tools`: the
    versions of the libraries and models this build ran with (release.tools), kept in build.json."""
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
    # the tables with no rows: not configs of the README (see empty_tables_note)
    summary["empty_tables"] = empty_tables(counts)
    summary["tools"] = tools or {}
    (out / README).write_text(readme_header(counts, pretty_name) + _readme_body(pretty_name, summary), encoding="utf-8")
    (out / BUILD_SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary


def _readme_body(pretty_name: str, summary: dict) -> str:
    n_docs, rejected = summary["documents"], summary["rejected"]
    body = (f"\n# {pretty_name} (build output)\n\nA working build of newscorpus: {n_docs} documents "
            f"({summary['canonical_documents']} canonical, the rest flagged duplicates) and {rejected} rejected inputs.\n")
    if n_docs:
        body += "Load it with `datasets.load_dataset(\"<this folder>\")`"
        body += ("; the `rejects` config lists what was left out and why" if rejected else "") + ". "
    elif rejected:
        body += ("With no documents, `rejects` is its only config, so `datasets.load_dataset(\"<this folder>\")` "
                 "gives the rejected inputs and why. ")
    body += "Cut a versioned release with `newscorpus release X.Y.Z`.\n"
    if summary["empty_tables"]:
        body += "\n" + empty_tables_note(summary["empty_tables"], "build") + "\n"
    return body
