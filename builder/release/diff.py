"""What differs between two releases: documents by id and text hash, annotation counts per layer and label."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from builder.errors import UserError
from builder.release.manifest import read_manifest

# The label column of each annotation layer's flat table.
LAYER_LABELS = {"entities": "label", "claims": "kind", "sources": "kind"}


def _table(folder: Path, manifest: dict, config: str, columns: list[str]) -> list[dict]:
    rows = []
    for entry in manifest["files"]:
        if entry["config"] == config:
            try:
                rows += pq.read_table(folder / entry["path"], columns=columns).to_pylist()
            except (OSError, ValueError) as exc:  # missing or damaged file: the user's release to check
                raise UserError(f"{folder / entry['path']}: cannot read ({exc}). "
                                f"Run `newscorpus verify {folder}`.") from None
    return rows


def annotation_counts(folder: Path) -> dict[str, Counter]:
    manifest = read_manifest(folder)
    names = manifest["entity_labels"]
    counts = {}
    for layer, column in LAYER_LABELS.items():
        values = [row[column] for row in _table(folder, manifest, layer, [column])]
        if layer == "entities":
            values = [names[v] if v is not None else "(none)" for v in values]
        counts[layer] = Counter(values)
    return counts


def diff_releases(old: Path, new: Path) -> dict:
    """Ids added, removed and changed (text), with each listed document's title and site (the newer side's
    when it is in both), and annotation counts per layer and label."""
    hashes, described = [], {}
    for folder in (old, new):
        rows = _table(folder, read_manifest(folder), "documents", ["id", "text_hash", "title", "site"])
        hashes.append({row["id"]: row["text_hash"] for row in rows})
        described.update({row["id"]: {"title": row["title"], "site": row["site"]} for row in rows})
    a, b = hashes
    counts_a, counts_b = annotation_counts(old), annotation_counts(new)
    added, removed = sorted(b.keys() - a.keys()), sorted(a.keys() - b.keys())
    changed = sorted(i for i in a.keys() & b.keys() if a[i] != b[i])
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "documents": {i: described[i] for i in [*added, *removed, *changed]},
        "unchanged": sum(1 for i in a.keys() & b.keys() if a[i] == b[i]),
        "annotations": {layer: {label: [counts_a[layer][label], counts_b[layer][label]]
                                for label in sorted(counts_a[layer].keys() | counts_b[layer].keys())}
                        for layer in LAYER_LABELS},
    }


def _document_line(doc_id: str, described: dict) -> str:
    title = (described.get("title") or "(no title)").replace("\n", " ")
    return f"- {title} ({described.get('site') or 'unknown site'}) `{doc_id}`"


def format_diff(result: dict, old_name: str, new_name: str) -> str:
    """Markdown: counts first, then each document added, removed or changed (title, site, id), then the
    annotation table."""
    lines = [f"Documents: {len(result['added'])} added, {len(result['removed'])} removed, "
             f"{len(result['changed'])} changed (text), {result['unchanged']} unchanged.", ""]
    for kind in ("added", "removed", "changed"):
        if result[kind]:
            lines += [f"### {kind.capitalize()}", ""]
            lines += [_document_line(doc_id, result["documents"][doc_id]) for doc_id in result[kind]]
            lines.append("")
    lines += ["", f"| layer | label | {old_name} | {new_name} | change |", "|---|---|---:|---:|---:|"]
    for layer, labels in result["annotations"].items():
        for label, (a, b) in labels.items():
            lines.append(f"| {layer} | {label} | {a} | {b} | {b - a:+d} |")
    if not any(result["annotations"].values()):
        lines.append("| (no annotations in either release) | | | | |")
    return "\n".join(lines) + "\n"
