"""The entity annotator: spaCy NER behind an EntityRuler fed from our lexicons, then span rules and linking.

Order inside one spaCy pass: the ruler tags lexicon names first (statistical NER keeps those spans and
only fills the rest); then `mentions` trims each span the way the gold guidelines want (no title, no
possessive 's, no leading lowercase "the"); then `linking.link` gives each mention its document entity.
"""

from __future__ import annotations

import hashlib
import json

from builder.annotate import lexicons
from builder.annotate.config import AnnotateConfig
from builder.annotate.labels import LABELS_FILE, entity_labels
from builder.annotate.linking import link

# Other languages' pipelines use CoNLL-style labels; map the ones that have an OntoNotes twin.
LABEL_MAP = {"PER": "PERSON"}

# Words that precede a name without being part of it ("President Donald Trump" -> "Donald Trump").
TITLES = frozenset("""
president vice prime minister chancellor premier secretary senator sen. rep. representative congressman
congresswoman gov. governor mayor mr mr. mrs mrs. ms ms. dr dr. prof. professor sir dame lord lady king
queen prince princess pope general gen. lt. col. colonel adm. admiral sgt. judge justice ambassador envoy
special chairman chairwoman chair ceo leader speaker spokesman spokeswoman spokesperson former late
foreign defense defence state of the u.s. us white house attorney
""".split())
POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
NAME_TYPES = frozenset(entity_labels(numeric=False))


def _outside_name(tokens: list) -> bool:
    """A leading token that is not part of the name: 'the', punctuation, a stray possessive, or a
    lowercase prefix glued by a hyphen ("pro-Russian" -> "Russian", "intra-Afghan" -> "Afghan")."""
    first = tokens[0]
    return (first.text == "the" or first.is_punct or first.text in POSSESSIVES
            or (first.is_lower and len(tokens) > 2 and tokens[1].text == "-"))


def _trim(tokens: list, label: str) -> list:
    """Drop what the guidelines keep outside a name: titles, a leading 'the', possessives, punctuation."""
    if tokens and tokens[0].text[:1] in "@#":
        return []  # handles and hashtags are not names
    while tokens and _outside_name(tokens):
        tokens = tokens[1:]
    if label == "PERSON":
        while len(tokens) > 1 and tokens[0].lower_ in TITLES:
            tokens = tokens[1:]
        if tokens and tokens[0].lower_ in TITLES:
            return []  # only a title ("the President"): not a name
    while tokens and (tokens[-1].text in POSSESSIVES or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens


def mentions(doc, labels: frozenset[str]) -> list[dict]:
    """Entity spans of a spaCy Doc as plain dicts, trimmed; `linked` is the lexicon's canonical name."""
    found = []
    text = doc.text  # built from the tokens on every access: read it once
    for ent in doc.ents:
        label = LABEL_MAP.get(ent.label_, ent.label_)
        if label not in labels:
            continue
        tokens = _trim(list(ent), label)
        if not tokens:
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        if label in NAME_TYPES and not any(c.isupper() for c in text[start:end]):
            continue  # "marijuana", "potential exchange": a name has a capital letter
        found.append({"start": start, "end": end, "label": label, "text": text[start:end],
                      "linked": ent.ent_id_ or None})
    return found


def entity_id(start: int, end: int, label: str) -> str:
    """Stable within a document: derived from the offsets and the label only."""
    return "e" + hashlib.blake2b(f"{start}:{end}:{label}".encode(), digest_size=6).hexdigest()


class EntityAnnotator:
    """Annotator protocol (see builder/annotate/stage.py): components, prepare, annotate, skip."""

    name = "entities"
    version = "1"
    components = ("entity_ruler", "ner")  # the lexicon ruler (added in prepare when config.ruler) runs before the NER

    def __init__(self, config: AnnotateConfig):
        self.config = config
        self.labels = frozenset(entity_labels(config.numeric))
        self.aliases = lexicons.alias_index(config.lexicons) if config.link else {}
        # What the output depends on besides the text and the model: the stage caches the layer by it.
        self.settings = {"numeric": config.numeric, "ruler": config.ruler, "link": config.link,
                         "lexicons": lexicons.fingerprint(config.lexicons),
                         "labels": hashlib.blake2b(LABELS_FILE.read_bytes(), digest_size=8).hexdigest()}
        self.config_hash = hashlib.blake2b(json.dumps(self.settings, sort_keys=True).encode(), digest_size=4).hexdigest()

    def prepare(self, nlp) -> None:
        """Put the lexicon ruler before the statistical NER of this pipeline."""
        if self.config.ruler and "ner" in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
            ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "ORTH"})
            ruler.add_patterns(lexicons.ruler_patterns(self.config.lexicons))

    def annotate(self, doc, row: dict, model: str) -> None:
        spans = mentions(doc, self.labels)
        if self.config.link:
            spans = link(row["text"], spans, self.aliases)
        origin = f"{self.name}@{self.version}:{model}:{self.config_hash}"
        row["entities"] = [
            {"id": entity_id(s["start"], s["end"], s["label"]), "start": s["start"], "end": s["end"],
             "label": s["label"], "text": s["text"], "entity": s.get("entity") or s["text"],
             "origin": origin, "confidence": None}
            for s in spans
        ]
        row["entities_note"] = None
        from spacy.util import filter_spans  # here, not at the top: a build without annotation never imports spaCy

        # Later annotators (claims, sources) read doc.ents: give them the corrected, linked spans.
        chars = (doc.char_span(s["start"], s["end"], label=s["label"]) for s in spans)
        doc.ents = filter_spans([span for span in chars if span is not None])

    def skip(self, row: dict, reason: str) -> None:
        row["entities"] = []
        row["entities_note"] = reason
