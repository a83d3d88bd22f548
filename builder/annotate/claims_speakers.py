"""Who said it: resolve the subject of a reporting verb to a document entity's canonical name.

- a name (a PERSON, ORG, GPE or NORP mention covering the head of the subject phrase, or its apposition) -> that
  entity's canonical name; a word the NER did not call a name is no speaker ("Border agents say" is not
  "Border"), nor a building or place of the FAC kind, nor a weak entity: one mention only, on a heading line or
  with words the tagger does not read as a name ("Hosting Cook"), which is a misread heading far more often
  than a person;
- an outlet -> no speaker (outlets are sources, and the claim becomes `attributed`);
- a pronoun (he, she) or a definite description ("the president", "the spokeswoman") -> the nearest fitting
  named PERSON before it, preferring people who are subjects (the ones the text is talking about); a pronoun
  whose previous sentence opens with the same pronoun as subject ("He said ... / He also said") continues
  that chain; a description is the person the article writes it next to ("President Ann Lee", "Ann Lee, the
  mayor") most often, however far back;
- a body or its voice owned by a name speaks for that name: "Russia's foreign ministry said" -> Russia, "the
  French foreign ministry" -> French, "a spokesperson for the Acme Office" -> Acme Office, "Acme officials say" ->
  Acme, "a report from Acme said" -> Acme (a body is a word of `organisations`, a voice one of `voices`: people who
  speak for a body, and documents, whose author speaks through them; "Lee's lawyer" is someone else);
- never someone named in the very clause the subject reports, nor the one spoken to ("he told Ann Lee"): "She said Ann Lee would resign" is not Ann Lee's
  claim, nor is "The president said he would not meet Ann Lee" (a pronoun or description is not bound by a name
  it c-commands);
- "they"/"it" -> the nearest organisation that was the subject of an earlier sentence ("Acme have denied it.
  ... they said");
- anything else ("police", "a spokesperson", "officials") -> null: unnamed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from builder.annotate.claims_index import QuoteIndex, Sentences, StartIndex
from builder.annotate.lines import heading_ranges
from builder.bundled import ANNOTATIONS

FIRST_NAMES_FILE = ANNOTATIONS / "first_names.tsv"
PRONOUN_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}

# Who can speak: people, organisations, places as governments ("Moscow said"), groups ("Republicans say").
SPEAKER_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
_ORGANISATION_LABELS = {"ORG"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
GROUP_PRONOUNS = {"it", "they", "we"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_LOOKBACK_CHARS = 1500  # a pronoun refers back a few sentences, not a whole article
_CHAIN_SENTENCES = 40  # "He said ... / He also said ...": how many sentences one pronoun chain may run back
_NOT_NAME_WORDS = {"VERB", "AUX"}  # "Hosting Cook", "Leaked Transcripts": a verb inside is a misread heading


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


def weak_mentions(doc, entities: list[dict], text: str) -> set[tuple[int, int]]:
    """(start, end) of the mentions of weak entities: named once in the whole text, and that once on a heading
    line or with a word the tagger reads as a verb. A misread heading ("Hosting Cook") would otherwise be the
    nearest "person" of every "he said" below it."""
    counts = Counter(e["entity"] for e in entities)
    headings = StartIndex([{"start": start, "end": end} for start, end in heading_ranges(text)])
    weak = set()
    for e in entities:
        if counts[e["entity"]] > 1:
            continue
        at = headings.last_before(e["start"] + 1)
        on_heading = at >= 0 and e["end"] <= headings.items[at]["end"]
        span = doc.char_span(e["start"], e["end"], alignment_mode="expand")
        if on_heading or (span is not None and any(t.pos_ in _NOT_NAME_WORDS for t in span)):
            weak.add((e["start"], e["end"]))
    return weak


class SpeakerResolver:
    def __init__(self, doc, entities: list[dict], outlet_spans: list[tuple[int, int]], descriptions: set[str],
                 quotes: QuoteIndex, sentences: Sentences, organisations: set[str] = frozenset(),
                 voices: set[str] = frozenset(), text: str | None = None):
        self.organisations = organisations
        self.voices = voices
        self.doc = doc
        self.text = doc.text if text is None else text  # spaCy rebuilds doc.text from the tokens on every access
        self.sentences = sentences
        # Without any entity model run (a pipeline with no NER, no entity layer) a proper noun is all there is.
        self._names_known = bool(entities) or doc.has_annotation("ENT_IOB")
        weak = weak_mentions(doc, entities, self.text)
        entities = [e for e in entities if (e["start"], e["end"]) not in weak]
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
            and (e["start"], e["end"]) not in self._quoted and not self._is_outlet(e["start"], e["end"])
            and not self._modifier(e)])
        self.descriptions = descriptions
        self._described: dict[str, list[dict]] = {}  # description -> people written next to it, by position
        self._mentions = Counter(self.full_name(e) for e in self.unquoted_people.items)
        self._chains: dict[int, str | None] = {}  # pronoun token -> the speaker its chain resolved to

    def _is_outlet(self, start: int, end: int) -> bool:
        # Outlet names are short: one starting up to 200 characters before `start` is the only kind to reach in.
        return any(o["end"] > start for o in self.outlets.between(start - 200, end))

    def _modifier(self, mention: dict) -> bool:
        """A name modifying a common noun ("Border agents", "the Lee campaign") names no one who could be "he"."""
        span = self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
        return span is not None and span.root.dep_ == "compound" and span.root.head.pos_ == "NOUN"

    def entity_of(self, name: str | None) -> str | None:
        """Canonical name of the document entity a speaker string was written as (None when no mention is)."""
        return self._entity_by_text.get(name) if name else None

    def resolve(self, subject, content: tuple[int, int] | None = None) -> Speaker:
        """Speaker of a subject token (the head of the subject phrase); `content` is the clause it reports, whose
        named people a pronoun or description does not refer to."""
        phrase_start = subject.left_edge.idx
        phrase_end = subject.right_edge.idx + len(subject.right_edge)
        if self._is_outlet(phrase_start, phrase_end):
            return Speaker(None, is_outlet=True)
        inside = [e for e in self.entities.between(phrase_start, phrase_end) if e["end"] <= phrase_end]
        # The name covering the head noun; else a name in apposition, wherever the parser hung it: set off by a
        # comma ("The company that runs the show, Acme Media, says") or a person closing the phrase ("the
        # city's mayor Ann Lee said"); else a name given as an example ("aides like Ann Lee", "groups including
        # Acme"). A name merely modifying a description is not the speaker ("Lee's lawyer said", "Border
        # agents say").
        head = next((e for e in inside if e["start"] <= subject.idx < e["end"]), None)
        closing = phrase_end
        while closing > phrase_start and self.text[closing - 1] in " ,":
            closing -= 1
        named = [e for e in inside if self.text[max(phrase_start, e["start"] - 3):e["start"]].rstrip().endswith(",")
                 or (e["label"] == "PERSON" and e["end"] == closing) or self._exemplified(e, phrase_start)]
        if head is not None or named:
            return Speaker(self.full_name(head or named[-1]))
        owner = self._owner_of_body(subject, inside)
        if owner:
            return Speaker(owner)
        if subject.pos_ == "PROPN" and subject.lower_ not in self.descriptions:
            known = self._short_form(subject)
            if known:
                return Speaker(known)
        excluded = self._named_between(*content) if content else set()
        # Nor the one spoken to: "he told Lee" is not Lee's, whoever "he" is.
        for addressee in (c for c in subject.head.children if c.dep_ in ("dobj", "dative") and subject.dep_ == "nsubj"):
            excluded |= self._named_between(addressee.left_edge.idx, addressee.right_edge.idx + len(addressee.right_edge))
        word = subject.lower_
        if word in PERSON_PRONOUNS:
            return Speaker(self._pronoun_chain(subject, excluded))
        if word in GROUP_PRONOUNS - {"we"}:
            return Speaker(self._organisation_subject(subject.idx))
        if word in self.organisations and subject.tag_ == "NN" and self._definite(subject):
            return Speaker(self._nearest(subject.idx, _ORGANISATION_LABELS))  # "the company says"
        aged = word == "old" and any(t.lower_ in ("year", "years") for t in subject.lefts)  # "the 56-year-old"
        described = word in self.descriptions or aged
        if described and (subject.tag_ in ("NN", "NNP") or aged) and (self._definite(subject) or subject.pos_ == "PROPN"):
            excluded |= self._named_between(phrase_start, phrase_end)  # "Lee's lawyer" is not Lee
            return Speaker(self._named_with(subject, excluded) or self._named_with(subject, excluded, head_only=True)
                           or self._nearest_person(subject.idx, None, excluded)
                           or self._next_person(subject.idx, excluded))
        return Speaker(None)

    def _owner_of_body(self, subject, inside: list[dict]) -> str | None:
        """The name owning a body or voice that is the subject: its possessive, adjective or compound ("Russia's
        ministry", "French ministry", "Acme officials") or the object of its "for", "of", "from" or "by" ("a
        spokesperson for Acme", "a report from Acme"). None when the head is any other word ("Lee's lawyer said" is not Lee) or a body at large."""
        lemma = subject.lemma_.lower()
        if lemma not in self.voices and (lemma not in self.organisations or not self._definite(subject)):
            return None  # a body is a particular one: "the X ministry", not "X advocacy groups" at large
        owners = {c.i for c in subject.children if c.dep_ in ("poss", "amod", "compound")}
        owners |= {g.i for c in subject.children if c.dep_ == "prep" and c.lower_ in ("for", "of", "from", "by")
                   for g in c.children if g.dep_ == "pobj"}
        for mention in inside:
            span = self.doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
            if span is not None and span.root.i in owners and not self._is_outlet(mention["start"], mention["end"]):
                return self.full_name(mention)
        return None

    def _short_form(self, subject) -> str | None:
        """A proper noun the NER missed in this place but found elsewhere as a longer name: "Lopez said" after
        "Maria Lopez runs the plant" is Maria Lopez. Missed words that are no name found anywhere ("Border
        agents say") are no speaker, unless no entity model ran at all."""
        words = [t.text for t in self.doc[subject.left_edge.i:subject.i + 1] if t.pos_ == "PROPN"]
        text = " ".join(words) or subject.text
        full = self.full_name({"text": text, "label": "PERSON", "start": subject.idx, "entity": text})
        return full if full != text or text in self._entity_by_text or not self._names_known else None

    def _exemplified(self, mention: dict, phrase_start: int) -> bool:
        """'aides like Ann Lee', 'critics such as Acme', 'groups including Acme': a name given as an example."""
        before = self.text[max(phrase_start, mention["start"] - 12):mention["start"]].lower().split()
        return bool(before) and (before[-1] in ("like", "including") or before[-2:] == ["such", "as"])

    def _named_between(self, start: int, end: int) -> set[str]:
        """Full names of the people mentioned in [start, end)."""
        return {self.full_name(e) for e in self.unquoted_people.between(start, end)}

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
        found = next((e for e in self._backwards(self.entities, before) if e["label"] in labels
                      and (e["start"], e["end"]) not in self._quoted and not self._is_outlet(e["start"], e["end"])), None)
        return self.full_name(found) if found else None

    def _next_person(self, after: int, excluded: set[str]) -> str | None:
        """A description named only afterwards ("China's ambassador ... Liu Xiaming said"), same paragraph."""
        paragraph_end = self.text.find("\n", after, after + _LOOKBACK_CHARS)
        paragraph_end = after + _LOOKBACK_CHARS if paragraph_end < 0 else paragraph_end
        for later in self.unquoted_people.items[self.unquoted_people.first_after(after):]:
            if later["start"] >= paragraph_end:
                return None
            if self.full_name(later) not in excluded:
                return self.full_name(later)
        return None

    def _named_with(self, subject, excluded: set[str], head_only: bool = False) -> str | None:
        """The person the article writes this description next to: "President Ann Lee", "Ann Lee, the mayor",
        "the city's mayor Ann Lee" -> "the mayor" or "the city's mayor" is Ann Lee. Of the people written so
        before the description (else after it: a lead that names the speaker only further down), the one
        written so most often, then the most mentioned, then the latest: "the president" of an article about
        President Lee's talks is Lee, however often another president was named last. `head_only`: the head noun
        alone, for a description written otherwise before ("the Acme founder" of "Acme co-founder Ann Lee")."""
        owner = next((c for c in subject.children if c.dep_ == "poss"), subject)  # "the city's mayor of Leeds"
        words = [t for t in subject.subtree if t.dep_ != "det" and t.i >= owner.left_edge.i]
        description = self.doc[words[0].i:words[-1].i + 1].text.lower()
        if head_only:
            if description == subject.lower_:
                return None  # the whole description was the head: looked up already
            description = subject.lower_
        if description not in self._described:
            self._described[description] = [p for p in self.unquoted_people.items if self._written_next_to(p, description)]
        people = [p for p in self._described[description] if p["start"] != subject.idx]
        earlier = [p for p in people if p["start"] < subject.idx]
        tally, nearest = Counter(), {}  # name -> times written so; name -> its position nearest the description
        for person in earlier or people:
            name = self.full_name(person)
            if name in excluded:
                continue
            tally[name] += 1
            if earlier or name not in nearest:
                nearest[name] = person["start"]
        if not tally:
            return None
        distance = {name: abs(subject.idx - start) for name, start in nearest.items()}
        return max(tally, key=lambda name: (tally[name], self._mentions[name], -distance[name]))

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

    def _pronoun_chain(self, pronoun, excluded: set[str]) -> str | None:
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
        if found in excluded:  # "He said he would not meet Lee": not Lee, whoever the chain began with
            found = None
        return found or self._nearest_person(chain[0].idx, gender, excluded)

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

    def _nearest_person(self, before: int, gender: str | None = None, excluded: set[str] = frozenset()) -> str | None:
        """Nearest PERSON mention before `before`: in the same sentence, else subjects first, a few sentences back;
        for a pronoun only people of its gender; never one of `excluded`."""
        candidates = [e for e in self._backwards(self.unquoted_people, before)
                      if self._agrees(e, gender) and self.full_name(e) not in excluded]
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


# A company's legal form and the like, after its name ("Acme Co.", "Acme Capital"): the name alone is the same company.
LEGAL_FORMS = frozenset("Co. Co Inc. Inc Corp. Corp Ltd. Ltd LLC PLC plc Capital Holdings Group".split())


class _LongerNames:
    """The fullest way the text writes a mention's name, looked up by key instead of a scan of every mention:
    a PERSON's words inside a longer PERSON name ("Claure" in "Marcelo Claure"), a single word ending a longer
    name whatever the NER called either, an acronym of an ORG ("DEA", "CIOB" of "Chartered Institute of Building"),
    an ORG's name without its legal form ("Acme" of "Acme Co.")."""

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
                parts = e["text"].replace("-", " ").split()
                keys.append(("acronym", "".join(w[0] for w in parts if w[0].isupper())))
                keys.append(("acronym", "".join(w[0] for w in parts).upper()))  # "CIOB": "of" too
                if len(words) > 1 and all(w in LEGAL_FORMS for w in words[1:]):
                    keys.append(("company", words[0]))  # "Acme" of "Acme Co."
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
        if mention["label"] == "ORG" and len(words) == 1:
            keys.append(("company", text))
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
