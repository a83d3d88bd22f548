"""Within one document, tie every mention to a document entity with a canonical name.

  1. lexicon names: ruler spans carry their canonical name; other mentions are looked up by alias
     ("U.S." -> "United States"); a bare surname or common-word alias ("Harris") only in a document
     that also writes the full name (lexicons.NameIndex).
  2. name forms: a one-word mention right after a first name the model left out ("Zach" + "Parise" ORG) is that
     person's full name; a one-word mention equal to the surname of a full PERSON name in the document is that
     person ("Witkoff" -> "Steve Witkoff"), whatever label the model gave it (surnames tagged GPE/ORG);
     a generational suffix is not the surname ("Kennedy" -> "Robert Kennedy Jr."), nor a word that is never
     a name (annotations/not_names.txt); where two "full names" end in the surname, one opening with a first
     name wins over one that does not ("Alexander Vindman", not a heading's "Questioning Vindman").
  3. consistency: a surface form the model labelled differently in one document takes its majority label.
  4. propagation: later occurrences of a document's names that the model missed become mentions too
     (the gold annotates every repeat).
Mentions are plain dicts {start, end, label, text, linked}; `entity` is added.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from builder.annotate.lexicons import TITLES, NameIndex, name_words
from builder.annotate.lines import heading_ranges, hyphen_part_alone, running_text

NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC"})
# The words of TITLES that stand before a surname as a title ("President Lee", "Dr. Lee"), not the words that
# only join titles ("the", "of", "state" of "secretary of state").
PERSON_TITLES = TITLES - frozenset("the of state u.s. us white house former late special foreign defense defence".split())


def _canonical_names(text: str, spans: list[dict], names: NameIndex) -> None:
    running = running_text(text, heading_ranges(text))
    for span in spans:
        form = span["text"]
        written = " ".join(form.split())
        span["entity"] = (span["linked"] or names.name_for(span["label"], form, running)
                          or names.name_for(span["label"], " ".join(name_words(written)), running) or written)


def _surnames(spans: list[dict], not_names: frozenset[str]) -> dict[str, str]:
    """Last word of each multi-word PERSON -> its entity, when only one person in the document has it
    (never a word that is not a name: "AI" of a company the model took for a person, "Securiti AI"); of
    several, the only one whose first word is a first name."""
    from builder.annotate.claims_speakers import first_name_genders

    first_names = first_name_genders()
    owners: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        words = name_words(span["text"])
        if span["label"] == "PERSON" and len(words) > 1 and words[-1] not in not_names:
            owners[words[-1]].add(span["entity"])
    surnames = {}
    for word, names in owners.items():
        named = [n for n in names if n.split()[0].lower() in first_names] if len(names) > 1 else list(names)
        if len(named) == 1:
            surnames[word] = named[0]
    return surnames


def _first_names_left_out(text: str, spans: list[dict]) -> list[dict]:
    """'Zach Parise' read as "Parise" (ORG, or nothing there and PERSON elsewhere): a one-word mention's form
    (not a group, NORP) written right after a capitalised first name that no mention covers is, there, that
    person's full name (a hyphenated first name too: "Anna-Maria Lee"). The spans, with those full names in place of the one-word mentions they cover."""
    from builder.annotate.claims_speakers import first_name_genders

    forms = {s["text"] for s in spans if not s["linked"] and s["label"] != "NORP" and " " not in s["text"]}
    if not forms:
        return spans
    first_names = first_name_genders()
    taken = [(s["start"], s["end"]) for s in spans]
    pattern = re.compile(r"(?<![\w.'’-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?) (" + "|".join(map(re.escape, sorted(forms))) + r")(?!\w)")
    full = []
    for match in pattern.finditer(text):
        start, end = match.span()
        # A hyphenated first name ("Anna-Maria"): one part a known first name, no other written on its own.
        first = [(part, part.lower() in first_names) for part in match.group(1).split("-")]
        first_name = any(known for _, known in first) and all(known or not hyphen_part_alone(part, text)
                                                              for part, known in first)
        if first_name and not any(s < match.end(1) and start < e for s, e in taken):
            full.append({"start": start, "end": end, "label": "PERSON", "text": match.group(), "linked": None})
    covered = {(f["start"] + len(f["text"]) - len(f["text"].split()[-1]), f["end"]) for f in full}
    return [s for s in spans if (s["start"], s["end"]) not in covered] + full


def _link_name_forms(spans: list[dict], surnames: dict[str, str]) -> None:
    for span in spans:
        if span["linked"] and span["label"] != "PERSON":
            continue  # a lexicon name ("Bloomberg", the outlet) is not a surname
        owner = surnames.get(span["text"])
        if owner and span["label"] in NAME_LABELS:
            span["label"], span["entity"] = "PERSON", owner


def _introduced(text: str, span: dict, names: NameIndex) -> bool:
    """Is a one-word PERSON mention written as a person's name: after a title ("President Lee"), or a
    person the lexicon knows ("Trump")?"""
    before = text[:span["start"]].split()[-1:]
    return bool(before and before[0].lower() in PERSON_TITLES) or ("PERSON", span["text"]) in names.canonical


def _unintroduced_persons(text: str, spans: list[dict], surnames: dict[str, str], names: NameIndex) -> None:
    """A one-word PERSON that the document never introduces is an organisation. News writes a person's full
    name (or title and surname) at first mention and the surname after it; a lone capitalised word
    ("Strava", "Jamf") that is neither a surname of a full name here, nor a word of one, nor a first name,
    nor after a title, nor a person of the lexicon, is far more often a company or a brand that the NER,
    knowing no such word, took for a person."""
    from builder.annotate.claims_speakers import first_name_genders

    in_full_names = {word for span in spans if span["label"] == "PERSON" for word in span["text"].split()[1:]}
    in_full_names |= {word for span in spans if span["label"] == "PERSON" and " " in span["text"]
                      for word in span["text"].split()[:1]}
    first_names = first_name_genders()
    for span in spans:
        form = span["text"]
        if (span["label"] == "PERSON" and not span["linked"] and " " not in form and form not in surnames
                and form not in in_full_names and form.lower() not in first_names):
            persons_forms = [other for other in spans if other["text"] == form and _introduced(text, other, names)]
            if not persons_forms:
                span["label"] = "ORG"


def _majority_labels(spans: list[dict]) -> None:
    votes: dict[str, Counter] = defaultdict(Counter)
    for span in spans:
        votes[span["text"]][span["label"]] += 1
    for span in spans:
        (label, top), *rest = votes[span["text"]].most_common(2) + [(None, 0)]
        if not span["linked"] and label != span["label"] and top > rest[0][1]:
            span["label"] = label


def _propagate(text: str, spans: list[dict], surnames: dict[str, str], blocked: list[tuple[int, int]]) -> list[dict]:
    forms: dict[str, tuple[str, str]] = {s["text"]: (s["label"], s["entity"]) for s in spans}
    forms.update((word, ("PERSON", owner)) for word, owner in surnames.items())
    forms = {f: v for f, v in forms.items() if len(f) > 1 and any(c.isupper() for c in f) and v[0] in NAME_LABELS}
    if not forms:
        return spans
    taken = bytearray(len(text))
    for start, end in [(span["start"], span["end"]) for span in spans] + list(blocked):
        taken[start:end] = b"\1" * (end - start)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")(?!\w)")
    added = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(taken[start:end]):
            continue
        label, entity = forms[match.group()]
        added.append({"start": start, "end": end, "label": label, "text": match.group(), "linked": None,
                      "entity": entity})
    return spans + added


def link(text: str, spans: list[dict], names: NameIndex, not_names: frozenset[str] = frozenset(),
         blocked: list[tuple[int, int]] = ()) -> list[dict]:
    """The mentions with their entities; `blocked` are places the annotator judged not names (a credential
    "MD" after a person's name), where propagation adds no mention."""
    spans = _first_names_left_out(text, spans)
    _canonical_names(text, spans, names)
    surnames = _surnames(spans, not_names)
    _link_name_forms(spans, surnames)
    _unintroduced_persons(text, spans, surnames, names)
    _majority_labels(spans)
    spans = _propagate(text, spans, surnames, blocked)
    return sorted(spans, key=lambda s: (s["start"], s["end"]))
