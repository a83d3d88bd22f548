"""schemas/ must say exactly what the pydantic records say."""

from pathlib import Path

from builder.records import DOCUMENT_SCHEMA, Document
from builder.schemas import rendered

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_schema_files_match_the_models():
    for name, text in rendered().items():
        path = SCHEMAS / name
        assert path.exists(), f"{name} missing: run `python -m builder.schemas`"
        assert path.read_text(encoding="utf-8") == text, f"{name} is stale: run `python -m builder.schemas`"


def test_arrow_schema_follows_the_model():
    assert DOCUMENT_SCHEMA.names == list(Document.model_fields)
    assert str(DOCUMENT_SCHEMA.field("published").type) == "date32[day]"
    assert str(DOCUMENT_SCHEMA.field("fetched_at").type) == "timestamp[us, tz=UTC]"
    assert not DOCUMENT_SCHEMA.field("id").nullable and DOCUMENT_SCHEMA.field("title").nullable


def test_stored_build_features_are_what_datasets_makes_of_the_schemas():
    from builder.release import build_features

    stored = build_features.FEATURES_FILE.read_text(encoding="utf-8")
    assert stored == build_features.rendered(), "build_features.json is stale: run `python -m builder.release.build_features`"
