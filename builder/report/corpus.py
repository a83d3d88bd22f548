"""Open a build folder or a release folder as the same thing: a documents table plus flat layer tables.

A release has MANIFEST.json and flat tables (data/entities|claims|sources) with entity labels stored as
ClassLabel ids; a build has only data/documents and data/rejects, with the layers nested in each document.
Both become Arrow tables with the same column names and label *names*, so the figures are computed once.
Only the columns the report needs are read (the text column is reduced to its length straight away).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from builder.errors import UserError
from builder.layout import table_files

MANIFEST = "MANIFEST.json"
LAYERS = ("entities", "claims", "sources")
DOCUMENT_COLUMNS = ("id", "site", "language", "published", "title", "removals",
                    "cluster_id", "is_canonical", "duplicate_kind", "similarity")


@dataclass
class Corpus:
    folder: Path
    kind: str  # "release" or "build"
    name: str
    documents: pa.Table  # DOCUMENT_COLUMNS that exist, plus text_length
    layers: dict[str, pa.Table]  # layer -> flat table with doc_id; empty table when the layer is absent
    rejects: pa.Table | None  # None: the folder holds no rejects table (releases)
    manifest: dict = field(default_factory=dict)
    agreement: dict | None = None


def _read(files: list[Path], wanted: tuple[str, ...] | None = None) -> pa.Table | None:
    if not files:
        return None
    tables = []
    for path in files:
        names = pq.read_schema(path).names
        columns = None if wanted is None else [c for c in wanted if c in names]
        tables.append(pq.read_table(path, columns=columns))
    return pa.concat_tables(tables, promote_options="permissive")


def _documents(files: list[Path], nested_layers: bool) -> pa.Table:
    wanted = DOCUMENT_COLUMNS + (LAYERS if nested_layers else ()) + ("text",)
    table = _read(files, wanted)
    if "text" in table.column_names:
        table = table.append_column("text_length", pc.utf8_length(table.column("text")))
        table = table.drop_columns(["text"])
    return table


def flatten(documents: pa.Table, column: str, keep: tuple[str, ...] = ()) -> pa.Table:
    """A nested list column of documents as a flat table: one row per item, with doc_id and `keep` columns."""
    if column not in documents.column_names:
        return pa.table({"doc_id": pa.array([], pa.string())})
    nested = documents.column(column).combine_chunks()
    parents = pc.list_parent_indices(nested)
    items = pc.list_flatten(nested)
    names = ["doc_id", *keep, *(f.name for f in items.type)]
    columns = [pc.take(documents.column(c), parents) for c in ("id", *keep)] + items.flatten()
    return pa.Table.from_arrays(columns, names=names)


def _label_names(table: pa.Table, names: list[str]) -> pa.Table:
    """Release entity tables store ClassLabel ids; the report shows names."""
    if "label" not in table.column_names or not pa.types.is_integer(table.schema.field("label").type):
        return table
    index = table.schema.get_field_index("label")
    return table.set_column(index, "label", pc.take(pa.array(names, pa.string()), table.column("label")))


def _agreement(folder: Path, manifest: dict) -> dict | None:
    """Annotator agreement, when the folder records it (manifest key or agreement.json)."""
    if manifest.get("agreement"):
        return manifest["agreement"]
    path = folder / "agreement.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def open_corpus(folder: Path) -> Corpus:
    folder = Path(folder)
    if (folder / MANIFEST).exists():
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise UserError(f"{folder / MANIFEST}: not valid JSON ({exc}).") from None
        files = table_files(folder, "documents")
        if not files:
            raise UserError(f"{folder} has a {MANIFEST} but no data/documents/*.parquet: is the release complete?")
        documents = _documents(files, nested_layers=False)
        labels = manifest.get("entity_labels", [])
        layers = {}
        for layer in LAYERS:
            table = _read(table_files(folder, layer))
            layers[layer] = _label_names(table, labels) if table is not None else flatten(documents, layer)
        return Corpus(folder, "release", str(manifest.get("version", folder.name)), documents, layers,
                      _read(table_files(folder, "rejects")), manifest, _agreement(folder, manifest))
    files = table_files(folder, "documents")
    if not files:
        raise UserError(f"{folder} is neither a release (no {MANIFEST}) nor a build (no data/documents/*.parquet): "
                        "give a folder made by `newscorpus build` or `newscorpus release`.")
    documents = _documents(files, nested_layers=True)
    layers = {layer: flatten(documents, layer) for layer in LAYERS}
    documents = documents.drop_columns([c for c in LAYERS if c in documents.column_names])
    rejects = _read(table_files(folder, "rejects"), ("reason", "stage"))
    return Corpus(folder, "build", folder.name, documents, layers, rejects, {}, _agreement(folder, {}))
