"""Source links: where a document's information comes from.

Four kinds (records.SourceLink):
- hyperlink: a link of the main content (Document.links), with its domain and, when the domain belongs to a
  known outlet, the outlet's canonical name;
- citation / reference: citation chips and "More References" items, produced by the clean stage; kept as they are;
- mention: an outlet named in the text as the origin of information ("reported by Bloomberg", "(Reuters) -",
  "told The Hill", "according to the Financial Times"), only where the parse shows it reporting, not merely
  being talked about. An outlet is a name of the outlet lexicon (platforms and agencies are not outlets), a
  name of a newspaper's shape ("the Argus Leader", "People's Daily", "the Chronicle", "Wheeling
  News-Register"), a lexicon outlet with a station's call sign ("CBS DFW"), a name in a dateline ("(WABC) --"),
  the short name someone talks to ("told BSS", "tells TODAY.com", "told theCUBE"), or a name known by what it
  publishes ("a VentureBeat article", "a piece from MIT Technology Review", "as reported by MarketScreener", "a memo
  viewed by STAT"), which is then an outlet at its other mentions in the document too ("an Ars Technica report",
  where the parse shows it reporting). A shaped name links to the
  lexicon when one of its forms is written so, or when it is the short form ("the Post") of an outlet named
  before in the document or of the document's own site.
The claims annotator reads the mention spans: an outlet is a source, never a speaker.

Ids are stable: a hash of (kind, offsets, name, url), so re-annotating the same text gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from builder.annotate import lexicons

# Lemmas that make an outlet the origin of information when the outlet hangs under them in the parse:
# "reported by X", "X reported", "told X", "according to X", "a X report", "in an interview with X".
_REPORTING_HEADS = {
    "according", "accord", "report", "tell", "say", "write", "reveal", "publish", "interview", "cite", "quote",
    "confirm", "obtain", "see", "review", "learn", "break", "show", "allege", "note", "speak", "talk",
    "disclose", "describe", "explain", "add", "claim", "announce", "estimate", "find", "analysis",
    "investigation", "story", "article", "reporting", "coverage", "poll", "survey", "source",
    "transcript", "document", "recording", "leak", "contact", "footage", "email", "via", "piece", "test",
    "experiment", "evaluation", "cover",
}
# Dependency relations along which "being the origin" travels upwards from the outlet's name.
_CARRY_DEPS = {"conj", "appos", "pobj", "prep", "compound", "poss", "nsubj", "nsubjpass", "dobj", "agent",
               "dative", "pcomp", "cc", "npadvmod"}
_MAX_HOPS = 4
# Head words of newspaper names: "the Argus Leader", "the Deseret News", "People's Daily".
NEWSPAPER_HEADS = (
    "Times", "Post", "News", "Journal", "Chronicle", "Herald", "Tribune", "Daily", "Gazette", "Leader",
    "Telegraph", "Guardian", "Observer", "Courier", "Dispatch", "Examiner", "Inquirer", "Enquirer", "Register",
    "Bulletin", "Sentinel", "Ledger", "Intelligencer", "Star-Ledger", "Free Press", "Press", "Monitor", "Reporter",
)
_DATE_WORDS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|" \
              r"July|August|September|October|November|December)\b"
_NAME_WORD = r"(?:St\.|[A-Z][\w'’&]*(?:-[A-Z][\w'’&]*)*)"  # no full stop inside: it may end a sentence
_HEAD = r"(?:" + "|".join(map(re.escape, sorted(NEWSPAPER_HEADS, key=len, reverse=True))) + r")(?:-[A-Z]\w+)?"
# Up to four capitalised words and a head word ("Sioux Falls Argus Leader"); a bare head word counts only
# after "the" ("the Chronicle"), since alone it is an ordinary capitalised word; a name goes on past its
# head word only with a date ("The Daily Show" is not "The Daily", "told the Times Tuesday" is the Times).
_SHAPED = re.compile(r"(?<![\w&])(?:(?:" + _NAME_WORD + r"\s){1,4}" + _HEAD + r"|(?<=\b[Tt]he\s)" + _HEAD + r")(?![\w&])(?!\s+(?!" + _DATE_WORDS + r")[A-Z])")
_CALL_SIGN = r"(?:\s(?:[A-Z]{2,5}|\d{1,2}))"
# Outlets outside the lexicon known by their place: a wire or station dateline ("(WABC) --", "(KXAN) —") and
# the short name someone talks to ("told BSS", "tells TODAY.com", "told theCUBE"): an acronym, a site's domain
# or a camel-case name, followed by the end of the phrase (not "told FBI agents"; "told the FBI" has its article).
_DATELINE_NAME = re.compile(r"(?<=\()[A-Z][A-Za-z.&]{1,15}(?=\)\s*[-–—])")
# A site's domain is a name of its own whatever follows it ("told Example.info the plan was dead"); an acronym or a
# camel-case name is one before the end of the phrase or a clause's first word ("told NBSS the harvest doubled").
_TOLD_NAME = re.compile(r"\b(?:told|tells|tell|telling)\s+(?:([A-Za-z][\w-]*\.(?:co\.uk|[a-z]{2,6}))(?![\w.-]*\w)"
                        r"|([A-Z]{2,6}|[a-z]+[A-Z]\w*)\b(?=\s*(?:[,.;:\"“”]|(?:that|in|on|the|a|an|it|he|she|they|we|I)\b|$)))",
                        re.M)
# Outlets outside the lexicon known by what they publish or do as outlets: "a VentureBeat article", "The Ars Technica
# piece", "CNN's story", "a piece from MIT Technology Review", "as reported by MarketScreener", "a notice viewed by
# STAT". A name so found is an outlet of the document: its other occurrences are candidates like lexicon names.
_CONTEXT_WORD = r"(?:[A-Z](?:[\w&-]|\.(?=\w))*)"  # a capitalised word, acronym or domain; no final full stop
_CONTEXT_NAME = r"(" + _CONTEXT_WORD + r"(?:\s" + _CONTEXT_WORD + r"){0,3}|[a-z]+[A-Z]\w*)"
_JOURNALISM = r"(?:article|piece|story|column|editorial|op-ed|coverage|podcast|newsletter)s?"
_CITED_NAME = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Aa]nother|[Tt]his|[Tt]hat)\s" + _CONTEXT_NAME + r"(?:['’]s)?\s" + _JOURNALISM + r"\b"
    + r"|(?<![\w&])" + _CONTEXT_NAME + r"['’]s\s" + _JOURNALISM + r"\b"
    + r"|\b" + _JOURNALISM + r"\s(?:from|in)\s(?:the\s)?" + _CONTEXT_NAME + r"(?![\w&])"
    + r"|\b(?:reported|covered|viewed|reviewed|obtained|seen)\sby\s(?:the\s)?" + _CONTEXT_NAME + r"(?![\w&])")
# "according to reports from A and B": bare "reports" are the news media's; their named origins are outlets.
_REPORTS_FROM = re.compile(r"\baccording to (?:recent |media |news |press )?reports (?:from|by|in) (?:the\s)?"
                           + _CONTEXT_NAME + r"(?:,? and (?:the\s)?" + _CONTEXT_NAME + r")?(?![\w&])")
_PERSON_SHAPE = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z'’]+)*")  # "Ann Lee", "Lee-Smith": what a person is called
# "(Reuters) -" / "(AP) —" wire datelines.
_DATELINE = re.compile(r"\(\s*$")
_DATELINE_AFTER = re.compile(r"^\s*\)\s*[-–—]")


@dataclass
class Outlets:
    """The outlet lexicon: surface form -> canonical name, domain -> canonical name."""

    canonical_by_form: dict[str, str] = field(default_factory=dict)
    domain_by_name: dict[str, str] = field(default_factory=dict)
    name_by_domain: dict[str, str] = field(default_factory=dict)
    pattern: re.Pattern | None = None
    stations: re.Pattern | None = None  # a lexicon outlet and a call sign: "CBS DFW", "Fox 5"

    @classmethod
    def from_records(cls, records: list[dict]) -> "Outlets":
        outlets = cls()
        for rec in records:
            name = rec["name"]
            for form in [name, *rec.get("aliases", [])]:
                outlets.canonical_by_form.setdefault(form, name)
            if rec.get("domain"):
                outlets.name_by_domain.setdefault(_bare_domain(rec["domain"]), name)
                outlets.domain_by_name[name] = _bare_domain(rec["domain"])
        forms = sorted(outlets.canonical_by_form, key=len, reverse=True)
        if forms:
            # Case-sensitive on purpose: "the hill" or "ap" in running text are not outlets.
            alternatives = "|".join(map(re.escape, forms))
            outlets.pattern = re.compile(r"(?<![\w&])(?:" + alternatives + r")(?![\w&])")
            outlets.stations = re.compile(r"(?<![\w&])(?:" + alternatives + r")" + _CALL_SIGN + r"(?![\w&])")
        return outlets

    def canonical(self, name: str) -> str | None:
        """The lexicon outlet written as `name`, with or without a leading "The"."""
        bare = name[4:] if name.startswith("The ") else name
        return self.canonical_by_form.get(name) or self.canonical_by_form.get(bare) or self.canonical_by_form.get("The " + bare)

    def outlet_for_domain(self, domain: str | None) -> str | None:
        """Canonical outlet of a host, trying parent domains too (edition.cnn.com -> cnn.com)."""
        host = _bare_domain(domain or "")
        while host:
            if host in self.name_by_domain:
                return self.name_by_domain[host]
            _, _, host = host.partition(".")
            if "." not in host:
                return None
        return None


def load_outlets(folder: str | Path | None = None) -> Outlets:
    """The outlets of outlets.jsonl in `folder` or the bundled lexicons, as read by the lexicons module."""
    return Outlets.from_records([outlet.model_dump() for outlet in lexicons.load_outlets(folder)])


def source_id(kind: str, start, end, name: str, url: str | None = None) -> str:
    blob = f"{kind}|{start}|{end}|{name}|{url or ''}".encode()
    return "src-" + hashlib.blake2b(blob, digest_size=6).hexdigest()


def _bare_domain(host: str) -> str:
    host = host.lower().strip().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def hyperlink_sources(links: list[dict], outlets: Outlets) -> list[dict]:
    """One `hyperlink` source per main-content link, with its domain and outlet (when the domain is known)."""
    sources = []
    for link in links:
        url = link.get("url") or ""
        domain = link.get("domain") or _bare_domain(urlsplit(url).hostname or "") or None
        outlet = outlets.outlet_for_domain(domain)
        name = link.get("text") or domain or url
        sources.append({
            "id": source_id("hyperlink", link.get("start"), link.get("end"), name, url),
            "kind": "hyperlink", "name": name, "outlet": outlet, "domain": domain, "url": url,
            "start": link.get("start"), "end": link.get("end"), "count": None, "context": None,
        })
    return sources


def _is_dateline(text: str, start: int, end: int) -> bool:
    return bool(_DATELINE.search(text[max(0, start - 3):start]) and _DATELINE_AFTER.match(text[end:end + 4]))


def _reports_in_parse(doc, start: int, end: int) -> bool:
    """True when the outlet name hangs (within a few hops) under a reporting word: the outlet is a source."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    token = span.root
    for _ in range(_MAX_HOPS):
        if token.dep_ not in _CARRY_DEPS or token.head.i == token.i:
            return False
        token = token.head
        if token.lemma_.lower() in _REPORTING_HEADS:
            return True
    return False


def _shaped_name(text: str, start: int, end: int) -> tuple[int, str]:
    """A newspaper-shaped match as the gold writes the name: a sentence-opening "The" is left out."""
    name = text[start:end]
    if name.startswith("The ") and (start == 0 or text[:start].rstrip()[-1:] in ("", ".", "!", "?", "\n", ":", "\"", "“")):
        return start + 4, name[4:]
    return start, name


def cited_names(text: str, people: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, name) of the names _CITED_NAME finds. A person's name is no outlet where a person fits as
    well ("Ann Lee's column", "reported by Ann Lee"); the NER's PERSON is not trusted in "the Ars Technica piece",
    where a person's name does not stand (it reads unknown outlets' names as people), nor for a name no person has
    (an acronym, a domain, a camel-case name: "viewed by STAT", "reported by MarketScreener"). The origins of
    "according to reports from A and B" are outlets unless the NER calls them people."""
    found = []
    for match in _CITED_NAME.finditer(text):
        group = next(g for g in range(1, 5) if match.group(g) is not None)
        start, end = match.span(group)
        name = match.group(group)
        person = _PERSON_SHAPE.fullmatch(name) and any(s < end and start < e for s, e in people)
        if group in (1, 3) or not person:
            found.append((start, end, name))
    for match in _REPORTS_FROM.finditer(text):
        for group in (1, 2):
            start, end = match.span(group)
            if start >= 0 and not any(s < end and start < e for s, e in people):
                found.append((start, end, match.group(group)))
    return sorted(found)


def outlet_scan(text: str, outlets: Outlets) -> list[tuple[int, int, str, bool]]:
    """The outlet-like names of `_candidates` found without the NER's people: lexicon outlets and stations,
    newspaper shapes, datelines, the short name someone talks to. The places and the annotation of a document
    share one scan (SourcesAnnotator)."""
    found = []
    for pattern in (outlets.stations, outlets.pattern):
        if pattern is not None:
            found += [(m.start(), m.end(), m.group(), False) for m in pattern.finditer(text)]
    for match in _SHAPED.finditer(text):
        start, name = _shaped_name(text, *match.span())
        found.append((start, match.end(), name, False))
    found += [(m.start(), m.end(), m.group(), False) for m in _DATELINE_NAME.finditer(text)]
    found += [(*m.span(m.lastindex), m.group(m.lastindex), False) for m in _TOLD_NAME.finditer(text)]
    return found


def _candidates(text: str, outlets: Outlets, people: list[tuple[int, int]] = (),
                scanned: list | None = None) -> list[tuple[int, int, str, bool]]:
    """(start, end, name, cited) of every outlet-like name in the text, longest first where they overlap; `cited`
    when its own words show it is an outlet's (_CITED_NAME), with no need of the parse. `people`: the spans of
    PERSON names, which are never outlets found by their context. `scanned`: the text's outlet_scan, when done."""
    cited = cited_names(text, people)
    found = [(start, end, name, True) for start, end, name in cited]
    if cited:  # the document's own outlets: each other place they are named (one pass for all of them)
        names = sorted({name for _, _, name in cited}, key=len, reverse=True)
        others = re.compile(r"(?<![\w&])(?:" + "|".join(map(re.escape, names)) + r")(?![\w&])")
        found += [(m.start(), m.end(), m.group(), False) for m in others.finditer(text)]
    found += outlet_scan(text, outlets) if scanned is None else scanned
    found.sort(key=lambda c: (c[0], -c[1], not c[3]))
    chosen, last_end = [], -1
    for candidate in found:
        if candidate[0] >= last_end:
            chosen.append(candidate)
            last_end = candidate[1]
    return chosen


def _outlet_of(name: str, outlets: Outlets, named_before: list[str], home: str | None) -> str | None:
    """The lexicon outlet a written name stands for: its own form; a known outlet with a call sign ("CBS
    DFW" -> CBS); the short form ("Post", "Chronicle") of an outlet named before or of the document's site."""
    known = outlets.canonical(name)
    if known:
        return known
    if outlets.pattern is not None:
        prefix = outlets.pattern.match(name)
        if prefix and prefix.end() < len(name):
            return outlets.canonical_by_form[prefix.group()]
    if " " not in name:
        for outlet in [*reversed(named_before), home]:
            if outlet and outlet.split()[-1] == name:
                return outlet
    return None


def _people(doc) -> list[tuple[int, int]]:
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"] if doc is not None else []


def mention_sources(text: str, doc, outlets: Outlets, home: str | None = None,
                    scanned: list | None = None) -> list[dict]:
    """Outlets named in the text as the origin of information, with start/end at the name as written.
    `home` is the outlet of the document's own site, for its short form ("the Chronicle"); `scanned`: the
    text's outlet_scan, when done."""
    sources, named_before = [], []
    for start, end, name, cited in _candidates(text, outlets, _people(doc), scanned):
        outlet = _outlet_of(name, outlets, named_before, home)
        named_before.append(outlet or name)
        if not (cited or _is_dateline(text, start, end) or (doc is not None and _reports_in_parse(doc, start, end))):
            continue
        sources.append({
            "id": source_id("mention", start, end, name), "kind": "mention", "name": name, "outlet": outlet,
            "domain": outlets.domain_by_name.get(outlet), "url": None, "start": start, "end": end,
            "count": None, "context": None,
        })
    return sources


def annotate_sources(text: str, doc, links: list[dict], existing: list[dict], outlets: Outlets,
                     home: str | None = None, scanned: list | None = None) -> list[dict]:
    """All source links of a document: the clean stage's chips and references first, then hyperlinks, mentions."""
    sources = [dict(s) for s in existing if s.get("kind") not in ("hyperlink", "mention")]
    for source in sources:
        if not source.get("outlet"):
            source["outlet"] = outlets.canonical_by_form.get(source["name"]) or outlets.outlet_for_domain(
                source.get("domain") or (source["name"] if "." in source["name"] else None))
    sources += hyperlink_sources(links, outlets)
    sources += mention_sources(text, doc, outlets, home, scanned)
    return sources


# Outlet scans kept between a document's places and its annotation: more than a batch (annotate.batch_size).
_SCANS_KEPT = 1024
_SOURCE_FIELDS = ("id", "kind", "name", "outlet", "domain", "url", "start", "end", "count", "context")


class SourcesAnnotator:
    """Annotator protocol (builder/annotate/stage.py): fills row["sources"]; runs after entities."""

    name = "sources"
    version = "5"
    components = ("tagger", "attribute_ruler", "lemmatizer", "parser")
    context_words = frozenset()  # whether a name reports is read in its own sentence's parse

    def __init__(self, config):
        self.outlets = load_outlets(config.lexicons)
        self.settings = {"lexicons": lexicons.fingerprint(config.lexicons)}  # see EntityAnnotator.settings
        # text -> its outlet_scan, from places() to annotate() of the same document (taken out there); cleared
        # when it grows past _SCANS_KEPT (documents placed but never annotated: over their time budget).
        self._scans: dict[str, list] = {}

    def prepare(self, nlp) -> None:
        """Nothing to add to the pipeline: mentions are found by the outlet lexicon and the parse."""

    def places(self, row: dict, nlp) -> list[tuple[int, int]]:
        """Where the parse is read: the outlet-like names, whether they report is in their sentence's parse."""
        if len(self._scans) >= _SCANS_KEPT:
            self._scans.clear()
        scanned = self._scans[row["text"]] = outlet_scan(row["text"], self.outlets)
        return [(start, end) for start, end, _, _ in _candidates(row["text"], self.outlets, scanned=scanned)]

    def annotate(self, doc, row: dict, model: str) -> None:
        home = self.outlets.outlet_for_domain(row.get("site") or urlsplit(row.get("url") or "").hostname)
        found = annotate_sources(row["text"], doc, row.get("links") or [], row.get("sources") or [], self.outlets, home,
                                 self._scans.pop(row["text"], None))
        row["sources"] = [{key: source.get(key) for key in _SOURCE_FIELDS} for source in found]

    def skip(self, row: dict, reason: str) -> None:
        """No parse: hyperlinks and the clean stage's chips still stand; mentions need the parse (or a dateline)."""
        self.annotate(None, row, "")
