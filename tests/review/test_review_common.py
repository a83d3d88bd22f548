"""Small documents of our own for the review tests, written as a build output folder (no tests here)."""

from __future__ import annotations

from pathlib import Path

from builder.records import DOCUMENT_SCHEMA, Document
from builder.release.parquet import write_parquet

TEXTS = {
    "doc-a": "Alice Smith met Bob Jones in Paris on Monday.\nThe Kremlin said nothing.",
    "doc-b": '"We will win," said Maria Lopez, according to Reuters.',
    "doc-c": "Google and Apple opened offices in Berlin.",
}


def entity(doc_id, surface, label, occurrence=0, confidence=None):
    text = TEXTS[doc_id]
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return {"id": f"e-{start}-{label}", "start": start, "end": start + len(surface), "label": label,
            "text": surface, "entity": surface, "origin": "test-ner@1", "confidence": confidence}


def documents() -> list[dict]:
    quote = TEXTS["doc-b"].index('"We will win,"')
    reuters = TEXTS["doc-b"].index("Reuters")
    layers = {
        "doc-a": {"entities": [entity("doc-a", "Alice Smith", "PERSON", confidence=0.9),
                               entity("doc-a", "Bob Jones", "ORG", confidence=0.4),
                               entity("doc-a", "Paris", "GPE", confidence=0.8),
                               entity("doc-a", "Kremlin", "ORG", confidence=0.7)]},
        "doc-b": {"entities": [entity("doc-b", "Maria Lopez", "PERSON"), entity("doc-b", "Reuters", "ORG")],
                  "sources": [{"id": "src-r", "kind": "mention", "name": "Reuters", "outlet": "Reuters",
                               "start": reuters, "end": reuters + 7},
                              # a citation chip ("AP+1") removed from the text: reviewed over the sentence it backs
                              {"id": "src-c", "kind": "citation", "name": "AP", "outlet": "AP", "count": 1,
                               "context": TEXTS["doc-b"], "start": None, "end": None}],
                  "claims": [{"id": "clm-1", "start": quote, "end": quote + 14, "kind": "indirect_quote",
                              "text": '"We will win,"', "speaker": None, "source_ids": [], "origin": "test-claims@1"}]},
        "doc-c": {"entities": [entity("doc-c", "Google", "ORG", confidence=0.95),
                               entity("doc-c", "Berlin", "GPE", confidence=0.2)]},
    }
    rows = []
    for doc_id, text in TEXTS.items():
        rows.append(Document(id=doc_id, origin=f"fixture#{doc_id}", text=text, raw_hash="r-" + doc_id,
                             text_hash="t-" + doc_id, language="en", **layers[doc_id]).model_dump())
    return rows


def write_build(folder: Path, rows: list[dict] | None = None) -> Path:
    write_parquet(rows or documents(), DOCUMENT_SCHEMA, folder / "data" / "documents" / "train-00000-of-00001.parquet")
    return folder
