"""The lexicons of annotations/lexicons/: news outlets and a gazetteer of well-known entities.

outlets.jsonl     {"name", "aliases", "domain", "origin"}   every outlet is an ORG; `name` is the canonical form
gazetteer.jsonl   {"name", "label", "aliases"}    public figures, organisations, places

Both feed the lexicon ruler whose matches the entity annotator merges with the statistical NER (a lexicon
name replaces or adds a span only where no longer model span covers it), and the name index that gives
every mention its canonical name ("U.S." -> "United States"; a bare surname only next to the full name).
The sources annotator reads the outlets through `load_outlets` too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from builder.bundled import LEXICONS
from builder.annotate.lines import occurs_in
from builder.errors import UserError
from builder.jsonl import file_lines, numbered_lines

OUTLETS_FILE = "outlets.jsonl"
GAZETTEER_FILE = "gazetteer.jsonl"


class Outlet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    domain: str | None = None
    origin: str | None = None  # the public list an entry was imported from (annotations/lexicons/README.md)


class GazetteerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    label: str
    aliases: tuple[str, ...] = ()


def lexicon_dir(folder: str | Path | None) -> Path:
    return Path(folder) if folder else LEXICONS


def _read(path: Path, model):
    if not path.exists():
        return []
    items = []
    for number, line in numbered_lines(file_lines(path)):
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
    """Lexicon ruler phrase patterns; the pattern id is the canonical name, so ruler spans arrive linked."""
    return [{"label": label, "pattern": form, "id": name}
            for label, name, aliases in entries(folder) for form in (name, *aliases)]


# Words that precede a name without being part of it ("President Donald Trump" -> "Donald Trump").
TITLES = frozenset("""
president vice prime minister chancellor premier secretary senator sen. rep. representative congressman
congresswoman gov. governor mayor mr mr. mrs mrs. ms ms. dr dr. prof. professor sir dame lord lady king
queen prince princess pope general gen. lt. col. colonel adm. admiral sgt. judge justice ambassador envoy
special chairman chairwoman chair ceo leader speaker spokesman spokeswoman spokesperson former late
foreign defense defence state of the u.s. us white house attorney
""".split())
# Generational suffixes: "Robert Kennedy Jr." has the surname "Kennedy" and is also written without it.
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def name_words(name: str) -> list[str]:
    """The words of a name without a trailing comma or generational suffix."""
    words = name.replace(",", " ").split()
    while len(words) > 1 and words[-1].lower() in SUFFIXES:
        words.pop()
    return words


def needs_full_name(label: str, name: str, form: str, common_words: frozenset[str]) -> bool:
    """A one-word alias that is a bare surname ("Harris") or a common word ("Fed", "Spurs"): it names the
    entry only in a document that also writes the entry's full name."""
    if form == name or " " in form or " " not in name:
        return False
    return label == "PERSON" or form.lower() in common_words


@dataclass
class NameIndex:
    """Canonical names of the lexicon entries, and which of their forms need the full name nearby."""

    canonical: dict[tuple[str, str], str] = field(default_factory=dict)  # (label, form) -> canonical name
    full_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> its multi-word forms
    guarded: set[tuple[str, str]] = field(default_factory=set)  # (name, form) that need a full form

    @classmethod
    def build(cls, folder: str | Path | None = None, common_words: frozenset[str] = frozenset()) -> "NameIndex":
        index = cls()
        for label, name, aliases in entries(folder):
            forms = (name, *aliases)
            for form in forms:
                index.canonical.setdefault((label, form), name)
                index.canonical.setdefault((label, " ".join(name_words(form))), name)
                if needs_full_name(label, name, form, common_words):
                    index.guarded.add((name, form))
            index.full_forms.setdefault(name, tuple(f for f in forms if " " in f))
        return index

    def allows(self, name: str, form: str, running_text: str) -> bool:
        """May `form` stand for `name` in a document whose running text is `running_text`?"""
        if (name, form) not in self.guarded:
            return True
        return any(occurs_in(full, running_text) for full in self.full_forms.get(name, ()))

    def name_for(self, label: str, form: str, running_text: str) -> str | None:
        name = self.canonical.get((label, form))
        return name if name and self.allows(name, form, running_text) else None


def fingerprint(folder: str | Path | None = None) -> str:
    """Hash of the lexicon files: editing a lexicon re-runs the annotate stage."""
    digest = hashlib.blake2b(digest_size=8)
    for name in (OUTLETS_FILE, GAZETTEER_FILE):
        path = lexicon_dir(folder) / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()
