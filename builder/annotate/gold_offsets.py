"""Gold sets stored as offsets and hashes only, rehydrated from the corpus they annotate at evaluation time.

Such a file holds no article text (the pages belong to their publishers), so it can live in the repository.
JSONL; line 1 is a header, each further line one document:

  header    {"gold_format": "offsets", "version": 1, "corpus_root": DIR, ...}   DIR is relative to the gold
            file's folder (or absolute); `newscorpus eval --corpus-root DIR` overrides it
  document  {"doc_id", "corpus", "id", "file", "field", "sha256", "entities", "claims", "sources"}
            the text is the string at the dotted `field` of the JSON file `<corpus_root>/<corpus>/<file>`,
            and its sha256 must equal `sha256`
  entity    {"start", "end", "label", "hash"}
  claim     {"start", "end", "kind", "hash", "cue", "speaker": [start, end] | null, "sources": [[start, end]]}
            the speaker is a mention of the name in the text (null when the text never names them); each
            source is a mention of the outlet
  source    {"start", "end", "kind", "hash"}
`hash` is the first HASH_CHARS hex digits of the sha256 of the span's text. Rehydrated documents are plain
gold records (text, spans with their text, speaker and source names), which evaluate.py scores unchanged.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from builder.errors import UserError
from builder.jsonl import numbered_lines

FORMAT = "offsets"
HASH_CHARS = 8


def span_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def offsets_header(first_line: str) -> dict | None:
    """The header when the line opens an offsets gold file, else None (a plain gold record)."""
    try:
        header = json.loads(first_line)
    except json.JSONDecodeError:
        return None
    return header if isinstance(header, dict) and header.get("gold_format") == FORMAT else None


def field_value(page: dict, field: str):
    """The value at a dotted field ("ground_truth.main_content", "articleBody") of a page's JSON, None when absent."""
    for key in field.split("."):
        page = page.get(key) if isinstance(page, dict) else None
    return page


def _corpus_text(doc: dict, root: Path, where: str) -> str:
    page = root / doc["corpus"] / doc["file"]
    if not page.exists():
        raise UserError(f"{where}: the text of {doc['doc_id']} is not at {page}: this gold file stores offsets only; "
                        f"pass --corpus-root DIR, the folder that holds {doc['corpus']}/")
    value = field_value(json.loads(page.read_text(encoding="utf-8")), doc["field"])
    if not isinstance(value, str) or text_sha256(value) != doc["sha256"]:
        raise UserError(f"{where}: the text of {doc['doc_id']} ({page}, {doc['field']}) is not the text that was "
                        "annotated (sha256 differs): use the corpus version named in the gold file's header")
    return value


def _text_of(text: str, span: dict | list, hashed: str | None, where: str) -> str:
    start, end = (span["start"], span["end"]) if isinstance(span, dict) else span
    piece = text[start:end] if 0 <= start < end <= len(text) else ""
    if not piece or (hashed is not None and span_hash(piece) != hashed):
        raise UserError(f"{where}: span {start}-{end} does not match its hash: the gold file and the corpus text "
                        "disagree; check that both are the versions the header names")
    return piece


def _rehydrate(doc: dict, root: Path, where: str) -> dict:
    text = _corpus_text(doc, root, where)
    at = f"{where} ({doc['doc_id']})"
    entities = [{**e, "text": _text_of(text, e, e["hash"], at)} for e in doc.get("entities", [])]
    claims = [{**c, "text": _text_of(text, c, c["hash"], at),
               "speaker": _text_of(text, c["speaker"], None, at) if c.get("speaker") else None,
               "sources": [_text_of(text, s, None, at) for s in c.get("sources", [])]}
              for c in doc.get("claims", [])]
    sources = [{**s, "name": _text_of(text, s, s["hash"], at), "url": None, "count": None}
               for s in doc.get("sources", [])]
    return {"doc_id": doc["doc_id"], "origin": f"{doc['corpus']} {doc['id']}", "url": None, "raw_text": None,
            "text": text, "removed": [], "entities": entities, "claims": claims, "sources": sources}


def rehydrate(path: Path, lines: list[str], header: dict, corpus_root: Path | None) -> list[dict]:
    """Plain gold records for the documents of an offsets gold file (`lines` after the header)."""
    if header.get("version") != 1:
        raise UserError(f"{path}: offsets gold version {header.get('version')!r} is not known (this build reads 1)")
    root = corpus_root if corpus_root is not None else path.parent / header.get("corpus_root", ".")
    docs = []
    for number, line in numbered_lines(lines, first=2):
        where = f"{path}:{number}"
        try:
            docs.append(_rehydrate(json.loads(line), root, where))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{where}: not an offsets gold document ({type(exc).__name__}: {exc}). "
                            "See builder/annotate/gold_offsets.py for the format.") from None
    return docs
