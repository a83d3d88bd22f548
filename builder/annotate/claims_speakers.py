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

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from builder.annotate.claims_index import QuoteIndex, Sentences, StartIndex
from builder.annotate.labels import ANNOTATIONS_DIR

FIRST_NAMES_FILE = ANNOTATIONS_DIR / "first_names.tsv"
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}

SPEAKER_LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC"}
_ORGANISATION_LABELS = {"ORG"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
GROUP_PRONOUNS = {"it", "they", "we"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_LOOKBACK_CHARS = 1500  # a pronoun refers back a few sentences, not a whole article
_CHAIN_SENTENCES = 40  # "He said ... / He also said ...": how many sentences one pronoun chain may run back


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
    mentions = []
    latest_by_suffix: dict[tuple, str] = {}  # last words -> the most recent longer full name ending with them
    for ent in doc.ents:
        if ent.label_ not in SPEAKER_LABELS:
            continue
        name = ent.text[:-2] if ent.text.endswith(("'s", "’s")) else ent.text
        lead = 4 if name.startswith("the ") else 0  # SPEC: a lowercase "the" is not part of the name
        name = name[lead:]
        canonical = name
        if ent.label_ == "PERSON":
            parts = name.split()
            canonical = latest_by_suffix.get(tuple(parts), name)
            for k in range(1, len(parts)):
                latest_by_suffix[tuple(parts[-k:])] = name
        mentions.append({"start": ent.start_char + lead, "end": ent.start_char + lead + len(name), "label": ent.label_,
                         "text": name, "entity": canonical})
    return mentions


class SpeakerResolver:
    def __init__(self, doc, entities: list[dict], outlet_spans: list[tuple[int, int]], descriptions: set[str],
                 quotes: QuoteIndex, sentences: Sentences, organisations: set[str] = frozenset()):
        self.organisations = organisations
        self.doc = doc
        self.text = doc.text  # spaCy rebuilds doc.text from the tokens on every access: read it once
        self.sentences = sentences
        self.entities = StartIndex(entities)
        self.names = _LongerNames(self.entities.items)
        self._entity_by_text: dict[str, str] = {}
        for e in self.entities.items:
            self._entity_by_text.setdefault(e["text"], e["entity"])
        # People named inside quoted words are talked about, not talking: never antecedents of "he"/"she".
        # The NER often calls a surname ORG or GPE ("Witkoff"): a mention is a person when its entity or its
        # last word belongs to a PERSON mention of the document.
        person_entities = {e["entity"] for e in entities if e["label"] == "PERSON"}
        surnames = {e["text"].split()[-1] for e in entities if e["label"] == "PERSON" and " " in e["text"]}
        self._quoted = {(e["start"], e["end"]) for e in entities if quotes.holds(e["start"])}
        self.quotes = quotes
        self.outlets = StartIndex([{"start": s, "end": e} for s, e in outlet_spans])
        # An outlet is never a person, whatever the NER called its name ("Bloomberg").
        self.unquoted_people = StartIndex([
            e for e in entities if (e["label"] == "PERSON" or e["entity"] in person_entities or e["text"] in surnames)
            and (e["start"], e["end"]) not in self._quoted and not self._is_outlet(e["start"], e["end"])])
        self.descriptions = descriptions
        self._described: dict[str, list[dict]] = {}  # description -> people written next to it, by position
        self._chains: dict[int, str | None] = {}  # pronoun token -> the speaker its chain resolved to

    def _is_outlet(self, start: int, end: int) -> bool:
        # Outlet names are short: one starting up to 200 characters before `start` is the only kind to reach in.
        return any(o["end"] > start for o in self.outlets.between(start - 200, end))

    def entity_of(self, name: str | None) -> str | None:
        """Canonical name of the document entity a speaker string was written as (None when no mention is)."""
        return self._entity_by_text.get(name) if name else None

    def resolve(self, subject) -> Speaker:
        """Speaker of a subject token (the head of the subject phrase)."""
        phrase_start = subject.left_edge.idx
        phrase_end = subject.right_edge.idx + len(subject.right_edge)
        if self._is_outlet(phrase_start, phrase_end):
            return Speaker(None, is_outlet=True)
        inside = [e for e in self.entities.between(phrase_start, phrase_end) if e["end"] <= phrase_end]
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
            return Speaker(self._pronoun_chain(subject))
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
        inside = [e for e in self.entities.between(start, end) if e["end"] <= end]
        return self.full_name(inside[0]) if inside else None

    def full_name(self, mention: dict) -> str:
        """The speaker as written at its fullest mention: "Carlineo" -> "Patrick Carlineo Jr."."""
        return self.names.longest(mention)

    @staticmethod
    def _definite(token) -> bool:
        """'the/this/his ambassador', "China's ambassador": a particular person, not 'a spokesperson'."""
        return any(c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in ("the", "this", "that"))
                   for c in token.children)

    def _backwards(self, index: StartIndex, before: int):
        """Items of `index` starting before `before` and at most _LOOKBACK_CHARS back, nearest first."""
        for at in range(index.last_before(before), -1, -1):
            item = index.items[at]
            if before - item["start"] > _LOOKBACK_CHARS:
                return
            yield item

    def _nearest(self, before: int, labels: set[str]) -> str | None:
        """Nearest unquoted mention with one of `labels` before `before`, within a few sentences."""
        found = next((e for e in self._backwards(self.entities, before)
                      if e["label"] in labels and (e["start"], e["end"]) not in self._quoted), None)
        return self.full_name(found) if found else None

    def _next_person(self, after: int) -> str | None:
        """A description named only afterwards ("China's ambassador ... Liu Xiaming said"), same paragraph."""
        paragraph_end = self.text.find("\n", after, after + _LOOKBACK_CHARS)
        paragraph_end = after + _LOOKBACK_CHARS if paragraph_end < 0 else paragraph_end
        at = self.unquoted_people.first_after(after)
        later = self.unquoted_people.items[at] if at < len(self.unquoted_people.items) else None
        return self.full_name(later) if later and later["start"] < paragraph_end else None

    def _named_with(self, subject) -> str | None:
        """The person the article writes this description next to: "President Ann Lee", "Ann Lee, the mayor",
        "the city's mayor Ann Lee" -> "the mayor" or "the city's mayor" is Ann Lee. The last such person before
        the description, else the first after it (a lead that names the speaker only further down)."""
        owner = next((c for c in subject.children if c.dep_ == "poss"), subject)  # "the city's mayor of Leeds"
        words = [t for t in subject.subtree if t.dep_ != "det" and t.i >= owner.left_edge.i]
        description = self.doc[words[0].i:words[-1].i + 1].text.lower()
        if description not in self._described:
            self._described[description] = [p for p in self.unquoted_people.items if self._written_next_to(p, description)]
        found = None
        for person in self._described[description]:
            if found and person["start"] >= subject.idx:
                break
            if person["start"] != subject.idx:
                found = person
        return self.full_name(found) if found else None

    def _written_next_to(self, person: dict, description: str) -> bool:
        """'<description> <person>' or '<person>, (the) <description>' in the text."""
        start, end, width = person["start"], person["end"], len(description)
        before = self.text[max(0, start - width - 2):start].lower().rstrip(" ,")
        # The word before the description (80 characters are enough to hold it).
        qualifier = self.text[max(0, start - width - 80):start].rstrip(" ,")[:-width].split()[-1:]
        if qualifier and qualifier[0][0].isupper() and qualifier[0] != "The":
            before = ""  # "Russian President Vladimir Putin" is not who "the president" means
        after = self.text[end:end + width + 8].lower().lstrip(" ,")
        after = after[4:] if after.startswith("the ") else after
        return before.endswith(description) or after.startswith(description)

    def _agrees(self, person: dict, gender: str | None) -> bool:
        """A person "he"/"she" can refer to: the first name of their fullest mention is not of the other
        gender (names the list does not know, or that both genders bear, agree with both)."""
        if gender is None:
            return True
        first = self.full_name(person).split()[0].lower()
        return first_name_genders().get(first, gender) == gender

    def _pronoun_chain(self, pronoun) -> str | None:
        """'He said ... / He also said ...': when the main subject of the previous sentence is the same pronoun,
        this one refers to whoever that one does (news paragraphs keep one speaker going); else the nearest
        person. Results are remembered per pronoun, so a long chain is walked once."""
        chain = [pronoun]
        while pronoun.i not in self._chains and len(chain) <= _CHAIN_SENTENCES:
            previous = self._chain_link(pronoun)
            if previous is None:
                break
            chain.append(previous)
            pronoun = previous
        gender = PRONOUN_GENDER.get(pronoun.lower_)
        found = self._chains[pronoun.i] if pronoun.i in self._chains else self._nearest_person(pronoun.idx, gender)
        for link in chain:
            self._chains[link.i] = found
        return found or self._nearest_person(chain[0].idx, gender)

    def _chain_link(self, pronoun):
        """The same pronoun as main subject of the previous sentence, when no person is named in between."""
        sentence = self.sentences.of_token(pronoun.i)
        at = self.unquoted_people.last_before(pronoun.idx)
        if sentence.start == 0 or (at >= 0 and self.unquoted_people.items[at]["start"] >= sentence.start_char):
            return None  # a person named earlier in this very sentence is nearer
        previous = self.sentences.of_token(sentence.start - 1)
        main = [t for t in previous if t.dep_ in _SUBJECT_DEPS and t.head.dep_ == "ROOT"
                and not self.quotes.holds(t.idx)]
        return main[0] if main and main[0].lower_ == pronoun.lower_ else None

    def _organisation_subject(self, before: int) -> str | None:
        """Nearest ORG mention before `before` that heads the subject of its clause, within a few sentences."""
        for e in self._backwards(self.entities, before):
            if e["label"] != "ORG" or (e["start"], e["end"]) in self._quoted:
                continue
            span = self.doc.char_span(e["start"], e["end"], alignment_mode="expand")
            # "Acme have denied it", "The company that runs it, Acme, denies it": the subject or its apposition.
            subject = span is not None and (span.root.dep_ in _SUBJECT_DEPS or (
                span.root.dep_ == "appos" and span.root.head.dep_ in _SUBJECT_DEPS))
            if subject and not self._is_outlet(e["start"], e["end"]):
                return self.full_name(e)
        return None

    def _nearest_person(self, before: int, gender: str | None = None) -> str | None:
        """Nearest PERSON mention before `before`: in the same sentence, else subjects first, a few sentences back;
        for a pronoun only people of its gender."""
        candidates = [e for e in self._backwards(self.unquoted_people, before) if self._agrees(e, gender)]
        if not candidates:
            return None
        sentence_start = self.sentences.of_char(before).start_char
        # The parser sometimes runs a sentence across a paragraph break: a sentence never starts before it.
        sentence_start = max(sentence_start, self.text.rfind("\n", max(0, before - _LOOKBACK_CHARS), before) + 1)
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


@lru_cache(maxsize=1)
def first_name_genders() -> dict[str, str]:
    """Lowercase first name -> "f" or "m" (annotations/first_names.tsv; its header says where it comes from)."""
    genders = {}
    for line in FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, gender = line.split("\t")
            genders[name] = gender
    return genders


class _LongerNames:
    """The fullest way the text writes a mention's name, looked up by key instead of a scan of every mention:
    a PERSON's words inside a longer PERSON name ("Claure" in "Marcelo Claure"), a single word ending a longer
    name whatever the NER called either, an acronym of an ORG ("DEA")."""

    def __init__(self, entities: list[dict]):
        self._by_key: dict[tuple, dict[str, list[int]]] = {}
        for e in entities:
            words = e["text"].split()
            keys = []
            if e["label"] == "PERSON":
                keys += [("words", tuple(words[i:j])) for i in range(len(words))
                         for j in range(i + 1, len(words) + 1) if j - i < len(words)]
            if len(words) > 1:
                keys.append(("last", words[-1]))
            if e["label"] == "ORG":
                keys.append(("acronym", "".join(w[0] for w in e["text"].replace("-", " ").split() if w[0].isupper())))
            for key in keys:
                self._by_key.setdefault(key, {}).setdefault(e["text"], []).append(e["start"])

    def longest(self, mention: dict) -> str:
        words, text = mention["text"].split(), mention["text"]
        keys = []
        if mention["label"] == "PERSON":
            keys.append(("words", tuple(words)))
        if len(words) == 1:
            keys.append(("last", words[0]))
        # Agencies are spelled out then abbreviated; "US" and "UK" are names of their own, not short forms.
        if mention["label"] == "ORG" and text.isupper() and 2 <= len(text) <= 6:
            keys.append(("acronym", text.replace(".", "")))
        best, best_rank = text, (len(text), 0)
        for key in keys:
            for name, starts in self._by_key.get(key, {}).items():
                if len(name) < best_rank[0]:
                    continue
                at = bisect_left(starts, mention["start"])
                distance = min(abs(starts[i] - mention["start"]) for i in (at - 1, at) if 0 <= i < len(starts))
                if (len(name), -distance) > best_rank:
                    best, best_rank = name, (len(name), -distance)
        return best
