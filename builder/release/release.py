"""`newscorpus release X.Y.Z`: the build output -> releases/X.Y.Z/, written in a staging folder that is
renamed into place at the end, so a killed release leaves no half-written version behind.

  README.md       YAML header (configs, dataset_info from the Features) + card from dataset_card.md
  MANIFEST.json   files with sha256, content digests, schemas, fingerprints, versions, statistics
  CHANGELOG.md    what changed since the parent (the latest smaller version already released)
  croissant.json  the same tables in Croissant 1.1 (record sets, files with sha256), for tools beyond the Hub
  data/<config>/<split>-00000-of-00001.parquet   configs documents, entities, claims, sources
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq

from builder.atomic import make_staging_folder
from builder.lock import work_lock
from builder.errors import UserError
from builder.release import card, croissant
from builder.layout import BUILD_SUMMARY, README, build_documents, table_files, table_folder, table_path
from builder.release.build_output import readme_header
from builder.release.diff import diff_releases, format_diff
from builder.labels import class_label_names
from builder.release.manifest import ContentDigest, schema_signature, sha256_file, write_manifest
from builder.release.tools import differences_line, tool_differences, tool_versions
from builder.release.parquet import ROW_GROUP_SIZE, WRITER_OPTIONS, ParquetSink
from builder.release.splits import SPLITS, document_split
from builder.release.reviewed import ReleaseDecisions
from builder.release.stats import ReleaseStats
from builder.release.tables import CONFIGS, SCHEMAS, encode_labels, flat_rows, release_features

_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


@dataclass
class ReleaseResult:
    folder: Path
    parent: str | None
    stats: ReleaseStats
    staging_removed: int = 0  # unfinished staging folders of a killed earlier release, cleaned up
    warnings: list[str] = field(default_factory=list)  # about the decision logs (an unfinished last line)


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.fullmatch(text)
    return tuple(int(part) for part in match.groups()) if match else None


def released_versions(releases_dir: Path) -> list[str]:
    if not releases_dir.is_dir():
        return []
    names = [p.name for p in releases_dir.iterdir() if p.is_dir() and parse_version(p.name)]
    return sorted(names, key=parse_version)


def config_fingerprint(config) -> str:
    """Hash of every setting that shapes the data; `build` (paths, workers, shard size) does not."""
    data = config.model_dump(mode="json", exclude={"build", "root"})
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _iter_documents(files: list[Path], decisions: ReleaseDecisions | None = None, collect: bool = False
                    ) -> Iterator[dict]:
    """Build documents, with the annotators' decisions merged over the machine layers (the human wins);
    `collect` gathers what did not apply into `decisions.flags` (once per release, not once per pass)."""
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_SIZE):
            for doc in batch.to_pylist():
                yield decisions.apply(doc, collect) if decisions is not None else doc


def human_decisions(config, files: list[Path]) -> ReleaseDecisions:
    """The project's decision logs (annotations/decisions/*.jsonl), each on the document the release holds."""
    return ReleaseDecisions.load(config.path("annotations"), files, config.release.keep_duplicates)


def _rejects(build_dir: Path) -> Counter:
    files = table_files(build_dir, "rejects")
    return Counter(r for f in files for r in pq.read_table(f, columns=["reason"]).column("reason").to_pylist())


class _Plan:
    """First pass over the build: which documents go where, the statistics, the input fingerprint."""

    def __init__(self, files: list[Path], config, label_ids: dict[str, int]):
        self.decisions = human_decisions(config, files)
        self.warnings = self.decisions.warnings
        self.ratios = config.release.splits.model_dump()
        self.keep_duplicates = config.release.keep_duplicates
        self.stats = ReleaseStats()
        raw_hashes, unknown = [], set()
        for doc in _iter_documents(files, self.decisions, collect=True):
            raw_hashes.append(doc["raw_hash"])
            unknown.update(e["label"] for e in doc["entities"] if e["label"] not in label_ids)
            if self.keeps(doc):
                self.stats.add_released(doc, document_split(doc, self.ratios))
            else:
                self.stats.add_dropped_duplicate(doc)
        if unknown:
            raise UserError(f"entity labels not in the label set: {', '.join(sorted(unknown))}. "
                            "Add them to annotations/labels.* (or fix the annotator) and release again.")
        raw_hashes.sort()
        self.inputs = {"documents": len(raw_hashes),
                       "raw_hash_digest": hashlib.sha256("\n".join(raw_hashes).encode()).hexdigest()}

    def keeps(self, doc: dict) -> bool:
        return self.keep_duplicates or doc["is_canonical"]


def _write_tables(staging: Path, files: list[Path], plan: _Plan, label_ids: dict, features: dict):
    """One pass over the build: each kept document goes to its split's file of every config."""
    entries, counts = [], {name: {} for name in CONFIGS}
    digests = {name: ContentDigest() for name in CONFIGS}
    sinks = {(config, split): ParquetSink(SCHEMAS[config], staging / table_path(config, split), features[config])
             for config in CONFIGS for split in SPLITS}
    try:
        for doc in _iter_documents(files, plan.decisions):
            if not plan.keeps(doc):
                continue
            split = document_split(doc, plan.ratios)
            doc = encode_labels(doc, label_ids)
            for config in CONFIGS:
                for row in [doc] if config == "documents" else flat_rows(doc, config):
                    digests[config].add((row.get("doc_id", row["id"]), row["id"]), row)
                    sinks[config, split].add(row)
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    closed = {key: sink.close() for key, sink in sinks.items()}
    for (config, split), (n, nbytes) in closed.items():
        path = table_path(config, split)
        if n == 0:  # a 0-row split does not load in datasets: not declared, no file (see empty_tables_note)
            (staging / path).unlink()
            continue
        counts[config][split] = (n, nbytes)
        entries.append({"path": path, "config": config, "split": split, "rows": n,
                        "bytes": (staging / path).stat().st_size, "sha256": sha256_file(staging / path)})
    for config in CONFIGS:
        if not counts[config]:
            table_folder(staging, config).rmdir()  # emptied above: a table with no rows leaves nothing behind
    tables = {name: {"rows": sum(n for n, _ in counts[name].values()), "content_digest": digests[name].hexdigest()}
              for name in CONFIGS}
    return entries, counts, tables


def _text_entry(staging: Path, name: str, text: str) -> dict:
    (staging / name).write_text(text, encoding="utf-8")
    return {"path": name, "config": None, "split": None, "rows": None,
            "bytes": (staging / name).stat().st_size, "sha256": sha256_file(staging / name)}


def make_release(config, version: str, build_dir: Path | None = None, releases_dir: Path | None = None) -> ReleaseResult:
    if parse_version(version) is None:
        raise UserError(f"'{version}' is not a version: use MAJOR.MINOR.PATCH, e.g. 1.0.0.")
    build_dir = build_dir or config.path(config.build.output)
    releases_dir = releases_dir or config.path(config.release.output)
    if (releases_dir / version).exists():
        raise UserError(f"release {version} already exists in {releases_dir}; choose a new version number.")
    files = build_documents(build_dir)
    smaller = [v for v in released_versions(releases_dir) if parse_version(v) < parse_version(version)]
    parent = smaller[-1] if smaller else None
    labels = class_label_names(config.path("annotations"))
    label_ids = {name: i for i, name in enumerate(labels)}
    features = release_features(labels)
    plan = _Plan(files, config, label_ids)
    if not plan.stats.splits:
        raise UserError(f"nothing to release: the build at {build_dir} has no documents. Its `rejects` table says "
                        "why each input was left out (`newscorpus report` draws it); fix the inputs and build again.")

    releases_dir.mkdir(parents=True, exist_ok=True)
    with work_lock(config.path(config.build.work_dir), f"a release of {version}"):
        removed = _remove_stale_staging(releases_dir)
        result = _release(config, version, build_dir, releases_dir, files, parent, labels, label_ids, features, plan)
        result.staging_removed = removed
        result.warnings += plan.decisions.report(config.path(config.build.work_dir))
        return result


def _remove_stale_staging(releases_dir: Path) -> int:
    """A killed release leaves only its hidden staging folder (never a half release): remove those."""
    stale = [p for p in releases_dir.glob(".*.staging-*") if p.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


def _release(config, version, build_dir, releases_dir, files, parent, labels, label_ids, features, plan) -> ReleaseResult:
    staging = make_staging_folder(releases_dir, f".{version}.staging-")
    try:
        entries, counts, tables = _write_tables(staging, files, plan, label_ids, features)
        manifest = {
            "version": version, "parent": parent, "name": config.name, "pretty_name": config.release.pretty_name,
            "tables": tables, "schemas": {name: schema_signature(SCHEMAS[name]) for name in CONFIGS},
            "entity_labels": labels,
            "splits": {"ratios": plan.ratios, "assigned_by": "blake2b of the dedup cluster id",
                       "keep_duplicates": plan.keep_duplicates},
            "config_fingerprint": config_fingerprint(config), "inputs": plan.inputs,
            **_tools(build_dir, config, plan.warnings), "writer": {**WRITER_OPTIONS, "row_group_size": ROW_GROUP_SIZE},
            "stats": plan.stats.as_dict(), "files": entries,
        }
        write_manifest(staging, manifest)  # data files only: lets the diff below read this release
        changelog = _changelog(version, parent, releases_dir, staging, plan.stats)
        readme = _readme(config, version, parent, plan.stats, counts, features, labels, _rejects(build_dir))
        metadata = croissant.render(croissant.croissant(
            manifest, features, card.column_descriptions(features), description=config.release.description,
            license=config.release.license, citation=config.release.citation))
        manifest["files"] = sorted(entries + [_text_entry(staging, "CHANGELOG.md", changelog),
                                              _text_entry(staging, README, readme),
                                              _text_entry(staging, croissant.FILE, metadata)], key=lambda e: e["path"])
        write_manifest(staging, manifest)
        os.rename(staging, releases_dir / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ReleaseResult(releases_dir / version, parent, plan.stats, warnings=plan.warnings)


def _tools(build_dir: Path, config, warnings: list[str]) -> dict:
    """The manifest's `tools`: the versions the build ran with (build.json), which shaped the documents. Where
    this environment differs, a warning and `tools_at_release` (the differing entries, as [at build, now])."""
    now = tool_versions(config.annotate)
    summary = build_dir / BUILD_SUMMARY
    recorded = json.loads(summary.read_text(encoding="utf-8")).get("tools") if summary.is_file() else None
    if not recorded:
        warnings.append(f"the build at {build_dir} records no tool versions (made by an older newscorpus): "
                        "MANIFEST.json records this environment's; build again to record the build's")
        return {"tools": now, "tools_recorded_at": "release"}
    differences = tool_differences(recorded, now)
    if not differences:
        return {"tools": recorded, "tools_recorded_at": "build"}
    warnings.append(f"this environment differs from the build's ({differences_line(differences)}): MANIFEST.json "
                    "records the build's in `tools` and both in `tools_at_release`; build again to release data "
                    "made with these versions")
    return {"tools": recorded, "tools_recorded_at": "build", "tools_at_release": differences}


def _changelog(version, parent, releases_dir, staging, stats) -> str:
    head = f"# Changelog\n\n## {version}\n\n"
    if parent is None:
        return head + f"First release: {sum(stats.splits.values())} documents.\n"
    return head + f"Compared with {parent}:\n\n" + format_diff(diff_releases(releases_dir / parent, staging), parent, version)


def _readme(config, version, parent, stats, counts, features, labels, rejects) -> str:
    release = config.release
    languages = sorted(code for code in stats.languages if code != "unknown")
    extra = {"license": release.license, **({"language": languages} if languages else {}),
             "size_categories": [card.size_category(sum(stats.splits.values()))], "tags": release.tags,
             **card.hub_fields(release, stats, languages)}
    header = readme_header(counts, release.pretty_name, extra, features, version)
    body = card.render_card(card.load_template(config), config=config, version=version, parent=parent, stats=stats,
                            counts=counts, features=features, labels=labels, rejects=rejects)
    return header + "\n" + body
