"""`newscorpus verify DIR`: a release checked against its MANIFEST.json, and the manifest against the data.

Checking each file's sha256 only proves the files match the manifest, and a manifest can be rewritten to
match swapped files. So verify also recomputes what the data says about itself and compares it with the
manifest and across tables:

  files      size, sha256, rows and schema of every listed file; no file missing, none unlisted
  tables     rows and content digest of each table, recomputed from its rows
  splits     every document in the split its cluster hashes to (a swapped or renamed split shows)
  layers     the flat tables hold as many rows per split as the documents' nested annotations
  README     the configs and num_examples the README declares are the manifest's files and rows
  --expect   the manifest's own sha256 is the one the user pinned (catches a consistent rewrite)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from builder.layout import README
from builder.release.manifest import (MANIFEST, ContentDigest, manifest_sha256, read_manifest, schema_signature,
                                      sha256_file)
from builder.release.splits import document_split
from builder.release.tables import CONFIGS, FLAT_TABLES


def verify_release(folder: Path, expect_sha256: str | None = None) -> list[str]:
    """Every problem found, one line each; an empty list means the release is intact."""
    manifest = read_manifest(folder)
    problems = []
    if expect_sha256 and manifest_sha256(folder) != expect_sha256.lower():
        problems.append(f"{MANIFEST}: sha256 {manifest_sha256(folder)} is not the expected {expect_sha256}"
                        " (the manifest was changed since you pinned it)")
    readable = []
    for entry in manifest["files"]:
        found = _check_file(folder, entry, manifest["schemas"])
        problems += found
        if entry["config"] and not any("not readable" in p or "missing" in p for p in found):
            readable.append(entry)
    listed = {entry["path"] for entry in manifest["files"]} | {MANIFEST}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative not in listed:
            problems.append(f"{relative}: not listed in the manifest")
    problems += _check_tables(folder, manifest, readable)
    problems += _check_readme(folder, manifest)
    return problems


def _check_file(folder: Path, entry: dict, schemas: dict) -> list[str]:
    path = folder / entry["path"]
    if not path.is_file():
        return [f"{entry['path']}: missing"]
    problems = []
    if path.stat().st_size != entry["bytes"]:
        problems.append(f"{entry['path']}: size {path.stat().st_size} bytes, manifest says {entry['bytes']}")
    if sha256_file(path) != entry["sha256"]:
        problems.append(f"{entry['path']}: sha256 differs from the manifest (file changed or corrupted)")
    if not entry["path"].endswith(".parquet"):
        return problems
    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except Exception as exc:  # any damage pyarrow reports is a finding, not a crash
        return problems + [f"{entry['path']}: not readable as Parquet ({exc})"]
    if meta.num_rows != entry["rows"]:
        problems.append(f"{entry['path']}: {meta.num_rows} rows, manifest says {entry['rows']}")
    if schema_signature(schema) != schemas.get(entry["config"]):
        problems.append(f"{entry['path']}: schema differs from the manifest's schema for '{entry['config']}'")
    return problems


class _Recount:
    """What the rows of the release say: rows and digest per table, nested and flat spans per split."""

    def __init__(self, ratios: dict[str, float]):
        self.ratios = ratios
        self.rows: Counter = Counter()
        self.digests = {name: ContentDigest() for name in CONFIGS}
        self.nested: Counter = Counter()  # (layer, split) -> spans inside documents
        self.flat: Counter = Counter()    # (layer, split) -> rows of the flat table
        self.misplaced: Counter = Counter()  # split file -> documents whose cluster hashes elsewhere
        self.documents: Counter = Counter()  # split -> documents

    def add_file(self, path: Path, config: str, split: str) -> None:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
            for row in batch.to_pylist():
                self.rows[config] += 1
                self.digests[config].add((row.get("doc_id", row["id"]), row["id"]), row)
                if config != "documents":
                    self.flat[config, split] += 1
                    continue
                self.documents[split] += 1
                if document_split(row, self.ratios) != split:
                    self.misplaced[split] += 1
                for layer in FLAT_TABLES:
                    self.nested[layer, split] += len(row[layer])


def _check_tables(folder: Path, manifest: dict, readable: list[dict]) -> list[str]:
    problems = []
    recount = _Recount(manifest["splits"]["ratios"])
    for entry in readable:
        if entry["path"].endswith(".parquet"):
            try:
                recount.add_file(folder / entry["path"], entry["config"], entry["split"])
            except Exception as exc:  # a file pyarrow opens but cannot decode: a finding, not a crash
                problems.append(f"{entry['path']}: rows not readable ({exc})")
                return problems
    for name, table in sorted(manifest["tables"].items()):
        if recount.rows[name] != table["rows"]:
            problems.append(f"table {name}: {recount.rows[name]} rows in its files, manifest says {table['rows']}")
        if recount.digests[name].hexdigest() != table["content_digest"]:
            problems.append(f"table {name}: content digest of its rows differs from the manifest's")
    # a table of 0 rows has no file (datasets cannot load it); one with rows and no file fails the recount above
    problems += [f"table {name}: not in the manifest" for name in CONFIGS if name not in manifest["tables"]]
    for split, n in sorted(recount.misplaced.items()):
        problems.append(f"documents/{split}: {n} documents belong to another split by their cluster hash "
                        "(files swapped or renamed)")
    released = manifest.get("stats", {}).get("splits")
    if released is not None and +Counter(released) != +recount.documents:
        problems.append(f"documents: rows per split {dict(sorted(recount.documents.items()))} differ from the "
                        f"manifest's statistics {dict(sorted(released.items()))}")
    for (layer, split) in sorted(recount.nested.keys() | recount.flat.keys()):
        if recount.nested[layer, split] != recount.flat[layer, split]:
            problems.append(f"{layer}/{split}: {recount.flat[layer, split]} rows, but the documents of {split} hold "
                            f"{recount.nested[layer, split]} {layer}")
    return problems


def _check_readme(folder: Path, manifest: dict) -> list[str]:
    """The README header is what `datasets` reads: its files and row counts must be the manifest's."""
    path = folder / README
    try:
        header = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        declared = {(f["split"], f["path"]) for c in header["configs"] for f in c["data_files"]}
        examples = {(i["config_name"], s["name"]): s["num_examples"] for i in header["dataset_info"] for s in i["splits"]}
    except (OSError, IndexError, KeyError, TypeError, yaml.YAMLError):
        return ["README.md: no readable YAML header with configs and dataset_info"]
    files = {(e["split"], e["path"]): e for e in manifest["files"] if e["config"]}
    problems = [f"README.md declares {p} ({s}), which the manifest does not list" for s, p in sorted(declared - files.keys())]
    problems += [f"README.md does not declare {p}, which the manifest lists" for s, p in sorted(files.keys() - declared)]
    for (split, path), entry in sorted(files.items()):
        if (entry["config"], split) in examples and examples[entry["config"], split] != entry["rows"]:
            problems.append(f"README.md: {entry['config']}/{split} num_examples {examples[entry['config'], split]}, "
                            f"manifest says {entry['rows']}")
    return problems
