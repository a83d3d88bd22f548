"""The lexicons of annotations/lexicons/: news outlets and a gazetteer of well-known entities.

outlets.jsonl     {"name", "aliases", "domain"}   every outlet is an ORG; `name` is the canonical form
gazetteer.jsonl   {"name", "label", "aliases"}    public figures, organisations, places

Both feed the EntityRuler placed before the statistical NER (so "Bloomberg" is an ORG, "Trump" a
PERSON), and the alias index that gives every mention its canonical name ("U.S." -> "United States").
The sources annotator reads the outlets through `load_outlets` too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from builder.annotate.labels import LEXICONS_DIR
from builder.errors import UserError

OUTLETS_FILE = "outlets.jsonl"
GAZETTEER_FILE = "gazetteer.jsonl"


class Outlet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    domain: str | None = None


class GazetteerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    label: str
    aliases: tuple[str, ...] = ()


def lexicon_dir(folder: str | Path | None) -> Path:
    return Path(folder) if folder else LEXICONS_DIR


def _read(path: Path, model):
    if not path.exists():
        return []
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as exc:
            raise UserError(f"{path}:{number}: not a valid {model.__name__} ({exc.errors()[0]['msg']}). Fix that line.") from None
    return items


def load_outlets(folder: str | Path | None = None) -> list[Outlet]:
    return _read(lexicon_dir(folder) / OUTLETS_FILE, Outlet)


def load_gazetteer(folder: str | Path | None = None) -> list[GazetteerEntry]:
    return _read(lexicon_dir(folder) / GAZETTEER_FILE, GazetteerEntry)


def entries(folder: str | Path | None = None) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, canonical name, aliases) of every lexicon entry: outlets first (they are ORG)."""
    outlets = [("ORG", o.name, o.aliases) for o in load_outlets(folder)]
    return outlets + [(g.label, g.name, g.aliases) for g in load_gazetteer(folder)]


def ruler_patterns(folder: str | Path | None = None) -> list[dict]:
    """EntityRuler phrase patterns; the pattern id is the canonical name, so ruler spans arrive linked."""
    return [{"label": label, "pattern": form, "id": name}
            for label, name, aliases in entries(folder) for form in (name, *aliases)]


def alias_index(folder: str | Path | None = None) -> dict[tuple[str, str], str]:
    """(label, surface form) -> canonical name, for mentions the statistical model found on its own."""
    index: dict[tuple[str, str], str] = {}
    for label, name, aliases in entries(folder):
        for form in (name, *aliases):
            index.setdefault((label, form), name)
    return index


def fingerprint(folder: str | Path | None = None) -> str:
    """Hash of the lexicon files: editing a lexicon re-runs the annotate stage."""
    digest = hashlib.blake2b(digest_size=8)
    for name in (OUTLETS_FILE, GAZETTEER_FILE):
        path = lexicon_dir(folder) / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()
