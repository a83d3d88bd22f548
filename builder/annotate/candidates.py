"""Where a claim or a source mention can be: the places of a text whose sentences the parser must read.

The claims and sources rules read the dependency parse, tags and lemmas only around a few kinds of words, so the
tagger and parser (and the shared encoder they listen to: a third of spaCy's time) run only over the sentences
that hold one of them (partial_parse.py); the NER still reads the whole text. A place is a character range:
- a form of a reporting verb (claims lexicon: speech, evidence), written out by the verb-form table below;
  a form of a passive-report verb only after a form of "be" ("is believed", "was widely seen");
- "made (it) clear", an attribution phrase ("according to"), a hedge ("reportedly");
- a quotation of fewer than claims._SCARE_QUOTE_WORDS words (whether it is a scare quote depends on its
  parse); a longer one is a direct quote by its marks alone, and its speaker is read from a sentence with a
  reporting verb (before it, after it, or around it), which is a place of its own;
- the sentence a citation chip backs (the clean stage's `context`);
- an outlet-like name (sources.py `_candidates`): whether it reports is read from the parse.
A sentence with none of these holds nothing the rules could find, so its parse would never be read. The tables
are a superset of what the rules accept (a noun "report" is a place too): a place too many costs time, one too
few costs a claim.
"""

from __future__ import annotations

import re

from builder.annotate.claims_quotes import quote_segments

# English verb endings: form = lemma minus `lemma_end` plus `form_end` (the inverse of the lemmatizer's suffix
# rules), with doubled final consonants ("admitted", "committing") added as a superset.
_ENDINGS = (("", "s"), ("", "es"), ("y", "ies"), ("", "ed"), ("", "d"), ("y", "ied"), ("", "ing"), ("e", "ing"))
_BE_FORMS = frozenset({"be", "is", "are", "was", "were", "been", "being", "am"})
_BE_ENDINGS = ("'s", "’s", "'re", "’re")  # "it's believed", "they're seen as" (a superset: "Lee's seen")
_MAKE_FORMS = frozenset({"make", "makes", "made", "making"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# How many words may sit between a form of "be" and a passive report ("is widely believed", "has been seen").
_PASSIVE_GAP = 3


def verb_forms(lemmas, exceptions: dict[str, list[str]] | None = None) -> frozenset[str]:
    """Lowercase written forms of `lemmas`: regular endings plus the irregular forms of `exceptions` (form ->
    lemmas, the lemmatizer's verb exception table: "said" -> ["say"])."""
    wanted = {lemma.lower() for lemma in lemmas}
    forms = set(wanted)
    for lemma in wanted:
        for lemma_end, form_end in _ENDINGS:
            if lemma.endswith(lemma_end):
                forms.add(lemma[:len(lemma) - len(lemma_end)] + form_end)
        if lemma[-1:].isalpha() and lemma[-1] not in "aeiouwxy":
            forms.update((lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"))
    for form, lemmas_of_form in (exceptions or {}).items():
        if wanted.intersection(lemmas_of_form):
            forms.add(form.lower())
    return frozenset(forms)


def verb_exceptions(nlp) -> dict[str, list[str]] | None:
    """The verb exception table of the pipeline's lemmatizer (form -> lemmas), or None when it has none: then
    the irregular forms ("said", "told") are unknown and the places would miss them."""
    try:
        tables = nlp.get_pipe("lemmatizer").lookups
        return dict(tables.get_table("lemma_exc")["verb"])
    except (KeyError, AttributeError):
        return None


class ClaimPlaces:
    """The claim rules' places in a text (see the module docstring), from the claims lexicon."""

    def __init__(self, lexicon, exceptions: dict[str, list[str]] | None, short_quote_words: int):
        self.reporting = verb_forms(lexicon.speech | lexicon.evidence, exceptions)
        self.passive = verb_forms(lexicon.passive_reports, exceptions)
        self.hedges = frozenset(lexicon.hedges)
        self.phrases = tuple(lexicon.attribution_phrases)
        self.short_quote_words = short_quote_words

    def __call__(self, text: str, sources: list[dict]) -> list[tuple[int, int]]:
        places = []
        recent: list[str] = []  # the words before this one, lowercase (a few are enough)
        for match in _WORD.finditer(text):
            word = match.group().lower()
            if word in self.reporting or word in self.hedges or (word == "clear" and _MAKE_FORMS.intersection(recent)) \
                    or (word in self.passive and any(w in _BE_FORMS or w.endswith(_BE_ENDINGS) for w in recent)):
                places.append(match.span())
            recent = [*recent[-_PASSIVE_GAP:], word]
        lowered = text.lower()
        for phrase in self.phrases:
            at = lowered.find(phrase)
            while at >= 0:
                places.append((at, at + len(phrase)))
                at = lowered.find(phrase, at + 1)
        places += [(start, end) for start, end in quote_segments(text)
                   if len(text[start:end].split()) < self.short_quote_words]
        for source in sources:
            context = source.get("context") if source.get("kind") == "citation" else None
            at = text.find(context) if context else -1
            if at >= 0:
                places.append((at, at + len(context)))
        return places
