"""Who said it: resolve the subject of a reporting verb to a document entity's canonical name.

- a name (PERSON, ORG, GPE, NORP, FAC mention inside the subject phrase) -> that entity's canonical name;
- an outlet -> no speaker (outlets are sources, and the claim becomes `attributed`);
- a pronoun (he, she) or a definite description ("the president", "the spokeswoman") -> the nearest fitting
  named PERSON before it, preferring people who are subjects (the ones the text is talking about); a pronoun
  whose previous sentence opens with the same pronoun as subject ("He said ... / He also said") continues
  that chain; a description written earlier right next to a name ("President Ann Lee", "Ann Lee, the
  mayor") is that name, however far back;
- "they"/"it" -> the nearest organisation that was the subject of an earlier sentence ("Acme have denied it.
  ... they said");
- anything else ("police", "a spokesperson", "officials") -> null: unnamed.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEAKER_LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC"}
_ORGANISATION_LABELS = {"ORG"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
GROUP_PRONOUNS = {"it", "they", "we"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_LOOKBACK_CHARS = 1500  # a pronoun refers back a few sentences, not a whole article


@dataclass
class Speaker:
    name: str | None
    is_outlet: bool = False


def canonical_entities(doc, entities: list[dict] | None) -> list[dict]:
    """Entity mentions sorted by start, each with a canonical `entity` name.

    Uses the entity annotator's mentions when given; otherwise spaCy's doc.ents with surname linking (a
    one-word PERSON mention takes the most recent full name that ends with it), so claims work on their own.
    """
    if entities:
        return sorted((e for e in entities if e["label"] in SPEAKER_LABELS), key=lambda e: e["start"])
    mentions, full_names = [], []
    for ent in doc.ents:
        if ent.label_ not in SPEAKER_LABELS:
            continue
        name = ent.text[:-2] if ent.text.endswith(("'s", "’s")) else ent.text
        lead = 4 if name.startswith("the ") else 0  # SPEC: a lowercase "the" is not part of the name
        name = name[lead:]
        canonical = name
        if ent.label_ == "PERSON":
            parts = name.split()
            match = next((f for f in reversed(full_names) if len(parts) < len(f.split())
                          and f.split()[-len(parts):] == parts), None)
            canonical = match or name
            if len(parts) > 1:
                full_names.append(name)
        mentions.append({"start": ent.start_char + lead, "end": ent.start_char + lead + len(name), "label": ent.label_,
                         "text": name, "entity": canonical})
    return mentions


class SpeakerResolver:
    def __init__(self, doc, entities: list[dict], outlet_spans: list[tuple[int, int]], descriptions: set[str],
                 quotes: list[tuple[int, int]] = (), organisations: set[str] = frozenset()):
        self.organisations = organisations
        self.doc = doc
        self.text = doc.text  # spaCy rebuilds doc.text from the tokens on every access: read it once
        self.entities = entities
        # People named inside quoted words are talked about, not talking: never antecedents of "he"/"she".
        # The NER often calls a surname ORG or GPE ("Witkoff"): a mention is a person when its entity or its
        # last word belongs to a PERSON mention of the document.
        person_entities = {e["entity"] for e in entities if e["label"] == "PERSON"}
        surnames = {e["text"].split()[-1] for e in entities if e["label"] == "PERSON" and " " in e["text"]}
        self.quoted = [e for e in entities if any(q_start <= e["start"] < q_end for q_start, q_end in quotes)]
        self.unquoted_people = [e for e in entities
                                if (e["label"] == "PERSON" or e["entity"] in person_entities or e["text"] in surnames)
                                and not any(q_start <= e["start"] < q_end for q_start, q_end in quotes)]
        self.quotes = quotes
        self.outlet_spans = outlet_spans
        self.descriptions = descriptions

    def _is_outlet(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.outlet_spans)

    def entity_of(self, name: str | None) -> str | None:
        """Canonical name of the document entity a speaker string was written as (None when no mention is)."""
        return next((e["entity"] for e in self.entities if e["text"] == name), None) if name else None

    def resolve(self, subject) -> Speaker:
        """Speaker of a subject token (the head of the subject phrase)."""
        phrase_start = subject.left_edge.idx
        phrase_end = subject.right_edge.idx + len(subject.right_edge)
        if self._is_outlet(phrase_start, phrase_end):
            return Speaker(None, is_outlet=True)
        inside = [e for e in self.entities if phrase_start <= e["start"] and e["end"] <= phrase_end]
        head = next((e for e in inside if e["start"] <= subject.idx < e["end"]), None)
        for appos in (c for c in subject.children if c.dep_ == "appos"):  # "The group ..., Big Machine, says"
            head = head or next((e for e in inside if e["start"] <= appos.idx < e["end"]), None)
        people = [e for e in inside if e["label"] == "PERSON"]
        # The name covering the head noun; else the person named in the phrase ("China's ambassador to the UK,
        # Liu Xiaming,"); a place or group merely modifying a description is not the speaker.
        if head is not None or people:
            return Speaker(self.full_name(head or people[-1]))
        if subject.pos_ == "PROPN" and subject.lower_ not in self.descriptions:
            # A name the NER missed: take it as written, with its longer form.
            name = self.doc[subject.left_edge.i:subject.i + 1]
            name = [t for t in name if t.pos_ == "PROPN"]
            text = " ".join(t.text for t in name) or subject.text
            return Speaker(self.full_name({"text": text, "label": "PERSON", "start": subject.idx, "entity": text}))
        word = subject.lower_
        if word in PERSON_PRONOUNS:
            return Speaker(self._pronoun_chain(subject) or self._nearest_person(subject.idx))
        if word in GROUP_PRONOUNS - {"we"}:
            return Speaker(self._organisation_subject(subject.idx))
        if word in self.organisations and subject.tag_ == "NN" and self._definite(subject):
            return Speaker(self._nearest(subject.idx, _ORGANISATION_LABELS))  # "the company says"
        aged = word == "old" and any(t.lower_ in ("year", "years") for t in subject.lefts)  # "the 56-year-old"
        described = word in self.descriptions or aged
        if described and (subject.tag_ in ("NN", "NNP") or aged) and (self._definite(subject) or subject.pos_ == "PROPN"):
            return Speaker(self._named_with(subject) or self._nearest_person(subject.idx)
                           or self._next_person(subject.idx))
        return Speaker(None)

    def named_in(self, start: int, end: int) -> str | None:
        """The first non-outlet name inside an attribution phrase ("according to the United Nations")."""
        if self._is_outlet(start, end):
            return None
        inside = [e for e in self.entities if start <= e["start"] and e["end"] <= end]
        return self.full_name(inside[0]) if inside else None

    def full_name(self, mention: dict) -> str:
        """The speaker as written at its fullest mention: "Carlineo" -> "Patrick Carlineo Jr."."""
        words = mention["text"].split()
        # Longer forms of the same name ("Marcelo Claure" for "Claure", "Drug Enforcement Administration" for
        # "DEA"); a different name of the same entity ("Britain" for "UK") is not how the text wrote it.
        # A surname matches a longer name ending with it whatever the NER called either ("Claure" ORG).
        longer = [e for e in self.entities if (
            (e["label"] == mention["label"] == "PERSON" and _contains_words(e["text"].split(), words))
            or (len(words) == 1 and len(e["text"].split()) > 1 and e["text"].split()[-1] == words[0])
            # Agencies are spelled out then abbreviated; "US" and "UK" are names of their own, not short forms.
            or (e["label"] == mention["label"] == "ORG" and _is_acronym_of(mention["text"], e["text"])))]
        return max([mention, *longer], key=lambda e: (len(e["text"]), -abs(e["start"] - mention["start"])))["text"]

    @staticmethod
    def _definite(token) -> bool:
        """'the/this/his ambassador', "China's ambassador": a particular person, not 'a spokesperson'."""
        return any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in ("the", "this", "that"))
                   for c in token.children)

    def _nearest(self, before: int, labels: set[str]) -> str | None:
        """Nearest unquoted mention with one of `labels` before `before`, within a few sentences."""
        earlier = [e for e in self.entities if e["label"] in labels and e["start"] < before
                   and before - e["start"] <= _LOOKBACK_CHARS and e not in self.quoted]
        return self.full_name(earlier[-1]) if earlier else None

    def _next_person(self, after: int) -> str | None:
        """A description named only afterwards ("China's ambassador ... Liu Xiaming said"), same paragraph."""
        paragraph_end = self.text.find("\n", after)
        paragraph_end = len(self.text) if paragraph_end < 0 else paragraph_end
        later = [e for e in self.unquoted_people if after < e["start"] < min(paragraph_end, after + _LOOKBACK_CHARS)]
        return self.full_name(later[0]) if later else None

    def _named_with(self, subject) -> str | None:
        """The person the article writes this description next to: "President Ann Lee", "Ann Lee, the mayor",
        "the city's mayor Ann Lee" -> "the mayor" or "the city's mayor" is Ann Lee. The last such person before
        the description, else the first after it (a lead that names the speaker only further down)."""
        owner = next((c for c in subject.children if c.dep_ == "poss"), subject)  # "the city's mayor of Leeds"
        words = [t for t in subject.subtree if t.dep_ != "det" and t.i >= owner.left_edge.i]
        description = self.doc[words[0].i:words[-1].i + 1].text.lower()
        text = self.text.lower()
        found = None
        for person in self.unquoted_people:
            if found and person["start"] >= subject.idx:
                break
            before = text[max(0, person["start"] - len(description) - 2):person["start"]].rstrip(" ,")
            qualifier = self.text[:person["start"]].rstrip(" ,")[:-len(description)].split()[-1:]
            if qualifier and qualifier[0][0].isupper() and qualifier[0] != "The":
                before = ""  # "Russian President Vladimir Putin" is not who "the president" means
            after = text[person["end"]:person["end"] + len(description) + 8].lstrip(" ,")
            after = after[4:] if after.startswith("the ") else after
            if person["start"] != subject.idx and (before.endswith(description) or after.startswith(description)):
                found = person
        return self.full_name(found) if found else None

    def _pronoun_chain(self, pronoun) -> str | None:
        """'He said ... / He also said ...': when the main subject of the previous sentence is the same pronoun,
        this one refers to whoever that one does (news paragraphs keep one speaker going)."""
        sentence = pronoun.sent
        if sentence.start == 0 or any(e["start"] < pronoun.idx for e in self.unquoted_people
                                      if e["start"] >= sentence.start_char):
            return None  # a person named earlier in this very sentence is nearer
        previous = self.doc[sentence.start - 1].sent
        main = [t for t in previous if t.dep_ in _SUBJECT_DEPS and t.head.dep_ == "ROOT"
                and not any(q_start <= t.idx < q_end for q_start, q_end in self.quotes)]
        if main and main[0].lower_ == pronoun.lower_:
            return self._pronoun_chain(main[0]) or self._nearest_person(main[0].idx)
        return None

    def _organisation_subject(self, before: int) -> str | None:
        """Nearest ORG mention before `before` that heads the subject of its clause, within a few sentences."""
        for e in reversed(self.entities):
            if e["label"] != "ORG" or e["start"] >= before or e in self.quoted:
                continue
            if before - e["start"] > _LOOKBACK_CHARS:
                break
            span = self.doc.char_span(e["start"], e["end"], alignment_mode="expand")
            # "Acme have denied it", "The company that runs it, Acme, denies it": the subject or its apposition.
            subject = span is not None and (span.root.dep_ in _SUBJECT_DEPS or (
                span.root.dep_ == "appos" and span.root.head.dep_ in _SUBJECT_DEPS))
            if subject and not self._is_outlet(e["start"], e["end"]):
                return self.full_name(e)
        return None

    def _nearest_person(self, before: int) -> str | None:
        """Nearest PERSON mention before `before`: in the same sentence, else subjects first, a few sentences back."""
        candidates = [e for e in reversed(self.unquoted_people)
                      if e["start"] < before and before - e["start"] <= _LOOKBACK_CHARS]
        if not candidates:
            return None
        sentence_start = self.doc.char_span(before, before + 1, alignment_mode="expand").sent.start_char
        # The parser sometimes runs a sentence across a paragraph break: a sentence never starts before it.
        sentence_start = max(sentence_start, self.text.rfind("\n", 0, before) + 1)
        if candidates[0]["start"] >= sentence_start:
            return self.full_name(candidates[0])
        # Main-clause subjects first ("Witkoff suggested that Putin should call" -> Witkoff), then any subject.
        roots = [span.root for span in (self.doc.char_span(e["start"], e["end"], alignment_mode="expand")
                                        for e in candidates)]
        for wanted in (lambda t: t.dep_ in _SUBJECT_DEPS and t.head.dep_ == "ROOT",
                       lambda t: t.dep_ in _SUBJECT_DEPS):
            for e, root in zip(candidates, roots):
                if wanted(root):
                    return self.full_name(e)
        return self.full_name(candidates[0])


def _contains_words(longer: list[str], words: list[str]) -> bool:
    n = len(words)
    return len(longer) > n and any(longer[i:i + n] == words for i in range(len(longer) - n + 1))


def _is_acronym_of(short: str, name: str) -> bool:
    initials = "".join(w[0] for w in name.replace("-", " ").split() if w[0].isupper())
    return short.isupper() and 2 <= len(short) <= 6 and short.replace(".", "") == initials
