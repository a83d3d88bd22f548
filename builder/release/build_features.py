"""The `datasets` Features of the build output's tables, as `datasets` itself renders them, kept in a file.

A build embeds them in every Parquet file (so that one file loads typed) and writes them into the README's
YAML. Importing `datasets` to compute them cost every build about half a second of CPU, so
build_features.json holds what `datasets` produced for these schemas: run
`python -m builder.release.build_features` after changing a build table's schema (builder/records.py);
tests/contracts/test_schemas.py fails while the file and `datasets` disagree. Releases still ask `datasets` directly.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from builder.annotate.entity_table import CORPUS_ENTITY_SCHEMA
from builder.records import DOCUMENT_SCHEMA, REJECT_SCHEMA

TABLES = {"documents": DOCUMENT_SCHEMA, "rejects": REJECT_SCHEMA, "corpus_entities": CORPUS_ENTITY_SCHEMA}
FEATURES_FILE = Path(__file__).with_name("build_features.json")


def rendered() -> str:
    """The file's text, from `datasets`: per table, the Features as embedded in Parquet and as README YAML.
    Keys keep the schema's order (datasets drops embedded struct features whose fields are reordered)."""
    from builder.release.parquet import hf_features, yaml_features

    tables = {}
    for name, schema in TABLES.items():
        features = hf_features(schema)
        tables[name] = {"embedded": features.to_dict(), "yaml": yaml_features(features)}
    return json.dumps(tables, indent=1, ensure_ascii=False) + "\n"


def build_features(table: str) -> dict:
    """{"embedded": Features.to_dict(), "yaml": the dataset_info features list} of one build table."""
    return _stored()[table]


@cache
def _stored() -> dict:
    return json.loads(FEATURES_FILE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    FEATURES_FILE.write_text(rendered(), encoding="utf-8")
    print(FEATURES_FILE)
