"""Claims: quotes, reported speech and attributed statements (records.Claim), read off the dependency parse.

Named rule families (each tested in tests/annotate/test_claims.py):
- rule_reported_speech: a reporting verb with a content clause or object ("X said (that) ...", "..., X said.",
  "X told Y that ...", "X accused Y of ...", "X has made it clear that ..."; mixed quotation 'X said the plan was
  "a disaster"' too). Speaker = the verb's subject (a participle's noun: "a study showing"; a relative pronoun's
  antecedent: "Ann Lee, who argued") -> `indirect_quote`; a subject that is a document, recording, unnamed source
  or outlet ("reports indicate", "video shows", "people familiar with the talks said", "Bloomberg reported") ->
  `attributed`, and a document's finding may be a plain object ("studies show modest benefits"). Directives
  ("urged X to act") report nothing; a quoted sentence with the writer's framing words around it is a direct quote only. The content
  is the clause after the verb (before it only for an inverted cue: "..., said Ann Lee"), within the verb's
  paragraph; negated and hypothetical verbs, the writer's own remarks ("It is worth noting that") and inferences
  ("..., suggesting that") report nothing (`_not_reported`).
- rule_attribution_phrase: "according to ...", "as reported by ..." -> `attributed`, span = the rest of the clause.
- rule_hedge: "reportedly", "allegedly" -> `attributed`, span = the clause they modify, cue included.
- rule_passive_report: "it is believed to ...", "has been seen as ...", "was accused of" -> `attributed`; with an
  agent ("is accused by critics of ...") the agent's `indirect_quote`.
- rule_direct_quote: every quotation segment (claims_quotes) -> `direct_quote`; speaker and cue from the
  reporting verb of its sentence (or of the quote it continues); short quotes with no cue are scare quotes.
- rule_chip: a citation chip backs the sentence it is glued to: its sources join that sentence's claims, or the
  sentence becomes an `attributed` claim with no cue.
The verbs and phrases live in annotations/reporting_verbs.json so the lexicon grows without code changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from builder.annotate.candidates import ClaimPlaces, verb_exceptions
from builder.annotate.claims_index import QuoteIndex, Sentences, StartIndex
from builder.annotate.claims_quotes import quote_segments
from builder.annotate.lines import heading_ranges, is_quoted_heading
from builder.annotate.claims_speakers import (FIRST_NAMES_FILE, GROUP_PRONOUNS, PERSON_PRONOUNS, SpeakerResolver,
                                              canonical_entities)
from builder.bundled import ANNOTATIONS
from builder.errors import UserError

ORIGIN = "claims-rules:1"
LEXICON_FILE = ANNOTATIONS / "reporting_verbs.json"
_CONTENT_DEPS = ("ccomp", "xcomp")
_OBJECT_DEPS = ("dobj", "prep", "dative", "attr", "oprd")
# Links from a participle or conjunct up to the clause whose subject it shares ("posted on X accusing Y").
_CLAUSE_LINKS = ("conj", "advcl", "xcomp", "relcl", "pcomp", "prep", "pobj", "acl")
_SUBJECT_DEPS = ("nsubj", "nsubjpass", "expl", "csubj")
_QUESTION_WORDS = {"what", "how", "why", "where", "when", "who", "whom", "whose", "which", "whether", "if"}
_QUOTED_CONTENT = 0.6  # content mostly in quotation marks is a direct quote, not reported speech
_SCARE_QUOTE_WORDS = 4  # a quote shorter than this with no reporting verb is a scare quote, not a claim
_PUNCT = " ,;:.—–-\n\"“”'‘’"
# Reports inside reports are annotated to this depth ("A said that B said that C said ..." gives three claims);
# deeper chains do not occur in news, and each level repeats the rest of the sentence, so without a bound an
# adversarial chain would make output quadratic in its length.
_MAX_NESTING = 3
_NESTING_HOPS = 12  # how far up the parse a report looks for the reports around it


@dataclass(frozen=True)
class Lexicon:
    speech: frozenset
    intent: frozenset
    nonfinite_reports: frozenset
    object_verbs: frozenset
    evidence: frozenset
    source_nouns: frozenset
    attribution_phrases: tuple
    hedges: frozenset
    passive_reports: frozenset
    descriptions: frozenset
    organisations: frozenset
    # Optional in a user's copy of the file (added after it was published).
    inference: frozenset = frozenset()
    that_only: frozenset = frozenset()
    directive: frozenset = frozenset()
    findings: frozenset = frozenset()
    voices: frozenset = frozenset()
    unnamed_people: frozenset = frozenset()
    unnamed_markers: frozenset = frozenset()


def load_lexicon(path: str = str(LEXICON_FILE)) -> Lexicon:
    return parse_lexicon(Path(path).read_bytes())


@lru_cache(maxsize=None)
def parse_lexicon(data: bytes) -> Lexicon:
    """The lexicon in a reporting_verbs JSON file's bytes (cached by content: an edited file is parsed again)."""
    raw = json.loads(data.decode("utf-8"))
    return Lexicon(**{k: (tuple(v) if k == "attribution_phrases" else frozenset(v))
                      for k, v in raw.items() if not k.startswith("_")})


def claim_id(kind: str, start: int, end: int) -> str:
    return "clm-" + hashlib.blake2b(f"{kind}|{start}|{end}".encode(), digest_size=6).hexdigest()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _PUNCT:
        start += 1
    while end > start and text[end - 1] in _PUNCT:
        end -= 1
    return start, end


def _span_of(tokens) -> tuple[int, int]:
    tokens = list(tokens)
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1])


def _subtree_span(token) -> tuple[int, int]:
    """Characters of a token's subtree, from its edges (the English parses are projective): O(1), where
    walking token.subtree is linear in its size and quadratic over a chain of nested clauses."""
    right = token.right_edge
    return token.left_edge.idx, right.idx + len(right)


_TITLE_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "from"}


def _title_like(span) -> bool:
    """'The Art of Winning', 'Leaked Transcripts': two or more words, every word but the small ones
    capitalised, no sentence punctuation: the name of a work, a show, a heading."""
    words = [t for t in span if t.is_alpha]
    if len(words) < 2 or span.text.rstrip()[-1:] in ".!?,;:" or not words[0].text[0].isupper():
        return False
    return all(t.text[0].isupper() or t.lower_ in _TITLE_SMALL_WORDS for t in words)


def _cue_text(verb) -> str:
    """The verb with its auxiliaries and particles: "has said", "warned against", "have reported on"."""
    left = [c for c in verb.lefts if c.dep_ in ("aux", "auxpass", "neg") and c.i >= verb.i - 3]
    first = left[0].i if left else verb.i
    return verb.doc[first:verb.i + 1].text


# Words that give a name right before a quotation mark: what follows is that name, not anyone's words.
_NAMING = re.compile(r"(?:\b(?:called|dubbed|named|nicknamed|termed|labell?ed|known as|referred to as)|so-called)"
                     r"\s*[\"“‘«„']$", re.IGNORECASE)
_WRITER_MODALS = {"should", "must", "can", "could", "need", "might", "may"}  # "we should note", "I must add"
_RARELY = {"never", "rarely", "seldom", "hardly"}


def _negated(verb) -> bool:
    return any(c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ in _RARELY) for c in verb.children)


def _embedded_question(first, clause) -> bool:
    """'explained what was in the calls', 'asked whether ...': a wh-word opening the clause after the verb, as
    the clause's own dependent. Not an adverbial clause inside it ("said when people eat out, they ...") nor a
    free relative as its subject ("says what plumbers do will help")."""
    if first.lower_ not in _QUESTION_WORDS:
        return False
    return first.head.i == clause.i or (first.head.head.i == clause.i and first.head.dep_ not in ("advcl", "csubj", "nsubj"))


def _that_clause(clause) -> tuple[int, int] | None:
    """The words after "that" of a content clause opened by it, with a subject of its own; else None."""
    mark = clause.left_edge
    if mark.lower_ != "that" or mark.dep_ != "mark" or not any(c.dep_ in _SUBJECT_DEPS for c in clause.children):
        return None
    return mark.doc[mark.i + 1].idx, _subtree_span(clause)[1]


def _unmarked_clause(verb, objects) -> tuple[int, int] | None:
    """'Lee said traditional subscriptions that tie fees to staff look less suited': with no "that", the parser
    may read the content's subject as the object of "said" and its verb as part of a relative clause. "said" does
    not take such a long object: an object of five tokens or more holding a relative clause is the content (after
    a subject: in '..., said Ann Lee, an economist whose review ...' the object is the speaker)."""
    if not any(c.dep_ == "nsubj" and c.i < verb.i for c in verb.children):
        return None
    told = next((o for o in objects if o.dep_ == "dobj"), None)
    if told is None or told.right_edge.i - told.left_edge.i < 4:
        return None
    if not any(c.dep_ in ("relcl", "acl") and c.pos_ in ("VERB", "AUX") for c in told.children):
        return None
    return _subtree_span(told)


def _inverted_conjunct(verb) -> bool:
    """'Coffee is likely neuroprotective, states Ann Lee.': a finite reporting verb after a comma, read as a
    conjunct of the clause it reports, with the speaker's name right after it."""
    return (verb.dep_ == "conj" and verb.head.i < verb.i and verb.i > 0 and verb.doc[verb.i - 1].text == ","
            and verb.tag_ in ("VBZ", "VBD", "VBP") and ClaimFinder._inverted_subject(verb) is not None)


class ClaimFinder:
    """Finds the claims of one parsed document. Plain dicts in, plain dicts out."""

    def __init__(self, doc, entities: list[dict] | None, sources: list[dict], lexicon: Lexicon | None = None,
                 text: str | None = None):
        self.doc = doc
        self.text = doc.text if text is None else text  # spaCy builds doc.text from the tokens on every access
        self.lex = lexicon or load_lexicon()
        self.sources = sources
        outlet_spans = [(s["start"], s["end"]) for s in sources if s.get("kind") == "mention"]
        self.quotes = quote_segments(self.text)
        self.quoted = QuoteIndex(self.quotes)
        self.sentences = Sentences(doc)
        self.speakers = SpeakerResolver(doc, canonical_entities(doc, entities), outlet_spans, self.lex.descriptions,
                                        self.quoted, self.sentences, self.lex.organisations,
                                        self.lex.voices | self.lex.source_nouns, self.text)
        self.reporting = self.lex.speech | self.lex.evidence
        self.claims: list[dict] = []
        self.claims_by_sentence: dict[tuple[int, int], list[dict]] = {}
        self.spoken = StartIndex([])  # claims with a speaker, by start
        self.line_starts = StartIndex([{"start": i + 1} for i, ch in enumerate(self.text) if ch == "\n"])
        self.headings = QuoteIndex(heading_ranges(self.text))  # heading lines, as sorted disjoint ranges
        self._verbs_outside: dict[int, dict | None] = {}
        # Contents of reporting verbs that are quotations, by sentence: {start, end, cue, speaker}.
        self._quote_reports: dict[tuple[int, int], list[dict]] = {}

    def _add(self, kind, start, end, cue, speaker, sent) -> dict | None:
        start, end = _trim(self.text, start, end)
        if end - start < 2:
            return None
        claim = {"id": claim_id(kind, start, end), "start": start, "end": end, "kind": kind,
                 "text": self.text[start:end], "cue": cue, "speaker": speaker,
                 "speaker_entity": self.speakers.entity_of(speaker),
                 "source_ids": [], "origin": ORIGIN, "confidence": None,
                 "_sent": (sent.start_char, sent.end_char)}
        self.claims.append(claim)
        self.claims_by_sentence.setdefault(claim["_sent"], []).append(claim)
        if speaker:
            self.spoken.add(claim)
        return claim

    def _too_deep(self, token) -> bool:
        """Inside _MAX_NESTING reports already (see _MAX_NESTING)."""
        depth = 0
        for hop, ancestor in enumerate(token.ancestors):
            if hop >= _NESTING_HOPS:
                break
            depth += ancestor.lemma_.lower() in self.reporting
            if depth >= _MAX_NESTING:
                return True
        return False

    # -- rule families --------------------------------------------------------------------------------

    def _subject(self, verb):
        """The verb's subject; participles and conjuncts share their head's ("..., adding that ...")."""
        if _inverted_conjunct(verb):
            return self._inverted_subject(verb)  # "..., states Ann Lee.": not the subject of the clause before
        if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.pos_ == "NOUN":
            return verb.head  # "a study showing ...", "evidence suggesting that ...": the noun does the reporting
        token = verb
        for _ in range(4):
            subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects:  # "said co-founder Erin Matsuda" parses as several subjects: the named one wins
                subject = next((c for c in subjects if c.pos_ == "PROPN"), subjects[0])
                if subject.tag_ in ("WP", "WDT") and token.dep_ == "relcl":
                    return token.head  # "experts like Ann Lee who argue ...", "a study, which found that ...": the antecedent
                return subject
            # "..., adding that", "after accusing them of": the participle's subject is its head clause's.
            if token.dep_ not in _CLAUSE_LINKS or token.head.i == token.i:
                break
            token = token.head
        return self._inverted_subject(verb)

    @staticmethod
    def _inverted_subject(verb):
        """'..., said co-founder Erin Matsuda.': a name right after the verb, with nothing reported after it."""
        if any(c.dep_ in _CONTENT_DEPS and c.i > verb.i for c in verb.children):
            return None
        for child in verb.rights:
            near = verb.doc[child.left_edge.i:min(child.right_edge.i, verb.i + 8) + 1]
            if child.dep_ in ("nsubj", "dobj", "attr", "npadvmod", "dep", "appos") and child.i - verb.i <= 8 \
                    and any(t.pos_ == "PROPN" for t in near):
                return child
        return None

    def _content(self, verb) -> tuple[int, int] | None:
        """Characters of the reported content: a proposition (the rule in reporting_verbs.json, `_rule`).
        A content clause with a subject of its own ("said (that) the plant would close"), the verb's object
        being that subject ("warned the mayor to expect delays"); a non-finite clause only for verbs whose subject
        asserts it ("denied knowing"); an object with a predicate ("described the deal as a mistake",
        "accused the envoy of siding with Russia"). Not "threatened to leave", "demanding a deal",
        "defending the plan", nor an embedded question ("explained what was in the calls")."""
        lemma = verb.lemma_.lower()
        objects = [c for c in verb.rights if c.dep_ in _OBJECT_DEPS]
        line_start, line_end = self._paragraph_part(verb.idx, 0, len(self.text))
        clauses = [c for c in verb.children if c.dep_ in _CONTENT_DEPS and line_start <= c.idx < line_end]
        # What a verb reports follows it, but for an inverted cue right after a comma ("..., said Ann Lee"): in
        # "Metrics back this: a spokeswoman tells us that ..." the parser hangs both clauses on "tells".
        inverted = verb.i > 0 and verb.doc[verb.i - 1].text in (",", "—", "–", "\"", "”", "’")
        after = [c for c in clauses if c.i > verb.i]
        clause = after[0] if after and not (inverted and after != clauses) else (clauses[0] if clauses else None)
        if lemma in self.lex.that_only:
            return _that_clause(clause) if clause is not None and clause.i > verb.i else None
        if clause is not None:
            first = clause.left_edge
            if clause.i > verb.i and _embedded_question(first, clause):
                return None  # an embedded question is not a statement
            if any(c.dep_ in _SUBJECT_DEPS for c in clause.children):
                if first.dep_ == "mark" and first.head.i == clause.i and first.lower_ == "that" and first.i < clause.i:
                    first = verb.doc[first.i + 1]  # "said that ...": the content starts after "that"
                return first.idx, _subtree_span(clause)[1]
            told = [o for o in objects if o.dep_ == "dobj" and o.i < clause.i]
            if told:  # "warned the mayor to expect delays": the object is the clause's subject
                return told[0].left_edge.idx, _subtree_span(clause)[1]
            if lemma in self.lex.intent or lemma not in self.lex.nonfinite_reports:
                return None
            return first.idx, _subtree_span(clause)[1]
        if objects and self._predicate(lemma, objects):
            spans = [_subtree_span(c) for c in objects]
            return min(s for s, _ in spans), max(e for _, e in spans)
        return self._that_clause_of_object(objects) or self._small_clause(verb, lemma, objects) or \
            (_unmarked_clause(verb, objects) if lemma == "say" else None)

    def _small_clause(self, verb, lemma: str, objects) -> tuple[int, int] | None:
        """'Transcripts show the envoy, a Trump aide, coaching a Kremlin official': an object and a participle
        after it, which the parser hangs on the verb or the object, state something for evidence verbs and
        object_verbs ("admitted ...", "reported ...") alike."""
        if lemma not in self.lex.evidence and lemma not in self.lex.object_verbs:
            return None
        told = next((o for o in objects if o.dep_ == "dobj"), None)
        if told is None:
            return None
        for participle in (*verb.rights, *told.rights):
            if participle.i > told.i and participle.tag_ == "VBG" and participle.dep_ in ("advcl", "acl", "xcomp"):
                return told.left_edge.idx, _subtree_span(participle)[1]
        return None

    @staticmethod
    def _made_clear(verb) -> tuple[int, int, int] | None:
        """'has made (it) clear that the plant will close': the content clause and the index of 'clear'."""
        clear = next((c for c in verb.children if c.lower_ == "clear" and c.i - verb.i <= 2), None)
        if clear is None:
            return None
        for clause in (*clear.children, *verb.children):
            if clause.i > clear.i and clause.dep_ in ("ccomp", "advcl") and \
                    any(c.dep_ in _SUBJECT_DEPS for c in clause.children):
                first = clause.left_edge
                first = first.doc[first.i + 1] if first.lower_ == "that" and first.dep_ == "mark" else first
                return first.idx, _subtree_span(clause)[1], clear.i
        return None

    @staticmethod
    def _that_clause_of_object(objects) -> tuple[int, int] | None:
        """'told the Courier in a statement that his client had done nothing wrong': the parser hangs the
        that-clause on the nearest noun; a that-clause with a subject of its own is still what was said (a
        relative clause's 'that' is its subject or object, not a marker)."""
        for child in objects:
            for noun in (child, *(c for c in child.children if c.dep_ == "pobj")):
                for clause in noun.children:
                    if clause.dep_ in ("acl", "ccomp") and any(c.dep_ in _SUBJECT_DEPS for c in clause.children):
                        mark = clause.left_edge
                        if mark.lower_ == "that" and mark.dep_ == "mark" and mark.head.i == clause.i:
                            return mark.doc[mark.i + 1].idx, _subtree_span(clause)[1]
        return None

    @staticmethod
    def _parenthetical(verb) -> tuple[int, int] | None:
        """'The bridge, Ann Lee said, will reopen in May': a cue set off by commas inside the clause it reports.
        The span is the whole clause, cue included (the gold spec's rule for a cue inside its clause). The same
        for an inverted cue read as a conjunct ("Coffee protects the heart, states Ann Lee, and ..."); at the end
        of the clause ("..., states Ann Lee.") the span stops before it."""
        if _inverted_conjunct(verb):
            top = verb.head
            while top.dep_ == "conj" and top.head.i < top.i:
                top = top.head
            start, end = _subtree_span(top)
            if verb.right_edge.i + 1 >= top.right_edge.i:  # nothing but a full stop after the cue's phrase
                end = verb.doc[verb.i - 1].idx
            return start, end
        if verb.dep_ != "parataxis" or not any(c.dep_ == "nsubj" for c in verb.children):
            return None
        edge = verb.left_edge.i  # the opening comma is the verb's child or the token before its phrase
        if not any(0 <= i and verb.doc[i].text in (",", "—", "–") for i in (edge, edge - 1)):
            return None
        return _subtree_span(verb.head)

    def _predicate(self, lemma: str, objects) -> bool:
        """Objects that state something: "X as Y" after any speech verb; for object_verbs also a verb inside
        ("admitted threatening her", "accused X of siding with Y"). A noun alone ("denied the report") does not."""
        if any(c.dep_ == "prep" and c.lower_ == "as" for c in objects):
            return True
        if lemma not in self.lex.object_verbs:
            return False
        doc = objects[0].doc
        return any(t.pos_ in ("VERB", "AUX") and t.dep_ in ("pcomp", "dobj", "pobj", "xcomp", "ccomp")
                   for c in objects for t in doc[c.left_edge.i:min(c.right_edge.i, c.left_edge.i + 40) + 1])

    def _quote_itself(self, start: int, end: int) -> bool:
        """Content that is a quotation ('"...," Lee said', 'Lee said: "..."'): mostly quoted and opening inside the
        marks. Content opening with words of the writer's own is mixed quotation ('Lee said the plan was "a
        disaster for every family"'): reported speech, with the quoted fragment a direct quote inside it."""
        if self._in_quote(start, end) < _QUOTED_CONTENT:
            return False
        at = start
        while at < end and (self.text[at] in _PUNCT or self.text[at].isspace()):
            at += 1
        return self.quoted.holds(at) or at >= end

    def _in_quote(self, start: int, end: int) -> float:
        """Share of [start, end) inside quotation segments."""
        return self.quoted.share(start, end)

    def rule_reported_speech(self, sent):
        for verb in sent:
            lemma = verb.lemma_.lower()
            made_clear = lemma == "make" and self._made_clear(verb)
            if verb.pos_ not in ("VERB", "AUX") or (lemma not in self.reporting and not made_clear):
                continue
            if lemma in self.lex.directive:
                continue  # "urged the board to act", "recommends that everyone get a shot": an action asked for
            if any(c.dep_ == "auxpass" for c in verb.children):
                continue  # "is said to" belongs to rule_passive_report
            if self._in_quote(verb.idx, verb.idx + 1):
                continue  # a verb inside quoted words belongs to the quote, not to the article
            if made_clear:
                lemma = "say"  # 'has made it clear that ...' says what follows
            content = made_clear[:2] if made_clear else self._content(verb)
            inside = content is None and self._parenthetical(verb)
            content = content or inside
            if not content and lemma in self.lex.evidence:
                content = self._document_content(verb, self._subject(verb))
            if not content or self._too_deep(verb):
                continue
            subject = self._subject(verb)
            start, end = self._paragraph_part(verb.idx, *content)
            if end - start < 2 or (start <= verb.idx < end and not inside):
                continue
            if self._not_reported(verb, subject, lemma) or self.text[start] == "(":
                continue  # a parenthesis after the verb is an aside, not what it reports
            cue = _cue_text(verb) if not made_clear else self.doc[verb.i - len(_cue_text(verb).split()) + 1:
                                                                   made_clear[2] + 1].text
            if self._quote_itself(start, end) or self._framed_quote(start, end):
                # '"...," Trump said': the quote itself is the claim; its cue and speaker are this verb's.
                speaker = self.speakers.resolve(subject).name if subject is not None else None
                self._quote_reports.setdefault((sent.start_char, sent.end_char), []).append(
                    {"start": start, "end": end, "cue": cue, "speaker": speaker})
                continue
            speaker, kind = None, "indirect_quote"
            if subject is not None:
                resolved = self.speakers.resolve(subject, content)
                documentary = subject.lemma_.lower() in self.lex.source_nouns or self._unnamed_source(subject)
                if resolved.is_outlet or documentary:
                    kind = "attributed"
                elif lemma not in self.lex.speech:
                    continue  # evidence verbs ("shows") report only for documents and outlets
                speaker = resolved.name
                if speaker is None and subject.lower_ in GROUP_PRONOUNS:
                    speaker = self._previous_speaker(subject.idx)
            elif lemma not in self.lex.speech or verb.dep_ == "amod":
                continue
            if kind == "attributed" and subject is not None and subject.i < verb.i:
                cue = self.doc[subject.i:verb.i + 1].text if verb.i - subject.i <= 2 else cue
            self._add(kind, start, end, cue, speaker, sent)

    def _document_content(self, verb, subject) -> tuple[int, int] | None:
        """What a document or data set shows or found, for evidence verbs: a clause with or without "that" ("the
        report found children had no beds") or a plain object ("studies show additional benefits", "a review
        found significant weight loss"): a finding, where a person's "found the school lonely" is none."""
        if subject is None or subject.lemma_.lower() not in self.lex.source_nouns:
            return None
        for child in verb.rights:
            if child.dep_ == "ccomp" and any(c.dep_ in _SUBJECT_DEPS for c in child.children):
                first = child.left_edge
                first = first.doc[first.i + 1] if first.lower_ == "that" and first.dep_ == "mark" else first
                return first.idx, _subtree_span(child)[1]
            if child.dep_ == "dobj" and verb.lemma_.lower() in self.lex.findings:
                return _subtree_span(child)
        return None

    def _unnamed_source(self, subject) -> bool:
        """'people familiar with the talks', 'a person briefed on the call': an anonymous source (the claim is
        `attributed`), where 'one trade expert' or 'White House advisers' are people described (reported speech
        with no name)."""
        if subject.lemma_.lower() not in self.lex.unnamed_people:
            return False
        phrase = subject.doc[subject.left_edge.i:min(subject.right_edge.i, subject.i + 6) + 1]
        return any(t.lemma_.lower() in self.lex.unnamed_markers for t in phrase)

    def _framed_quote(self, start: int, end: int) -> bool:
        """'Still, "there is little evidence," notes Lee', 'Lee warns that "people should wait," largely because
        ...': content whose clause (its root) is inside quotation marks that open or close it is the speaker's
        own sentence, a direct quote with the writer's words around it; unlike mixed quotation ('Lee said the
        plan was "a disaster"'), where the clause is the writer's and only a fragment is quoted."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None or not self.quoted.holds(span.root.idx):
            return False
        subjects = [c for c in span.root.children if c.dep_ in _SUBJECT_DEPS]
        if not subjects or not all(self.quoted.holds(c.idx) for c in subjects):
            return False  # 'the DEA says that the border "remains the main entry point"': the subject is the writer's
        return self.quoted.holds(start) or self.quoted.holds(end - 1)

    def _paragraph_part(self, anchor: int, start: int, end: int) -> tuple[int, int]:
        """[start, end) cut to the paragraph (line) holding `anchor`: the parser sometimes runs a sentence across
        a line break (a heading glued to the paragraph under it), but what a verb reports is in its paragraph."""
        line_start = self._line_start(anchor + 1)
        after = self.line_starts.first_after(anchor)  # the next line's start, by bisection: O(log n) per verb
        line_end = self.line_starts.items[after]["start"] - 1 if after < len(self.line_starts.items) else len(self.text)
        return max(start, line_start), min(end, line_end)

    def _not_reported(self, verb, subject, lemma: str) -> bool:
        """Reporting verbs that report nothing: negated ("did not say that", "research rarely shows that"), the
        writer's own remarks ("It is worth noting that", "We should also note that", "That said, ..."), a
        heading ("Proof Uses Number Theory To Explain ..."), and an inference verb drawing the writer's
        conclusion (the `inference` list of reporting_verbs.json)."""
        if _negated(verb) or any(a.lower_ == "worth" for a in (verb.head, verb.head.head)):
            return True
        if any(c.dep_ == "aux" and c.lower_ in _WRITER_MODALS - {"need"} for c in verb.children):
            return True  # "could find themselves ceded", "might say": a possibility, not a report
        if subject is not None and subject.i < verb.i:
            if subject.lower_ == "that" and verb.i == subject.i + 1 and verb.i + 1 < len(self.doc) \
                    and self.doc[verb.i + 1].text == ",":
                return True  # "That said, ..."
            if subject.lower_ in ("we", "i") and any(c.dep_ == "aux" and c.lower_ in _WRITER_MODALS for c in verb.children):
                return True
        if self.headings.holds(verb.idx):
            return True
        if lemma in self.lex.inference and subject is not None:
            if subject.lower_ in ("it", "this", "that", "which"):
                return True
            own = subject.head.i == verb.i
            person = subject.pos_ in ("PROPN", "PRON") or subject.lemma_.lower() in self.lex.descriptions
            return not own and not person and subject.lemma_.lower() not in self.lex.source_nouns
        return False

    def _previous_speaker(self, before: int) -> str | None:
        at = self.spoken.last_before(before)
        return self.spoken.items[at]["speaker"] if at >= 0 else None

    def rule_attribution_phrase(self, sent):
        lowered = self.text[sent.start_char:sent.end_char].lower()
        for phrase in self.lex.attribution_phrases:
            at = lowered.find(phrase)
            if at < 0:
                continue
            first = self.doc.char_span(sent.start_char + at, sent.start_char + at + len(phrase),
                                       alignment_mode="expand")
            if first is None:
                continue
            # The attribution phrase's whole subtree ("according to verified reports from the ABC") is cut out.
            anchor = first[-1] if phrase.startswith("according") else first.root
            top = anchor
            while top.head.i != top.i and top.head.i in range(first.start, first.end):
                top = top.head
            removed = {t.i for t in top.subtree} | {t.i for t in first}
            rest = [t for t in sent if t.i not in removed]
            if not rest:
                continue
            # Keep the side of the sentence that holds the statement: the run holding the main verb, else the
            # longer ("X is investigating Y, according to Z, adding to ..." is about the investigation).
            runs, run = [], []
            for t in rest:
                if run and t.i != run[-1].i + 1:
                    runs.append(run)
                    run = []
                run.append(t)
            runs.append(run)
            best = max(runs, key=lambda r: (any(t.i == sent.root.i for t in r), len(r)))
            cut = sorted(removed)
            speaker = self.speakers.named_in(self.doc[cut[0]].idx, self.doc[cut[-1]].idx + len(self.doc[cut[-1]]))
            self._add("attributed", *_span_of(best), phrase, speaker, sent)

    def rule_hedge(self, sent):
        for token in sent:
            if token.lower_ in self.lex.hedges and token.dep_ == "advmod" and not self._too_deep(token):
                start, end = _subtree_span(token.head)
                if token.head.dep_ == "ROOT":
                    start, end = sent.start_char, sent.end_char
                self._add("attributed", start, end, token.text, None, sent)

    def rule_passive_report(self, sent):
        for verb in sent:
            if verb.lemma_.lower() not in self.lex.passive_reports or self._in_quote(verb.idx, verb.idx + 1):
                continue  # (a verb inside quoted words belongs to the quote)
            if not any(c.dep_ == "auxpass" for c in verb.children):
                continue
            # "is accused by critics of ...": the agent reports it (named or not), as "critics accuse him of"; the
            # parser hangs the complement on the agent's noun.
            agent = next((g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)
            complements = [*verb.children, *(agent.children if agent is not None else ())]
            if not any(c.dep_ in ("xcomp", "prep", "ccomp", "oprd") for c in complements):
                continue
            if self._too_deep(verb) or _negated(verb) or any(
                    c.dep_ == "aux" and c.tag_ == "MD" and c.lower_ != "will" for c in verb.children):
                continue  # "cannot be seen", "can be understood": a possibility, not a report
            root = verb if verb.dep_ == "ROOT" else verb.head
            start, end = _subtree_span(root) if root.dep_ != "ROOT" else (sent.start_char, sent.end_char)
            cue = _cue_text(verb) + (" as" if any(c.lower_ == "as" for c in verb.children) else "")
            if agent is None:
                self._add("attributed", start, end, cue, None, sent)
            else:
                self._add("indirect_quote", start, end, cue, self.speakers.resolve(agent).name, sent)

    def rule_direct_quote(self):
        previous = None  # the last quote's claim, for quotes continued across paragraphs
        for start, end in self.quotes:
            sent = self.sentences.of_char(start)
            host = self._claim_around(start, end, sent)
            continued = previous is not None and self.text[previous["end"]:start].count("\n") >= 1 and \
                self.text[previous["end"]:start].strip(" ,.\"“”\n") == "" and start - previous["end"] < 8
            words = len(self.text[start:end].split())
            if self._names_or_labels(start, end, sent, words):
                continue
            if host is None or not host["speaker"]:
                # '"...," he said, according to the Gazette': the outlet is the source, the speech verb the speaker.
                host = self._trailing_attribution(end) or host
            if host is not None:
                cue, speaker = host["cue"], host["speaker"]
            elif continued:
                cue, speaker = previous["cue"], previous["speaker"]
            elif words >= _SCARE_QUOTE_WORDS:
                cue, speaker = None, self._speaker_next_to(sent) or self._recent_speaker(start)
            else:
                continue
            previous = self._add("direct_quote", start, end, cue, speaker, sent) or previous

    def _names_or_labels(self, start: int, end: int, sent, words: int) -> bool:
        """Quotation marks that name or distance, not quote: a title ("The Long Road Home": capitalised words,
        no end punctuation) or a scare quote (a few words with no verb inside a sentence: the so-called
        "reform"). A short verbless quote is still a quote when it is said on its own ('"Never," she said',
        'She replied: "Never."') or is part of what a reporting verb reports ('Lee said the plan was
        "reckless"', 'Lee dismissed the report as "fake"'), not of its subject."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        if _title_like(span) or _NAMING.search(self.text[max(0, start - 24):start]):
            return True  # a title, or a name given ('known as "shiriki hubs"', 'sometimes called "labs"')
        if is_quoted_heading(self.text[slice(*self._paragraph_part(start, 0, len(self.text)))]):
            return True  # '3. "Not some irregular channel"': a section heading repeating a quote of the body
        if words >= _SCARE_QUOTE_WORDS or any(t.pos_ in ("VERB", "AUX") for t in span):
            return False
        before = self.text[max(sent.start_char, start - 3):start].strip(" \"“‘«„'")
        if start - 1 <= sent.start_char or before.endswith(":") or self._trailing_attribution(end, own=True):
            return False
        below = span.root
        for hop, ancestor in enumerate(span.root.ancestors):
            if hop >= _NESTING_HOPS:
                break
            if ancestor.lemma_.lower() in self.reporting - self.lex.that_only and not self.quoted.holds(ancestor.idx):
                return below.dep_ in _SUBJECT_DEPS
            below = ancestor
        return True

    def _claim_around(self, start, end, sent) -> dict | None:
        """The reported-speech claim of this sentence whose cue introduces the quote (or contains it); first, a
        reporting verb whose content is this quotation."""
        reported = [r for r in self._quote_reports.get((sent.start_char, sent.end_char), ())
                    if r["start"] <= start and end <= r["end"] + 2 and r["speaker"]]
        if reported:
            return reported[0]
        same = [c for c in self.claims_by_sentence.get((sent.start_char, sent.end_char), ())
                if c["kind"] != "direct_quote"]
        containing = [c for c in same if c["start"] <= start and end <= c["end"] + 2]
        if containing:
            return min(containing, key=lambda c: c["end"] - c["start"])
        if same:
            return same[0]
        return self._verb_outside(start, end, sent)

    def _verb_outside(self, start, end, sent) -> dict | None:
        """'"...," Trump stated' -> the quote is the content itself: take the verb outside the marks
        (the same for every quote of the sentence: found once)."""
        if sent.start not in self._verbs_outside:
            self._verbs_outside[sent.start] = self._find_verb_outside(sent)
        return self._verbs_outside[sent.start]

    def _find_verb_outside(self, sent) -> dict | None:
        found = None
        for verb in sent:
            if verb.lemma_.lower() in self.lex.speech and verb.pos_ == "VERB" and not self._in_quote(verb.idx, verb.idx + 1):
                subject = self._subject(verb)
                if subject is None and verb.dep_ != "ROOT":
                    continue  # "so-called", "a deal called ...": no one is speaking
                speaker = None
                if subject is not None and not self._in_quote(subject.idx, subject.idx + 1):
                    speaker = self.speakers.resolve(subject).name
                found = found or {"cue": _cue_text(verb), "speaker": speaker}
                if speaker:
                    return {"cue": _cue_text(verb), "speaker": speaker}
        return found

    def _trailing_attribution(self, end: int, own: bool = False) -> dict | None:
        """'"First sentence. Second one," said Ann Lee.' or '"...," he said': a speech verb within a few words after
        the closing mark names the speaker, whichever sentence the parser put it in. `own`: only when a comma
        or end mark closes the quote (the quote is the whole utterance) and whoever the speaker is."""
        if own and not self.text[end:end + 2].lstrip("\"”’»“ ")[:1] in (",", "!", "?", "."):
            closing = self.text[end:end + 3]
            if not any(mark in closing for mark in (',"', ",”", '!"', "!”", '?"', "?”")):
                return None
        after = self.doc.char_span(end, min(len(self.text), end + 40), alignment_mode="expand")
        if after is None:
            return None
        for verb in after[:4]:
            if verb.lemma_.lower() in self.lex.speech and verb.pos_ == "VERB" and not self._in_quote(verb.idx, verb.idx + 1):
                subject = self._subject(verb)
                speaker = self.speakers.resolve(subject).name if subject is not None else None
                return {"cue": _cue_text(verb), "speaker": speaker} if speaker or own else None
        return None

    def _speaker_next_to(self, sent) -> str | None:
        """A quote standing alone: "X said:" at the end of the previous sentence, or 'he said.' after it."""
        for other in (self._neighbour(sent, -1), self._neighbour(sent, +1)):
            if other is None:
                continue
            found = self._verb_outside(-1, -1, other) if len(other) <= 12 else None
            if found and found["speaker"] and len(other) <= 12:
                return found["speaker"]
        return None

    def _recent_speaker(self, before: int) -> str | None:
        """A quote paragraph without attribution goes on with the speaker of the paragraph before (news style)."""
        paragraph_start = self._line_start(before)
        previous_end = paragraph_start
        while previous_end > 0 and self.text[previous_end - 1].isspace():
            previous_end -= 1  # skip the blank lines between paragraphs
        previous_start = self._line_start(previous_end)
        at = self.spoken.last_before(before)
        return self.spoken.items[at]["speaker"] if at >= 0 and self.spoken.items[at]["start"] >= previous_start else None

    def _line_start(self, char: int) -> int:
        """Where the line holding the character before `char` starts."""
        at = self.line_starts.last_before(char)
        return self.line_starts.items[at]["start"] if at >= 0 else 0

    def _neighbour(self, sent, step):
        return self.sentences.neighbour(sent, step)

    def rule_chip(self):
        """Citation chips (clean stage) back the sentence they were glued to (their `context`)."""
        for source in self.sources:
            if source.get("kind") != "citation" or not source.get("context"):
                continue
            at = self.text.find(source["context"])
            if at < 0:
                continue
            span = self.doc.char_span(at, at + len(source["context"]), alignment_mode="expand")
            if span is None:
                continue
            sents = list(span.sents)
            sent = sents[-1]
            claims = list(self.claims_by_sentence.get((sent.start_char, sent.end_char), ()))
            if not claims:
                claims = [self._add("attributed", sent.start_char, sent.end_char, None, None, sent)]
            for claim in claims:
                if claim is not None and source["id"] not in claim["source_ids"]:
                    claim["source_ids"].append(source["id"])

    def link_mentions(self):
        """Mentions (and hyperlinks) inside a claim's sentence back that claim."""
        located = StartIndex([s for s in self.sources if s.get("start") is not None
                              and s.get("kind") in ("mention", "hyperlink")])
        for claim in self.claims:
            for source in located.between(*claim["_sent"]):
                if source["id"] not in claim["source_ids"]:
                    claim["source_ids"].append(source["id"])

    def run(self) -> list[dict]:
        for sent in self.doc.sents:
            self.rule_reported_speech(sent)
            self.rule_attribution_phrase(sent)
            self.rule_hedge(sent)
            self.rule_passive_report(sent)
        self.rule_direct_quote()
        self.link_mentions()
        self.rule_chip()
        unique = {}
        for claim in self.claims:
            claim.pop("_sent")
            unique.setdefault(claim["id"], claim)
        return sorted(unique.values(), key=lambda c: (c["start"], c["end"], c["kind"]))


def annotate_claims(doc, entities: list[dict] | None = None, sources: list[dict] | None = None,
                    lexicon: Lexicon | None = None, text: str | None = None) -> list[dict]:
    """Claims of a parsed document (spaCy Doc over Document.text, `text` when the caller has it), given its
    entities and source links."""
    return ClaimFinder(doc, entities, sources or [], lexicon, text).run()


class ClaimsAnnotator:
    """Annotator protocol (builder/annotate/stage.py): fills row["claims"]; runs after entities and sources."""

    name = "claims"
    version = "6"
    components = ("tagger", "attribute_ruler", "lemmatizer", "parser")

    def __init__(self, config):
        path = config.reporting_verbs or str(LEXICON_FILE)
        try:
            data = Path(path).read_bytes()
            self.lexicon = parse_lexicon(data)
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(f"annotate.reporting_verbs: cannot read {path} ({exc}); it must be a JSON file shaped "
                            "like annotations/reporting_verbs.json") from None
        self.settings = {"reporting_verbs": hashlib.blake2b(data, digest_size=8).hexdigest(),  # the bytes parsed
                         "first_names": hashlib.blake2b(FIRST_NAMES_FILE.read_bytes(), digest_size=8).hexdigest()}
        self._places: dict[int, ClaimPlaces | None] = {}  # id(vocab) -> the places finder of that pipeline
        # Whom a pronoun or a description ("the 56-year-old", "the company") means is read before its sentence
        # (claims_speakers.py): the subject of the sentence before, people and organisations as subjects.
        self.context_words = frozenset(PERSON_PRONOUNS | GROUP_PRONOUNS | self.lexicon.descriptions
                                       | self.lexicon.organisations | {"old"})

    def prepare(self, nlp) -> None:
        """Nothing to add to the pipeline; the places of the rules get the verb forms of its lemmatizer."""
        exceptions = verb_exceptions(nlp)
        self._places[id(nlp.vocab)] = None if exceptions is None else ClaimPlaces(self.lexicon, exceptions, _SCARE_QUOTE_WORDS)

    def places(self, row: dict, nlp) -> list[tuple[int, int]] | None:
        """Where the rules read the parse (candidates.py); None (everywhere) for a pipeline with no verb forms."""
        find = self._places.get(id(nlp.vocab))
        return find(row["text"], row.get("sources") or []) if find else None

    def annotate(self, doc, row: dict, model: str) -> None:
        claims = annotate_claims(doc, row.get("entities"), row.get("sources"), self.lexicon, row["text"])
        for claim in claims:
            claim["origin"] = f"{ORIGIN}:{model}"
        row["claims"] = claims

    def skip(self, row: dict, reason: str) -> None:
        row["claims"] = []
