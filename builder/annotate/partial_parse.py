"""The tagger and parser over some sentences of a Doc only, their output written into the whole Doc.

The entity layer reads the NER over the whole text; claims and sources read the parse only around the places
of candidates.py. So each run of consecutive sentences of one paragraph that hold a place, or precede one
that holds a word read by what came before (a pronoun or a description: the subject of the sentence before
tells whom a "he" or "the mayor" means), goes through the parse steps (the shared encoder,
tagger, parser, attributes, lemmatizer) as a Doc of its own (a "unit"), built from the text's tokens; then the
whole text through the NER, which so sees the parser's sentence starts in the units, as after a full parse
(an entity never crosses one). A unit's tags, lemmas, heads and sentence starts are copied into the whole Doc at
the unit's tokens (heads are relative, so they need no shift). Tokens outside every unit keep no tag, lemma or
dependency; their sentences start where the rule of `sentence_starts` says.

Sentences here are a rule's, only to choose units: a token of its own ".", "!" or "?" (the tokenizer keeps
"Mr." or "U.S." whole), maybe closing quotes or brackets, then a capital, digit or opening mark; and every line
start (the clean stage writes one paragraph per line). Inside a unit the parser's own sentences count.

AttributeMap does the attribute ruler's work (tag -> POS and morphology, a few word exceptions) by table
look-up; spaCy's AttributeRuler runs a Matcher over every token, a tenth of the whole pipeline's time. The
lemmatizer runs with its word index as sets (indexed_lemmatizer): the same lemmas, without a list scan per word.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import partial
from itertools import product
from operator import eq
from typing import Callable, Iterable

from builder.annotate.chunks import char_batches

# Sentences before a place that are parsed with it when the place's sentences hold a context word: who is the
# subject there decides whom a later "he" or "the company" means ("Lee left early. He said ...").
CONTEXT_SENTENCES = 1
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_LINE_START = re.compile(r"\n\s*(?=\S)")


def _absent(values: frozenset, value) -> bool:
    return value not in values


def _token_at(starts, char: int) -> int:
    """Index of the token holding `char` (`starts`: the tokens' first characters, ascending)."""
    return max(0, int(starts.searchsorted(char, side="right")) - 1)


def sentence_starts(text: str, starts) -> tuple[list[int], set[int]]:
    """The rule's sentence starts (token indices, ascending) and those of them that open a line."""
    lines = {0} | {_token_at(starts, m.end()) for m in _LINE_START.finditer(text)}
    found = set(lines)
    for match in _SENTENCE_END.finditer(text):
        if starts[_token_at(starts, match.start())] == match.start():  # the mark is a token of its own
            found.add(_token_at(starts, match.end()))
    return sorted(found), lines


class AttributeMap:
    """spaCy's AttributeRuler of a pipeline as look-up tables: the same TAG, POS, MORPH, LEMMA and DEP values
    for each token (later patterns win, as there). Knows the pattern kinds English pipelines ship: token keys
    TAG, LOWER, DEP, IS_SPACE with a value, an IN or NOT_IN list or a REGEX; ValueError for any other (then the stage
    runs the real ruler)."""

    _GETTERS = {"TAG": lambda t: t.tag_, "LOWER": lambda t: t.lower_, "DEP": lambda t: t.dep_,
                "IS_SPACE": lambda t: t.is_space}
    COLUMNS = ("TAG", "POS", "MORPH", "LEMMA", "DEP")

    def __init__(self, vocab, patterns: list[dict]):
        from spacy.parts_of_speech import IDS as POS_IDS

        self.by_key: dict[tuple, list] = {}  # (tag or None, lower or None) of a rule's first token -> rules
        for order, entry in enumerate(patterns):
            values = {}
            for attr, value in entry["attrs"].items():
                if attr not in self.COLUMNS:
                    raise ValueError(f"attribute ruler sets {attr}")
                values[self.COLUMNS.index(attr)] = (POS_IDS[value] if attr == "POS" else
                                                    vocab.morphology.add(value) if attr == "MORPH" else
                                                    vocab.strings.add(value))
            for pattern in entry["patterns"]:
                rule = (order, [self._token_tests(spec) for spec in pattern], entry.get("index", 0), values)
                for key in product(*(self._listed(pattern[0].get(name)) for name in ("TAG", "LOWER"))):
                    self.by_key.setdefault(key, []).append(rule)

    @staticmethod
    def _listed(wanted) -> list:
        """The values a first-token condition allows, [None] when it is not one value or an IN list."""
        if isinstance(wanted, str):
            return [wanted]
        if isinstance(wanted, dict) and list(wanted) == ["IN"]:
            return list(wanted["IN"])
        return [None]

    def _token_tests(self, spec: dict) -> list[tuple[Callable, Callable]]:
        tests = []
        for key, wanted in spec.items():
            if key not in self._GETTERS:
                raise ValueError(f"attribute ruler pattern key {key}")
            if isinstance(wanted, dict) and list(wanted) == ["IN"]:
                test = frozenset(wanted["IN"]).__contains__
            elif isinstance(wanted, dict) and list(wanted) == ["NOT_IN"]:
                test = partial(_absent, frozenset(wanted["NOT_IN"]))
            elif isinstance(wanted, dict) and list(wanted) == ["REGEX"]:
                test = re.compile(wanted["REGEX"]).search
            elif isinstance(wanted, (str, bool)):
                test = partial(eq, wanted)  # (str.__eq__ answers NotImplemented, which is true, for a bool)
            else:
                raise ValueError(f"attribute ruler pattern value {wanted!r}")
            tests.append((self._GETTERS[key], test))
        return tests

    @staticmethod
    def _matches(tokens: list, at: int, pattern: list) -> bool:
        if at + len(pattern) > len(tokens):
            return False
        for k, tests in enumerate(pattern):
            for get, test in tests:
                if not test(get(tokens[at + k])):
                    return False
        return True

    def __call__(self, doc):
        from spacy.attrs import IDS

        tokens = list(doc)
        hits = []
        none = ()
        for i, token in enumerate(tokens):
            tag, lower = token.tag_, token.lower_
            for key in ((tag, lower), (tag, None), (None, lower), (None, None)):
                for order, pattern, index, values in self.by_key.get(key, none):
                    if self._matches(tokens, i, pattern):
                        hits.append((order, i, i + index + (len(pattern) if index < 0 else 0), values))
        if not hits:
            return doc
        columns = [IDS[name] for name in self.COLUMNS]
        array = doc.to_array(columns)
        for _, _, target, values in sorted(hits, key=lambda hit: hit[:2]):
            for column, value in values.items():
                array[target, column] = value
        return doc.from_array(columns, array)


def context_pattern(annotators: list) -> re.Pattern | None:
    """The words (any case, whole words) whose meaning the `annotators` read in the sentence before their own:
    their `context_words`. None, every place's sentence before, when one of them does not say."""
    words: set[str] = set()
    for annotator in annotators:
        if not hasattr(annotator, "context_words"):
            return None
        words.update(annotator.context_words)
    alternatives = "|".join(map(re.escape, sorted(words, key=len, reverse=True))) or "(?!)"  # none: never
    return re.compile(r"\b(?:" + alternatives + r")\b", re.IGNORECASE)


def indexed_lemmatizer(pipe):
    """A rule lemmatizer like `pipe` whose word index of each part of speech is a set, not a list: spaCy tests
    every form a suffix rule makes against that list by a linear scan (about 0.4 ms per word not yet in its
    cache, most of the lemmatizer's time). The same lemmas; `pipe` itself when it is no rule lemmatizer with an
    index, or its class is not built so."""
    from spacy.lookups import Lookups

    if getattr(pipe, "mode", None) != "rule" or not pipe.lookups.has_table("lemma_index"):
        return pipe
    try:
        indexed = type(pipe)(pipe.vocab, None, pipe.name, mode="rule", overwrite=pipe.overwrite)
    except TypeError:
        return pipe
    indexed.lookups = Lookups()
    for name in pipe.lookups.tables:
        table = indexed.lookups.add_table(name)
        for key, value in pipe.lookups.get_table(name).items():
            table[key] = frozenset(value) if name == "lemma_index" else value
    return indexed


def parse_steps(nlp, names: list[str]) -> list[Callable]:
    """The pipes `names` of `nlp` as steps over lists of Docs; the attribute ruler as its AttributeMap when its
    patterns allow, the lemmatizer as its indexed_lemmatizer."""
    steps = []
    for name in names:
        pipe = nlp.get_pipe(name)
        if name == "lemmatizer":
            pipe = indexed_lemmatizer(pipe)
        if name == "attribute_ruler":
            try:
                mapper = AttributeMap(nlp.vocab, pipe.patterns)
                steps.append(lambda docs, mapper=mapper: [mapper(doc) for doc in docs])
                continue
            except ValueError:
                pass  # a pattern kind the map does not know: the real ruler
        steps.append(lambda docs, pipe=pipe: list(pipe.pipe(docs, batch_size=max(1, len(docs)))))
    return steps


_COPIED = ("TAG", "POS", "MORPH", "LEMMA", "HEAD", "DEP")


class Layout:
    """A Doc's token starts and rule sentences, found once for `units` and `parse_units`."""

    def __init__(self, doc, text: str | None = None):
        self.doc = doc
        self.text = doc.text if text is None else text  # spaCy rebuilds doc.text from the tokens on every access
        self.starts = doc.to_array("IDX").astype("int64")
        self.sentences, self.lines = sentence_starts(self.text, self.starts) if len(doc) else ([], set())

    def units(self, places: Iterable[tuple[int, int]], context: re.Pattern | None = None) -> list[tuple[int, int]]:
        """(first token, end token) of each run of consecutive sentences of one line holding a place or
        preceding one (CONTEXT_SENTENCES) whose sentences `context` finds a word in (every one when None)."""
        bounds = [*self.sentences, len(self.starts)]
        chosen = set()
        needs: dict[int, bool] = {}  # sentence -> does it hold a context word
        for start, end in places:
            first = bisect_right(self.sentences, _token_at(self.starts, start)) - 1
            last = bisect_right(self.sentences, _token_at(self.starts, max(start, end - 1))) - 1
            if context is None or any(self._holds(context, s, bounds, needs) for s in range(first, last + 1)):
                first = max(0, first - CONTEXT_SENTENCES)
            chosen.update(range(first, last + 1))
        runs: list[tuple[int, int]] = []
        for s in sorted(chosen):
            if runs and runs[-1][1] == bounds[s] and bounds[s] not in self.lines:
                runs[-1] = (runs[-1][0], bounds[s + 1])
            else:
                runs.append((bounds[s], bounds[s + 1]))
        return runs

    def _holds(self, context: re.Pattern, sentence: int, bounds: list[int], known: dict[int, bool]) -> bool:
        if sentence not in known:
            end = self.starts[bounds[sentence + 1]] if bounds[sentence + 1] < len(self.starts) else len(self.text)
            known[sentence] = context.search(self.text, int(self.starts[bounds[sentence]]), int(end)) is not None
        return known[sentence]

    def chars(self, unit: tuple[int, int]) -> int:
        end = self.starts[unit[1]] if unit[1] < len(self.starts) else len(self.text)
        return int(end - self.starts[unit[0]])


def parse_units(work: list[tuple[Layout, list[tuple[int, int]]]], steps: list[Callable], batch_size: int,
                batch_chars: int, check: Callable[[], None] | None = None) -> None:
    """Parse the units of each (layout, units) with `steps` and write their analyses into the layout's Doc (in
    place). Units go through in batches bounded by items and characters; `check` runs between batches."""
    import numpy
    from spacy.attrs import IDS
    from spacy.tokens import Doc

    copied = [IDS[name] for name in _COPIED]
    arrays = [numpy.zeros((len(layout.doc), len(copied)), dtype="uint64") for layout, _ in work]
    sent_starts = []
    for layout, _ in work:
        column = numpy.full(len(layout.doc), -1, dtype="int64")
        column[layout.sentences] = 1
        sent_starts.append(column)
    pieces = [(n, unit) for n, (_, found) in enumerate(work) for unit in found]
    for batch in char_batches(pieces, lambda piece: work[piece[0]][0].chars(piece[1]), batch_size, batch_chars):
        if check is not None:
            check()
        docs = []
        for n, (a, b) in batch:
            span = work[n][0].doc[a:b]
            docs.append(Doc(span.doc.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span]))
        for step in steps:
            docs = step(docs)
        for (n, (a, b)), unit in zip(batch, docs):
            arrays[n][a:b] = unit.to_array(copied)
            sent_starts[n][a:b] = unit.to_array("SENT_START").astype("int64")
            sent_starts[n][a] = 1
    for (layout, found), array, column in zip(work, arrays, sent_starts):
        if found:
            layout.doc.from_array(copied, array)  # sets every token's sentence start from the heads: reset next
        if len(layout.doc):
            layout.doc.from_array(["SENT_START"], column.astype("uint64"))  # the rules read sentences everywhere
