"""The entity annotator: spaCy NER, a ruler fed from our lexicons, then span rules and linking.

In one spaCy pass the NER tags names and the lexicon ruler marks lexicon names in doc.spans (not doc.ents);
`mentions` merges the two (model spans by default; a lexicon name replaces or adds a span only where no
longer model span covers it), keeps each span within one line, trims it the way the gold guidelines want
(no title, no possessive 's, no leading lowercase "the"; a possessive between two names splits them) and
drops names of heading lines that running text never uses, kinds of things (annotations/not_names.txt) and
credentials after a person's name. All-caps stretches are read again by the NER alone on a title-case copy;
cited web domains are ORG, and so are stations ("ABC 7": a lexicon network and its channel number; call signs
such as "WSB-TV") and outlets the text cites by what they publish ("the Ars Technica piece": sources.cited_names). Then `linking.link` gives each mention its document entity.
"""

from __future__ import annotations

import hashlib
import json
import re

from builder.annotate import lexicons
from builder.annotate.lexicons import TITLES
from builder.annotate.config import AnnotateConfig
from builder.bundled import ANNOTATIONS
from builder.labels import LABELS_FILE, entity_labels
from builder.annotate.lines import (caps_stretches, common_words_capitalised, heading_ranges, hyphen_part_alone,
                                    occurs_in, recased, running_text)
from builder.annotate.claims_speakers import FIRST_NAMES_FILE, first_name_genders
from builder.annotate.linking import link
from builder.annotate.sources import cited_names

# Other languages' pipelines use CoNLL-style labels; map the ones that have an OntoNotes twin.
LABEL_MAP = {"PER": "PERSON"}

POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
DATE_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april
may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec""".split())
# A market instrument code glued after a name ("London Metal Exchange CMAL3"): codes are not names.
_INSTRUMENT_CODE = re.compile(r"^[A-Z]{2,}[a-z]?\d+[a-z]?\d*$")
# Labels whose spans a possessive splits in two (an organisation's unit, a place's building).
_SPLIT_LABELS = frozenset({"ORG", "FAC", "GPE", "LOC"})
# Owners whose possessive belongs to a name ("People's Liberation Army", "Women's Health"): plurals take "'s" only
# when irregular.
_PLURAL_OWNERS = frozenset({"people", "children", "women", "men"})
# The last word of an organisation's name, never of a person's: "Google Cloud", "Searchlight Cyber" are
# companies when the NER, knowing neither word, calls them people.
ORG_DESIGNATORS = frozenset("""Inc Inc. Corp Corp. Co. Ltd Ltd. LLC PLC Group Labs Systems Technologies Software
Cyber Security Networks Cloud Bank Capital Holdings Partners Media Health Pharma Pharmaceuticals Therapeutics
Motors Airlines Foundation Institute University College Association Agency Council Company AI""".split())
# A web domain written as a name ("TODAY.com", "arxiv.org"): a site, an ORG. Not part of a URL or an address.
_DOMAIN = re.compile(r"(?<![\w/@.:-])(?:www\.)?[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*\.(?:com|org|net|gov|edu|io|news|co\.uk)(?![\w/@-])")
# A station: a network of the lexicon and its channel number ("ABC 7", "Fox 5's report"), not a figure ("CBS 10%").
_CHANNEL = re.compile(r" \d{1,2}(?![\w%.,:/-]?\d)(?![\w%])")
# A broadcaster's call sign with its band ("WSB-TV", "KQED-FM"): an ORG, whatever the NER made of it.
_CALL_SIGN = re.compile(r"(?<![\w-])[KW][A-Z]{2,3}-(?:TV|FM|AM|DT|LD|CD)(?![\w-])")
# doc.spans key of the lexicon ruler's matches (a span ruler: it leaves doc.ents to the model).
LEXICON_SPANS = "lexicon"
NAME_TYPES = frozenset(entity_labels(numeric=False))
# Capitalised words that are never names (AI, PhD, COVID-19, Pilates): the rule is in the file's header.
NOT_NAMES_FILE = ANNOTATIONS / "not_names.txt"
# A credential's shape: letters and dots, capitals ("MD", "R.D.N.", "PhD"); one after a person's name and a
# comma ("Ann Lee, MD, MPH") is a credential even when it is also a postal code (MD, MS, PA).
_CREDENTIAL = re.compile(r"^(?:[A-Z][a-zA-Z]?\.?){1,5}$")


def load_not_names(path=NOT_NAMES_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _outside_name(tokens: list) -> bool:
    """A leading token that is not part of the name: 'the', punctuation, a stray possessive, or a
    lowercase prefix glued by a hyphen ("pro-Russian" -> "Russian", "intra-Afghan" -> "Afghan")."""
    first = tokens[0]
    return (first.text == "the" or first.is_punct or first.text in POSSESSIVES
            or (first.is_lower and len(tokens) > 2 and tokens[1].text == "-"))


def _opens_sentence(token) -> bool:
    """Is the token the first word of a line or of a sentence (judged from the text: the NER has no parser)?"""
    if token.i == 0:
        return True
    before = token.doc[token.i - 1]
    return "\n" in before.text or before.text in (".", "!", "?") or (
        before.is_quote and token.i > 1 and token.doc[token.i - 2].text in (".", "!", "?", ":"))


def _first_name_at(tokens: list) -> int:
    """Where a person's name starts after words that are no name ("Superintendent Jennifer McCormick", "Browns DL
    Sheldon Richardson": a title or a team the lexicon of titles does not know): at the first word that is a
    first name, when one stands before the surname. 0 when there is none, or when the name opens with one."""
    first_names = first_name_genders()
    at = next((k for k, t in enumerate(tokens[:-1]) if t.lower_ in first_names and t.text[:1].isupper()), 0)
    while at >= 2 and tokens[at - 1].text == "-" and not tokens[at - 1].whitespace_ and not tokens[at - 2].whitespace_ \
            and not hyphen_part_alone(tokens[at - 2].text, tokens[0].doc.text):
        at -= 2  # "Jean-Julien Rojer": the first name is the whole hyphenated word ("Acme-Julie Lee": a deal's parties)
    return 0 if any(t.text in POSSESSIVES for t in tokens[:at]) else at  # an owner is a name: split, not cut


def _opening_gerund(token) -> bool:
    """A sentence's capitalised first word in -ing that is no first name ("Hosting Lee at the fair was a joy",
    "Asked about it, Lee said"): a verb the NER read as part of the person's name ("Sterling" is a first name)."""
    word = token.lower_
    return (word.endswith(("ing", "ed")) and len(word) > 4 and word not in first_name_genders()
            and token.text[:1].isupper() and _opens_sentence(token))


def _trim(tokens: list, label: str, model: bool = True) -> list:
    """Drop what the guidelines keep outside a name: titles, a leading 'the', possessives, punctuation.
    A model span also loses a sentence's capitalised opening "The" ("The White House said") and a trailing
    instrument code; lexicon names are kept as the lexicon writes them ("The Hill")."""
    if tokens and tokens[0].text[:1] in "@#":
        return []  # handles and hashtags are not names
    while tokens and _outside_name(tokens):
        tokens = tokens[1:]
    if model and len(tokens) > 1 and tokens[0].text == "The" and _opens_sentence(tokens[0]):
        tokens = tokens[1:]
    if model and len(tokens) > 1 and _INSTRUMENT_CODE.match(tokens[-1].text):
        tokens = tokens[:-1]
    if label == "PERSON":
        while len(tokens) > 1 and tokens[0].lower_ in TITLES:
            tokens = tokens[1:]
        if tokens and tokens[0].lower_ in TITLES:
            return []  # only a title ("the President"): not a name
        tokens = tokens[_first_name_at(tokens):]
        if len(tokens) > 1 and _opening_gerund(tokens[0]):
            tokens = tokens[1:]
    while tokens and (tokens[-1].text in POSSESSIVES or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens


def _line_pieces(tokens: list) -> list:
    """The longest run of `tokens` within one line (a span never crosses a line break; on a tie the later
    run, since a heading line usually precedes the name's own line)."""
    pieces, current = [], []
    for token in tokens:
        if "\n" in token.text:
            pieces.append(current)
            current = []
            continue
        current.append(token)
        if "\n" in token.whitespace_:
            pieces.append(current)
            current = []
    pieces.append(current)
    return max(reversed(pieces), key=len)


def _span(tokens: list, label: str, linked: str | None, shift: int = 0) -> dict | None:
    """A trimmed span as a dict; `shift` places tokens of a Doc of one line (see `_recased_spans`) in the text."""
    tokens = _trim(_line_pieces(tokens), label, model=linked is None)
    if not tokens:
        return None
    return {"start": shift + tokens[0].idx, "end": shift + tokens[-1].idx + len(tokens[-1].text), "label": label,
            "linked": linked}


def _labelled(span, label: str):
    from spacy.tokens import Span  # here, not at the top: a build without annotation never imports spaCy

    return Span(span.doc, span.start, span.end, label=label)


def _ent_spans(ent, shift: int = 0) -> list[dict]:
    """The model's entity as spans: one, or two where a possessive joins two names ("Northwestern
    University's Kellogg School" -> "Northwestern University" + "Kellogg School", "Google's Gemini" -> "Google" +
    "Gemini": the gold spec keeps the possessive outside every name). Both parts keep the label. A plural owner
    stays inside ("People's Liberation Army", "Children's Hospital": there the possessive is part of the official
    name). A person's name ends at a possessive ("Lee's 2016 campaign"): what follows is a name of its own only
    when capitalised ("theCUBE's Ann Lee")."""
    label = LABEL_MAP.get(ent.label_, ent.label_)
    tokens = list(ent)
    bracket = next((i for i, t in enumerate(tokens) if t.text == "(" and all(u.text != ")" for u in tokens[i:])), None)
    if bracket is not None:  # "Acme Institute of Art (AIA": a name and its acronym, each a name of its own
        pieces = [ent.doc[p[0].i:p[-1].i + 1] for p in (tokens[:bracket], tokens[bracket + 1:]) if p]
        return [span for piece in pieces for span in _ent_spans(_labelled(piece, ent.label_), shift)]
    # A score after a name ("Chile 3-0", "Ann Lee 6-4"), any number after a person's ("Ann Lee 1 goal"): not the name.
    if len(tokens) > 3 and tokens[-1].is_digit and tokens[-2].text in ("-", "–") and tokens[-3].is_digit:
        tokens = tokens[:-3]
    if label == "PERSON":
        tokens = tokens[:next((k for k, t in enumerate(tokens) if k and any(c.isdigit() for c in t.text)), len(tokens))]
    tokens = _trim(_line_pieces(tokens), label)
    cut = next((i for i, t in enumerate(tokens) if t.text in POSSESSIVES and 0 < i < len(tokens) - 1
                and (i > 1 or tokens[0].lower_ not in _PLURAL_OWNERS)
                and (tokens[i + 1].text[:1].isupper() or label == "PERSON")), None)
    if cut is None or label not in _SPLIT_LABELS | {"PERSON"}:
        parts = [tokens]
    else:
        parts = [tokens[:cut]] + ([tokens[cut + 1:]] if tokens[cut + 1].text[:1].isupper() else [])
    return [span for part in parts if (span := _span(part, label, None, shift))]


def _overlaps(span: dict, ranges: list[tuple[int, int]]) -> bool:
    return any(start < span["end"] and span["start"] < end for start, end in ranges)


def _recased_spans(text: str, stretches: list[tuple[int, int]], read) -> list[dict]:
    """The model's spans over all-caps stretches, read from their lines in title case (`read`: text -> Doc
    with the model's entities). The line around a stretch gives the NER its context ("SERGIO MARTINEZ-BELTRAN,
    BYLINE:" reads as "Sergio Martinez-Beltran, BYLINE:"); offsets are kept, the text is not changed."""
    spans, line_start = [], 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        local = [(start - line_start, end - line_start) for start, end in stretches
                 if line_start <= start and end <= line_end]
        if local:
            for ent in read(recased(line, local)).ents:
                spans += [span for span in _ent_spans(ent, line_start) if _overlaps(span, stretches)]
        line_start = line_end + 1
    return spans


def _model_spans(doc, text: str, read=None) -> list[dict]:
    """The model's spans of the Doc (over `text`); over all-caps stretches, those of a title-case reading (when
    `read`)."""
    model = [span for ent in doc.ents for span in _ent_spans(ent)]
    stretches = caps_stretches(text) if read else []
    if not stretches:
        return model
    return sorted([m for m in model if not _overlaps(m, stretches)] + _recased_spans(text, stretches, read),
                  key=lambda s: (s["start"], s["end"]))


def _domains(text: str) -> list[dict]:
    """Web domains written in the text as the name of a site ("according to TODAY.com")."""
    return [{"start": m.start(), "end": m.end(), "label": "ORG", "linked": None, "domain": True}
            for m in _DOMAIN.finditer(text)]


def _stations(text: str, lexicon: list[dict]) -> list[dict]:
    """Broadcasters as the text names them: a lexicon organisation followed by its channel number becomes the
    station ("ABC 7", not the network "ABC" and a number), and call signs with their band ("WSB-TV") are ORG."""
    spans = []
    for x in lexicon:
        channel = _CHANNEL.match(text, x["end"]) if x["label"] == "ORG" else None
        spans.append({**x, "end": channel.end(), "linked": None} if channel else x)
    return spans + [{"start": m.start(), "end": m.end(), "label": "ORG", "linked": None}
                    for m in _CALL_SIGN.finditer(text)]


def _credential(text: str, span: dict, previous: dict | None) -> bool:
    """A credential after a person's name or after another credential: "Ann Lee, MD, MPH"."""
    return (previous is not None and (previous["label"] == "PERSON" or previous.get("credential"))
            and text[previous["end"]:span["start"]] == ", " and _CREDENTIAL.match(text[span["start"]:span["end"]]) is not None)


def _inside(inner: dict, outer: dict) -> bool:
    return outer["start"] <= inner["start"] and inner["end"] <= outer["end"]


def _longer_name(text: str, outer: dict, inner: dict) -> bool:
    """Does the model span `outer` name more than the lexicon name `inner` inside it? Only when what it adds
    holds a capitalised word that is not a date: "University of Washington" yes; "Afghan war", "Twitter
    Tuesday" no."""
    if outer["end"] - outer["start"] <= inner["end"] - inner["start"]:
        return False
    rest = (text[outer["start"]:inner["start"]] + " " + text[inner["end"]:outer["end"]]).split()
    return any(word[:1].isupper() and word.lower().strip(".,") not in DATE_WORDS for word in rest)


def _merge(text: str, model: list[dict], lexicon: list[dict]) -> list[dict]:
    """Model spans by default; a lexicon name replaces the model spans it overlaps, or fills a gap, unless a
    longer model name covers it ("University of Washington" keeps "Washington" inside it). A model span
    that covers two or more lexicon names glued them together ("Kremlin spokesman Dmitry Peskov"): the
    names win."""
    inside = {id(m): [x for x in lexicon if _inside(x, m)] for m in model}
    glued = {id(m) for m in model if len(inside[id(m)]) > 1}
    chosen = [x for x in lexicon if not any(
        id(m) not in glued and _inside(x, m) and _longer_name(text, m, x) for m in model)]
    kept = [m for m in model if not any(x["start"] < m["end"] and m["start"] < x["end"] for x in chosen)]
    return sorted(kept + chosen, key=lambda s: (s["start"], s["end"]))


def mentions(doc, labels: frozenset[str], names: lexicons.NameIndex | None = None,
             not_names: frozenset[str] = frozenset(), read=None, dropped: list | None = None,
             text: str | None = None) -> list[dict]:
    """Entity spans of a spaCy Doc as plain dicts, trimmed; `linked` is the lexicon's canonical name.

    The model's spans (doc.ents; over all-caps stretches those of `read`, the NER on a title-case copy)
    merged with the lexicon ruler's (doc.spans["lexicon"]); names on heading lines count only when they
    also occur in running text; `not_names` and credentials after a person's name are dropped (their
    (start, end) appended to `dropped` when given). `text`: the Doc's text when the caller has it."""
    from spacy.util import filter_spans  # here, not at the top: a build without annotation never imports spaCy

    text = doc.text if text is None else text  # spaCy builds doc.text from the tokens on every access
    headings = heading_ranges(text)
    running = running_text(text, headings)
    model = _model_spans(doc, text, read)
    matches = filter_spans(doc.spans.get(LEXICON_SPANS, []))  # "Dmitry Peskov", not also "Peskov" inside it
    lexicon = [_span(list(match), match.label_, match.id_ or None) for match in matches]
    lexicon = _stations(text, [x for x in lexicon if x]) + _domains(text)
    for x in lexicon:
        if names is not None and not names.allows(x["linked"], text[x["start"]:x["end"]], running):
            x["linked"] = None  # "Harris" alone: a person's name, but not Kamala Harris's without her full name
    # Outlets the text cites by what they publish ("the Ars Technica piece", "reports from The Wrap and Deadline")
    # are organisations, whatever the NER made of a name it did not know (a person, most often), and names of
    # their own where the NER glued two ("The Wrap and Deadline"): cited there, they count as lexicon names.
    people = [(m["start"], m["end"]) for m in model if m["label"] == "PERSON"]
    cited = cited_names(text, people)
    outlets = {name for _, _, name in cited}
    found, previous = [], None
    merged = _merge(text, model, lexicon + [  # where no lexicon name stands ("reported by The Wall Street Journal")
        {"start": start, "end": end, "label": "ORG", "linked": None} for start, end, _ in cited
        if not any(x["start"] < end and start < x["end"] for x in lexicon)])
    # One-word model names the text writes in lower case elsewhere and capitalises only where a sentence opens.
    single = any(" " not in text[s["start"]:s["end"]] and not s["linked"] for s in merged)
    common = common_words_capitalised(text) if single else set()
    for span in merged:
        start, end, label = span["start"], span["end"], span["label"]
        name = text[start:end]
        if name in outlets and not span["linked"] and label in NAME_TYPES:
            span, label = {**span, "label": "ORG"}, "ORG"
        if label not in labels:
            continue
        if label == "PERSON" and not span["linked"] and " " in name and name.split()[-1] in ORG_DESIGNATORS:
            span = {**span, "label": "ORG"}  # "Google Cloud", "Searchlight Cyber": a company
        if label in NAME_TYPES and not any(c.isupper() for c in name) and not span.get("domain"):
            continue  # "marijuana", "potential exchange": a name has a capital letter
        if name in common and not span["linked"]:
            continue  # "Biomarkers are measurable ...", a heading "Genetics": a common word opening a sentence
        if any(h_start <= start and end <= h_end for h_start, h_end in headings) and not occurs_in(name, running):
            continue  # "Background", "Leaked Transcripts": a heading, not a name
        if name in not_names or _credential(text, span, previous):
            previous = {**span, "credential": True}
            if dropped is not None:
                dropped.append((start, end))
            continue  # "AI", "PhD", "COVID-19": a kind of thing, not a name
        previous = {**span, "text": name}
        found.append(previous)
    return found


def entity_id(start: int, end: int, label: str) -> str:
    """Stable within a document: derived from the offsets and the label only."""
    return "e" + hashlib.blake2b(f"{start}:{end}:{label}".encode(), digest_size=6).hexdigest()


def common_words(nlp, parts: tuple[str, ...] = ("verb", "adj")) -> frozenset[str]:
    """Words the pipeline's lemmatizer tables know as verbs or adjectives ("fed", "spur"): WordNet lists
    names only as nouns, so these are ordinary words, not names. Empty when the pipeline has no such tables."""
    try:
        tables = nlp.get_pipe("lemmatizer").lookups
        index = tables.get_table("lemma_index")
    except (KeyError, AttributeError):
        return frozenset()
    exceptions = tables.get_table("lemma_exc") if tables.has_table("lemma_exc") else {}
    words = set()
    for pos in parts:
        words.update(index.get(pos, ()))
        words.update(exceptions.get(pos, {}))
    return frozenset(words)


def _ner_reader(nlp):
    """text -> Doc with the model's entities, running only the NER (and an encoder it listens to): the
    all-caps re-read costs a few lines of NER, not a second parse."""
    if "ner" not in nlp.component_names:
        return None
    steps = [nlp.get_pipe(name) for name in nlp.component_names
             if name == "ner" or "ner" in getattr(nlp.get_pipe(name), "listener_map", {})]

    def read(text: str):
        doc = nlp.make_doc(text)
        for step in steps:
            doc = step(doc)
        return doc
    return read


# id(vocab) -> (pipeline, NER reader, common words), filled by EntityAnnotator.prepare. Kept by pipeline, not
# by annotator: the stage shares a loaded pipeline between the annotators of equal configs and prepares it
# once, so an annotator must find what another one prepared (else its output would depend on which ran first).
_PREPARED: dict[int, tuple] = {}


def _prepared(doc) -> tuple:
    entry = _PREPARED.get(id(doc.vocab))
    return entry if entry and entry[0].vocab is doc.vocab else (None, None, frozenset())


class EntityAnnotator:
    """Annotator protocol (see builder/annotate/stage.py): components, prepare, annotate, skip."""

    name = "entities"
    version = "6"
    components = ("ner", "lexicon_ruler")  # the ruler (added in prepare when config.ruler) writes doc.spans only

    def __init__(self, config: AnnotateConfig):
        self.config = config
        self.labels = frozenset(entity_labels(config.numeric))
        self.not_names = load_not_names()
        self._names: dict[int, lexicons.NameIndex] = {}  # id(vocab) -> the name index with that model's common words
        # What the output depends on besides the text and the model: the stage caches the layer by it.
        self.settings = {"numeric": config.numeric, "ruler": config.ruler, "link": config.link,
                         "lexicons": lexicons.fingerprint(config.lexicons),
                         "labels": hashlib.blake2b(LABELS_FILE.read_bytes(), digest_size=8).hexdigest(),
                         "not_names": hashlib.blake2b(NOT_NAMES_FILE.read_bytes(), digest_size=8).hexdigest(),
                         # first names start a person's name and make a lone surname a person (linking.py)
                         "first_names": hashlib.blake2b(FIRST_NAMES_FILE.read_bytes(), digest_size=8).hexdigest()}
        self.config_hash = hashlib.blake2b(json.dumps(self.settings, sort_keys=True).encode(), digest_size=4).hexdigest()

    def prepare(self, nlp) -> None:
        """Add the lexicon ruler to this pipeline; learn its common words and NER reader (`_PREPARED`)."""
        _PREPARED[id(nlp.vocab)] = (nlp, _ner_reader(nlp), common_words(nlp))
        if self.config.ruler and "ner" in nlp.pipe_names and "lexicon_ruler" not in nlp.pipe_names:
            ruler = nlp.add_pipe("span_ruler", name="lexicon_ruler", after="ner",
                                 config={"spans_key": LEXICON_SPANS, "phrase_matcher_attr": "ORTH"})
            ruler.add_patterns(lexicons.ruler_patterns(self.config.lexicons))

    def annotate(self, doc, row: dict, model: str) -> None:
        _, read, common = _prepared(doc)
        if id(doc.vocab) not in self._names:
            self._names[id(doc.vocab)] = lexicons.NameIndex.build(self.config.lexicons, common)
        names = self._names[id(doc.vocab)]
        dropped: list[tuple[int, int]] = []
        spans = mentions(doc, self.labels, names, self.not_names, read, dropped, row["text"])
        if self.config.link:
            spans = link(row["text"], spans, names, self.not_names, dropped)
        origin = f"{self.name}@{self.version}:{model}:{self.config_hash}"
        row["entities"] = [
            {"id": entity_id(s["start"], s["end"], s["label"]), "start": s["start"], "end": s["end"],
             "label": s["label"], "text": s["text"], "entity": s.get("entity") or s["text"],
             "origin": origin, "confidence": None}
            for s in spans
        ]
        row["entities_note"] = None
        from spacy.util import filter_spans

        # Later annotators (claims, sources) read doc.ents: give them the corrected, linked spans.
        chars = (doc.char_span(s["start"], s["end"], label=s["label"]) for s in spans)
        doc.ents = filter_spans([span for span in chars if span is not None])

    def skip(self, row: dict, reason: str) -> None:
        row["entities"] = []
        row["entities_note"] = reason
