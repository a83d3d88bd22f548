"""The records that leave the system: one pydantic model per record type.

These models are the data contract. The Arrow schemas used for every Parquet file (work shards,
build output, releases) are derived from them by `arrow_schema`, and `schemas/*.json` is generated
from them (`python -m builder.schemas`), so the three can never drift apart.

Stages work on plain dicts with these field names (fast); the models validate at the edges.
Offsets are Python string indices into `Document.text`, end exclusive (stand-off annotation).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Optional

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Link(_Record):
    """A hyperlink of the page's main content, located in the clean text."""

    start: int = Field(description="offset of the anchor text in `text`")
    end: int
    url: str
    text: str = Field(description="anchor text")
    domain: Optional[str] = None


class Removal(_Record):
    """Audit trail of one piece of text that cleaning removed (or, with keep_boilerplate, marked)."""

    start: int = Field(description="offset in the text before cleaning")
    end: int
    text: str
    rule: str = Field(description="name of the rule that removed it")


class SourceLink(_Record):
    """Where a piece of information comes from: hyperlink, citation chip, reference item, mention."""

    id: str
    kind: str = Field(description="hyperlink | citation | reference | mention")
    name: str = Field(description="outlet or headline as written")
    outlet: Optional[str] = Field(None, description="canonical outlet name from the lexicon")
    domain: Optional[str] = None
    url: Optional[str] = None
    start: Optional[int] = Field(None, description="offset in `text`; null when removed from the text")
    end: Optional[int] = None
    count: Optional[int] = Field(None, description="the N of a 'Outlet+N' citation chip")
    context: Optional[str] = Field(None, description="sentence the chip backed, or a reference's snippet")
    verified_by: Optional[list[str]] = Field(None, description="annotators who verified this span in review; null when none")


class Entity(_Record):
    """One entity mention, linked to a document-level entity."""

    id: str
    start: int
    end: int
    label: str
    text: str
    entity: str = Field(description="canonical name of the document-level entity this mention belongs to")
    origin: str = Field(description="annotator name and version, or 'human:<annotator>'")
    confidence: Optional[float] = None
    verified_by: Optional[list[str]] = Field(None, description="annotators who verified this span in review; null when none")


class Claim(_Record):
    """A quote, reported statement or attributed statement."""

    id: str
    start: int
    end: int
    kind: str = Field(description="direct_quote | indirect_quote | attributed")
    text: str
    cue: Optional[str] = None
    speaker: Optional[str] = None
    speaker_entity: Optional[str] = None
    source_ids: list[str] = Field(default_factory=list)
    origin: str
    confidence: Optional[float] = None
    verified_by: Optional[list[str]] = Field(None, description="annotators who verified this span in review; null when none")


class Document(_Record):
    """One article: clean text plus metadata, dedup flags and stand-off annotations."""

    id: str = Field(description="stable id: hash of the canonical URL, else of the raw bytes")
    url: Optional[str] = None
    canonical_url: Optional[str] = None
    site: Optional[str] = Field(None, description="host, or the source declared by the input")
    site_name: Optional[str] = Field(None, description="the name the site gives itself (og:site_name, JSON-LD publisher)")
    origin: str = Field(description="input file, with #line or #offset inside archives")
    content_type: Optional[str] = None
    encoding: Optional[str] = None
    fetched_at: Optional[dt.datetime] = None
    title: Optional[str] = None
    authors: list[str] = Field(default_factory=list)
    published: Optional[dt.date] = None
    text: str
    raw_hash: str = Field(description="blake2b of the raw page bytes")
    text_hash: str = Field(description="blake2b of the normalised clean text (exact-duplicate key)")
    language: str = Field("unknown", description="ISO 639-1 code or 'unknown'")
    language_score: Optional[float] = None
    links: list[Link] = Field(default_factory=list)
    removals: list[Removal] = Field(default_factory=list)
    sources: list[SourceLink] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    entities_note: Optional[str] = Field(None, description="why entities are missing, when they are")
    claims: list[Claim] = Field(default_factory=list)
    cluster_id: Optional[str] = Field(None, description="dedup cluster (the id of its canonical member)")
    is_canonical: bool = True
    duplicate_kind: Optional[str] = Field(None, description="exact | url | near, for non-canonical members")
    similarity: Optional[float] = Field(None, description="estimated Jaccard similarity to the canonical member")


class Reject(_Record):
    """An input that did not become a document, and why."""

    origin: str = Field(description="input file, with #line or #offset inside archives")
    url: Optional[str] = None
    stage: str
    reason: str = Field(description="short machine-friendly reason, e.g. 'empty', 'binary', 'invalid-json'")
    detail: str = Field(description="one line for a person: what happened and what to do")


# Reject reasons that say something failed at that moment (a file that could not be read, a page that ran
# out of time or memory on a busy machine, a crashed child), not what the input is: never cached as a
# result, so the next build tries again (ingest/scan.py, shards.write_record).
RETRY_REASONS = frozenset({"unreadable", "timeout", "too-much-memory", "extractor-crashed", "annotation-timeout"})


# ---------------------------------------------------------------------------------------------
# Arrow schemas derived from the models: one source of truth for every Parquet file we write.

_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    dt.date: pa.date32(),
    dt.datetime: pa.timestamp("us", tz="UTC"),
}


def _arrow_type(annotation) -> tuple[pa.DataType, bool]:
    """(arrow type, nullable) of a model field annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner, _ = _arrow_type(args[0])
        return inner, True
    if origin is list:
        (item,) = typing.get_args(annotation)
        inner, _ = _arrow_type(item)
        return pa.list_(inner), False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(_fields(annotation)), False
    return _SCALARS[annotation], False


def _fields(model: type[BaseModel]) -> list[pa.Field]:
    hints = typing.get_type_hints(model)
    return [pa.field(name, *_arrow_type(hints[name])) for name in model.model_fields]


def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    return pa.schema(_fields(model))


DOCUMENT_SCHEMA = arrow_schema(Document)
REJECT_SCHEMA = arrow_schema(Reject)
RECORD_MODELS: dict[str, type[BaseModel]] = {
    "document": Document,
    "reject": Reject,
    "link": Link,
    "removal": Removal,
    "source_link": SourceLink,
    "entity": Entity,
    "claim": Claim,
}
