"""Write the JSON Schemas of the records to `schemas/` (the dataset's data contract).

Run `python -m builder.schemas` after changing builder/records.py; tests/contracts/test_schemas.py fails while
the files and the models disagree. Note each change in schemas/CHANGELOG.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from builder.records import RECORD_MODELS

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def rendered() -> dict[str, str]:
    """File name -> JSON text of every record schema."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, model in RECORD_MODELS.items()
    }


def write(folder: Path = SCHEMA_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        print(path)
