"""The tables of a release, their Arrow schemas and typed Features, all derived from builder.records.

documents  one row per document (the build's schema; entity labels become ClassLabel ids)
entities   one row per entity mention, with the id of its document   } flat tables for analysis,
claims     one row per claim, with doc_id                            } sorted by (doc_id, id)
sources    one row per source link, with doc_id                      }

Entity labels are stored as nullable int64 with a ClassLabel feature, and every field nested in a list of
structs is nullable: only in that form does `datasets` keep a ClassLabel (also one nested in `entities`)
when a single file is opened (`Dataset.from_parquet`, `load_dataset("parquet", data_files=...)`), not only
through the README (top-level columns keep their nullability, except `entities`, which holds the ClassLabel).
The records still say which fields are always set; releases check that on the way in.
"""

from __future__ import annotations

import pyarrow as pa
from datasets import ClassLabel

from builder.records import DOCUMENT_SCHEMA, Claim, Entity, SourceLink, arrow_schema
from builder.release.parquet import hf_features

FLAT_TABLES = {"entities": Entity, "claims": Claim, "sources": SourceLink}
CONFIGS = ("documents", *FLAT_TABLES)
LABEL_FIELD = pa.field("label", pa.int64(), nullable=True)


def _with_label_ids(struct_fields) -> list[pa.Field]:
    return [LABEL_FIELD if f.name == "label" else f for f in struct_fields]


def _nested_nullable(arrow_type: pa.DataType) -> pa.DataType:
    """The type with every field inside a list or struct nullable (top-level nullability is kept)."""
    if pa.types.is_list(arrow_type):
        return pa.list_(_nested_nullable(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return pa.struct([f.with_type(_nested_nullable(f.type)).with_nullable(True) for f in arrow_type])
    return arrow_type


def _documents_schema() -> pa.Schema:
    entities = DOCUMENT_SCHEMA.field("entities")
    # `datasets` keeps embedded features only where its own nullable field equals the file's: the column
    # that holds the ClassLabel is nullable too.
    labelled = pa.field("entities", pa.list_(pa.struct(_with_label_ids(entities.type.value_type))), nullable=True)
    schema = DOCUMENT_SCHEMA.set(DOCUMENT_SCHEMA.get_field_index("entities"), labelled)
    return pa.schema([f.with_type(_nested_nullable(f.type)) for f in schema])


def _flat_schema(model) -> pa.Schema:
    fields = [pa.field("doc_id", pa.string(), nullable=False), *arrow_schema(model)]
    return pa.schema(_with_label_ids(fields))


SCHEMAS: dict[str, pa.Schema] = {"documents": _documents_schema(),
                                 **{name: _flat_schema(model) for name, model in FLAT_TABLES.items()}}


def release_features(labels: list[str]) -> dict:
    """datasets.Features per config, with the entity label as ClassLabel(names=labels)."""
    features = {name: hf_features(schema) for name, schema in SCHEMAS.items()}
    features["documents"]["entities"].feature["label"] = ClassLabel(names=labels)
    features["entities"]["label"] = ClassLabel(names=labels)
    return features


def encode_labels(doc: dict, label_ids: dict[str, int]) -> dict:
    """The document with entity labels replaced by their ClassLabel ids."""
    if not doc["entities"]:
        return doc
    return {**doc, "entities": [{**e, "label": label_ids[e["label"]]} for e in doc["entities"]]}


def flat_rows(doc: dict, table: str) -> list[dict]:
    """Rows of a flat table for one (label-encoded) document, sorted by span id."""
    return [{"doc_id": doc["id"], **item} for item in sorted(doc[table], key=lambda item: item["id"])]
