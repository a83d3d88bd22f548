"""Entity annotator: ruler overrides, span rules, linking of name forms, languages without a model."""

import json

import pytest
from spacy.tokens import Span

from builder.annotate.config import AnnotateConfig
from builder.annotate.entities import _merge, entity_id, mentions
from builder.annotate.lexicons import NameIndex
from builder.annotate.entity_table import EntityCounter
from builder.annotate.evaluate import score_spans
from builder.annotate.linking import _first_names_left_out, link
from builder.annotate.stage import AnnotateStage

ENTITIES_ONLY = {"claims": False, "sources": False}


@pytest.fixture(scope="module")
def stage():
    stage = AnnotateStage(AnnotateConfig(**ENTITIES_ONLY))
    stage.setup()
    return stage


def annotate(stage, text, language="en"):
    (row,), rejects = stage.process([{"id": "t", "text": text, "language": language}])
    assert rejects == []
    return row


def found(row):
    return [(e["text"], e["label"], e["entity"]) for e in row["entities"]]


def test_outlet_and_gazetteer_names_override_the_model(stage):
    row = annotate(stage, "Donald Trump spoke. Trump has ordered Witkoff to travel to Moscow, Bloomberg reported on Friday.")
    spans = found(row)
    assert ("Trump", "PERSON", "Donald Trump") in spans
    assert ("Bloomberg", "ORG", "Bloomberg") in spans
    assert ("Moscow", "GPE", "Moscow") in spans


def test_a_longer_model_name_keeps_the_lexicon_name_inside_it(stage):
    row = annotate(stage, "She studied at the University of Washington before joining British Airways in the "
                          "United Arab Emirates.")
    assert [(text, label) for text, label, _ in found(row)] == [
        ("University of Washington", "ORG"), ("British Airways", "ORG"), ("United Arab Emirates", "GPE")]


def test_lexicon_names_win_over_model_spans_that_add_no_name():
    text = "The Afghan war ended. Kremlin spokesman Dmitry Peskov spoke."
    afghan, kremlin, peskov = (text.index(w) for w in ("Afghan", "Kremlin", "Dmitry"))
    model = [{"start": afghan, "end": afghan + 10, "label": "EVENT", "linked": None},     # "Afghan war"
             {"start": kremlin, "end": peskov + 13, "label": "PERSON", "linked": None}]   # two names glued
    lexicon = [{"start": afghan, "end": afghan + 6, "label": "NORP", "linked": "Afghan"},
               {"start": kremlin, "end": kremlin + 7, "label": "ORG", "linked": "Kremlin"},
               {"start": peskov, "end": peskov + 13, "label": "PERSON", "linked": "Dmitry Peskov"}]
    assert [text[s["start"]:s["end"]] for s in _merge(text, model, lexicon)] == ["Afghan", "Kremlin", "Dmitry Peskov"]
    longer = [{"start": 0, "end": 22, "label": "ORG", "linked": None}]  # a longer name: the model's span stands
    inside = [{"start": 14, "end": 22, "label": "GPE", "linked": "Brantwick"}]
    assert _merge("University of Brantwick", longer, inside) == longer


def test_a_bare_surname_links_only_next_to_the_full_name(stage):
    local = annotate(stage, "Lieutenant Mark Harris said the suspect fled. Harris added that nobody was hurt.")
    assert all(entity != "Kamala Harris" for _, _, entity in found(local))
    national = annotate(stage, "Kamala Harris arrived in Ohio. Harris said the plan would pass.")
    assert ("Harris", "PERSON", "Kamala Harris") in found(national)


def test_a_common_word_alias_links_only_next_to_the_full_name(stage):
    alone = annotate(stage, "Traders said the Fed would hold rates in June.")
    assert ("Fed", "ORG", "Fed") in found(alone)
    named = annotate(stage, "The Federal Reserve met on Tuesday. Traders said the Fed would hold rates.")
    assert ("Fed", "ORG", "Federal Reserve") in found(named)


def test_heading_lines_are_not_entity_contexts(stage):
    text = "Background\n\nTown officials met on Monday in Dunmore.\n\nStalled Talks\n\nThe vote failed."
    row = annotate(stage, text)
    assert [e["text"] for e in row["entities"]] == ["Dunmore"]


def test_a_name_on_a_heading_line_counts_when_running_text_uses_it(stage):
    text = "Leaked Memos\n\nOttoline Brask\n\nThe council said Ottoline Brask wrote the memos."
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [Span(doc, 0, 2, label="PERSON"), Span(doc, 3, 5, label="PERSON"), Span(doc, 9, 11, label="PERSON")]
    assert [(m["text"], m["start"]) for m in mentions(doc, frozenset({"PERSON"}))] == [
        ("Ottoline Brask", 14), ("Ottoline Brask", text.rindex("Ottoline"))]


def test_no_span_crosses_a_line_break(stage):
    doc = stage.pipelines["en"].make_doc("Outlook\n\nMaren Tovey spoke.")
    doc.ents = [Span(doc, 0, 4, label="PERSON")]  # "Outlook\n\nMaren Tovey", as a model might glue them
    assert [m["text"] for m in mentions(doc, frozenset({"PERSON"}))] == ["Maren Tovey"]
    row = annotate(stage, "The plan\nWashington\nPosted by Idris Calloway\nMoscow said no.")
    assert all("\n" not in e["text"] for e in row["entities"])


def test_a_sentence_opening_the_is_not_part_of_the_name(stage):
    row = annotate(stage, "Sales fell. The White House said on Monday that talks would go on.")
    assert ("White House", "ORG") in [(text, label) for text, label, _ in found(row)]


def test_generational_suffixes_are_not_surnames(stage):
    row = annotate(stage, "Paul Dorrance Jr., the mayor, spoke first. Later Dorrance said the vote would pass.")
    assert ("Paul Dorrance Jr.", "PERSON", "Paul Dorrance Jr.") in found(row)
    assert ("Dorrance", "PERSON", "Paul Dorrance Jr.") in found(row)


def test_a_lexicon_name_with_a_suffix_links_without_it(tmp_path):
    (tmp_path / "gazetteer.jsonl").write_text(json.dumps({"name": "Hollis Grange Jr.", "label": "PERSON",
                                                          "aliases": ["Grange"]}) + "\n")
    names = NameIndex.build(tmp_path)
    spans = [{"start": 0, "end": 13, "label": "PERSON", "text": "Hollis Grange", "linked": None}]
    (span,) = link("Hollis Grange spoke.", spans, names)
    assert span["entity"] == "Hollis Grange Jr."


def test_a_project_lexicon_feeds_the_ruler(tmp_path):
    (tmp_path / "outlets.jsonl").write_text(json.dumps({"name": "The Harbour Ledger", "aliases": ["Ledger"],
                                                        "domain": "harbourledger.example"}) + "\n")
    (tmp_path / "gazetteer.jsonl").write_text(json.dumps({"name": "Oriel Vantfoss", "label": "PERSON",
                                                          "aliases": ["Vantfoss"]}) + "\n")
    stage = AnnotateStage(AnnotateConfig(lexicons=str(tmp_path), **ENTITIES_ONLY))
    row = annotate(stage, "Oriel Vantfoss was late. Vantfoss told the Ledger that the plan was over.")
    assert ("Vantfoss", "PERSON", "Oriel Vantfoss") in found(row)
    assert ("Ledger", "ORG", "The Harbour Ledger") in found(row)


def test_titles_and_possessives_stay_outside_the_span(stage):
    doc = stage.pipelines["en"].make_doc("Yesterday President Jane Ockley's plan failed.")
    doc.ents = [Span(doc, 1, 5, label="PERSON")]  # "President Jane Ockley's", as a model might cut it
    (mention,) = mentions(doc, frozenset({"PERSON"}))
    assert mention["text"] == "Jane Ockley"
    assert doc.text[mention["start"]:mention["end"]] == "Jane Ockley"


def person_mentions(stage, text: str, *spans: str) -> list[str]:
    """The mentions of PERSON spans over the given words of the text, as a model might cut them."""
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [doc.char_span(text.index(words), text.index(words) + len(words), label="PERSON") for words in spans]
    return [m["text"] for m in mentions(doc, frozenset({"PERSON"}))]


def test_a_score_or_count_after_a_name_is_not_part_of_it(stage):
    text = "Tomas Ruiz beat Pablo Serra 6-4, 6-2.\n\nIda Moor 12 points. Bo Lee 1 goal."
    assert person_mentions(stage, text, "Pablo Serra 6-4", "Ida Moor 12", "Bo Lee 1 goal") == [
        "Pablo Serra", "Ida Moor", "Bo Lee"]
    text = "Northport beat Eastham 3-0 on Friday."
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [doc.char_span(text.index("Eastham"), text.index(" on"), label="ORG")]  # as a model might cut it
    assert [m["text"] for m in mentions(doc, frozenset({"ORG"}))] == ["Eastham"]


def test_a_hyphenated_first_name_stays_whole_unless_its_part_is_a_name_of_its_own(stage):
    # "Prosecutor Jean-Julien Rojer" read as one span: the title goes, the hyphenated first name stays.
    assert person_mentions(stage, "Prosecutor Jean-Julien Rojer spoke.", "Prosecutor Jean-Julien Rojer") == [
        "Jean-Julien Rojer"]
    # "Acme" is a company the text names on its own: "Acme-Julie Lee" is a deal between two names.
    text = "Acme is buying a stake. The Acme-Julie Lee deal is big."
    assert person_mentions(stage, text, "Acme-Julie Lee") == ["Julie Lee"]


def test_a_common_word_capitalised_only_where_a_sentence_opens_is_not_a_name(stage):
    text = ("Tidepools\n\nTidepools hold many kinds of snail. Counting tidepools is slow work.\n\n"
            "Marrow Bay hired Ann Crane. Crane said the crane on the pier was old.")
    doc = stage.pipelines["en"].make_doc(text)
    words = ["Tidepools", "Tidepools hold", "Crane said"]
    spans = [doc.char_span(text.index(w), text.index(w) + len(w.split()[0]), label="ORG") for w in words]
    doc.ents = spans + [doc.char_span(text.index("Ann Crane"), text.index("Ann Crane") + 9, label="PERSON")]
    # "Crane" is also capitalised mid-sentence ("hired Ann Crane"): a name, though "crane" is a word too.
    assert [m["text"] for m in mentions(doc, frozenset({"ORG", "PERSON"}))] == ["Ann Crane", "Crane"]


def test_a_name_and_its_bracketed_acronym_are_two_names(stage):
    text = "The Acme Institute of Art (AIA) opened in May."
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [doc.char_span(4, text.index(")"), label="ORG")]  # "Acme Institute of Art (AIA", as a model might cut it
    assert [m["text"] for m in mentions(doc, frozenset({"ORG"}))] == ["Acme Institute of Art", "AIA"]


def test_outlets_cited_as_the_origin_of_reports_are_names_of_their_own(stage):
    text = "The studio is in talks with a director, according to reports from The Reel and Cutline."
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [doc.char_span(text.index("The Reel"), len(text) - 1, label="WORK_OF_ART")]  # glued, as a model might
    assert [(m["text"], m["label"]) for m in mentions(doc, frozenset({"ORG", "WORK_OF_ART"}))] == [
        ("The Reel", "ORG"), ("Cutline", "ORG")]


def test_an_outlet_cited_by_its_lexicon_name_is_one_span(stage):
    row = annotate(stage, "The talks were first reported by The Wall Street Journal on Tuesday.")
    journal = [e for e in row["entities"] if "Journal" in e["text"]]
    assert len(journal) == 1 and journal[0]["label"] == "ORG"


def test_a_lone_title_is_not_a_name(stage):
    doc = stage.pipelines["en"].make_doc("The President spoke.")
    doc.ents = [Span(doc, 1, 2, label="PERSON")]
    assert mentions(doc, frozenset({"PERSON"})) == []


def test_a_hyphenated_first_name_left_out_by_the_model_joins_the_surname():
    text = "Chief prosecutor Eva-Marie Lindqvist spoke. Later Lindqvist said no. The Acme-Julie Lee deal ended. Lee left."
    spans = [{"start": text.index("Lindqvist said"), "end": text.index(" said no"), "label": "PERSON", "linked": None,
              "text": "Lindqvist"},
             {"start": text.rindex("Lee"), "end": text.rindex("Lee") + 3, "label": "PERSON", "linked": None, "text": "Lee"}]
    text_with_acme = text + " Acme grew."
    found = [s["text"] for s in _first_names_left_out(text_with_acme, spans)]
    assert "Eva-Marie Lindqvist" in found and "Acme-Julie Lee" not in found


def test_title_form_links_to_the_full_name(stage):
    row = annotate(stage, "President Trump spoke for an hour. Later, Donald Trump left the room.")
    spans = found(row)
    assert ("Trump", "PERSON", "Donald Trump") in spans
    assert ("Donald Trump", "PERSON", "Donald Trump") in spans
    assert all(not e["text"].startswith("President") for e in row["entities"])


def test_surnames_link_to_the_full_name_in_the_document():
    text = "Steve Witkoff met officials. Witkoff said talks went well, and Witkoff left."
    spans = [
        {"start": 0, "end": 13, "label": "PERSON", "text": "Steve Witkoff", "linked": None},
        {"start": 29, "end": 36, "label": "GPE", "text": "Witkoff", "linked": None},  # model error: surname as place
    ]
    linked = link(text, spans, NameIndex())
    assert [(s["text"], s["label"], s["entity"]) for s in linked] == [
        ("Steve Witkoff", "PERSON", "Steve Witkoff"),
        ("Witkoff", "PERSON", "Steve Witkoff"),
        ("Witkoff", "PERSON", "Steve Witkoff"),  # the repeat the model missed, found by propagation
    ]
    assert [s["start"] for s in linked] == [0, 29, text.rindex("Witkoff")]


def test_a_first_name_the_model_left_out_makes_the_full_name():
    """'Hours before Nora Vellacott's goal': the model tags only the surname, and as ORG; the first name before it
    makes the person, and the surname's other mentions are hers."""
    text = "Hours before Nora Vellacott's goal, the coach spoke. Vellacott scored twice."
    spans = [{"start": 53, "end": 62, "label": "PERSON", "text": "Vellacott", "linked": None}]
    linked = link(text, spans, NameIndex())
    assert [(s["text"], s["label"], s["entity"]) for s in linked] == [
        ("Nora Vellacott", "PERSON", "Nora Vellacott"), ("Vellacott", "PERSON", "Nora Vellacott")]


def test_of_two_full_names_with_one_surname_the_one_with_a_first_name_owns_it():
    text = "Marcus Halberd testified. Questioning Halberd was the aim. Halberd left early."
    spans = [{"start": 0, "end": 14, "label": "PERSON", "text": "Marcus Halberd", "linked": None},
             {"start": 26, "end": 45, "label": "PERSON", "text": "Questioning Halberd", "linked": None},
             {"start": 59, "end": 66, "label": "ORG", "text": "Halberd", "linked": None}]
    last = link(text, spans, NameIndex())[-1]
    assert (last["text"], last["label"], last["entity"]) == ("Halberd", "PERSON", "Marcus Halberd")


def test_an_outlet_cited_by_what_it_publishes_is_an_organisation(stage):
    text = ("The Harlan Vesper piece drew wide notice among engineers. Engineers wrote to Harlan Vesper about the "
            "findings, and Harlan Vesper printed their letters.")
    row = annotate(stage, text)
    assert {(e["text"], e["label"]) for e in row["entities"]} == {("Harlan Vesper", "ORG")}


def test_a_one_word_owner_is_a_name_of_its_own_but_a_plural_owner_is_part_of_the_name(stage):
    row = annotate(stage, "The review was written by Ann Lee and posted on Orvanta’s Lumen Desk site. "
                          "Donors gave nearly $5 million toward Holcomb’s 2016 election campaign. "
                          "The People's Liberation Army held drills.")
    spans = [(e["text"], e["label"]) for e in row["entities"]]
    assert ("Orvanta", "ORG") in spans and ("Lumen Desk", "ORG") in spans
    # (a lone surname the text never introduces is then taken for an organisation: another rule's call)
    assert "Holcomb" in [text for text, _ in spans] and not any("2016" in text for text, _ in spans)
    assert ("People's Liberation Army", "ORG") in spans


def test_a_person_name_starts_at_its_first_name_after_a_title_the_lexicon_lacks(stage):
    row = annotate(stage, "Republican state schools Superintendent Mara Ellison has cited a new study. "
                          "Mary Ann Kessler spoke first.")
    persons = [e["text"] for e in row["entities"] if e["label"] == "PERSON"]
    assert persons == ["Mara Ellison", "Mary Ann Kessler"]


def test_aliases_link_to_the_canonical_name():
    spans = [{"start": 4, "end": 8, "label": "GPE", "text": "U.S.", "linked": None}]
    (span,) = link("The U.S. agreed.", spans, NameIndex(canonical={("GPE", "U.S."): "United States"}))
    assert span["entity"] == "United States"


def test_language_without_a_model_gets_a_note_not_guesses(stage):
    row = annotate(stage, "Bundeskanzler Friedrich Merz reiste am Montag nach Paris.", language="de")
    assert row["entities"] == []
    assert "'de'" in row["entities_note"]
    english = annotate(stage, "Friedrich Merz travelled to Paris on Monday.")
    assert english["entities"] and english["entities_note"] is None


def test_entity_ids_come_from_offsets_and_label(stage):
    text = "Emmanuel Macron met Keir Starmer in London."
    first, second = annotate(stage, text), annotate(stage, text)
    assert [e["id"] for e in first["entities"]] == [e["id"] for e in second["entities"]]
    assert len({e["id"] for e in first["entities"]}) == len(first["entities"])
    assert entity_id(0, 15, "PERSON") != entity_id(0, 15, "ORG") != entity_id(1, 15, "PERSON")


def test_numeric_types_are_off_by_default(stage):
    row = annotate(stage, "On 3 March 2024, Reuters counted 40 percent more ships, worth $5 million.")
    assert {e["label"] for e in row["entities"]} <= {"ORG"}


def test_span_scores_exact_and_overlap():
    gold = [{"start": 0, "end": 5, "label": "PERSON"}, {"start": 10, "end": 20, "label": "ORG"},
            {"start": 30, "end": 35, "label": "GPE"}]
    pred = [{"start": 0, "end": 5, "label": "PERSON"}, {"start": 10, "end": 15, "label": "ORG"},
            {"start": 30, "end": 35, "label": "LOC"}]
    report = score_spans([(gold, pred)])
    assert report["exact"]["PERSON"]["f1"] == 1.0
    assert report["exact"]["ORG"]["tp"] == 0 and report["overlap"]["ORG"]["tp"] == 1
    assert report["exact"]["GPE"]["fn"] == 1 and report["exact"]["LOC"]["fp"] == 1
    assert report["exact"]["micro"] == {"precision": 0.3333, "recall": 0.3333, "f1": 0.3333, "tp": 1, "fp": 2, "fn": 2}


def test_corpus_entity_table_counts_mentions_and_documents_of_canonical_documents():
    def doc(canonical, *names):
        return {"is_canonical": canonical, "entities": [{"entity": n, "label": "PERSON"} for n in names]}

    docs = [doc(True, "Steve Witkoff", "Steve Witkoff", "Donald Trump"), doc(True, "Steve Witkoff"),
            doc(False, "Steve Witkoff", "Steve Witkoff")]  # a flagged duplicate does not count
    counter = EntityCounter()  # what the build output's corpus_entities table is made by
    for d in docs:
        counter.add(d)
    assert counter.rows() == [
        {"entity": "Donald Trump", "label": "PERSON", "mentions": 1, "documents": 1},
        {"entity": "Steve Witkoff", "label": "PERSON", "mentions": 3, "documents": 2},
    ]


@pytest.mark.parametrize("text, cut, expected", [
    ("Crowds of pro-Russian protesters gathered.", (2, 5), "Russian"),  # "pro", "-", "Russian"
    ("Ask @Ilhan about it.", (1, 2), None),                            # a handle is not a name
    ("They sold marijuana there.", (2, 3), None),                       # no capital letter: not a name
])
def test_prefixes_handles_and_lowercase_spans(stage, text, cut, expected):
    doc = stage.pipelines["en"].make_doc(text)
    doc.ents = [Span(doc, *cut, label="NORP")]
    assert [m["text"] for m in mentions(doc, frozenset({"NORP"}))] == ([expected] if expected else [])


def test_generic_terms_and_credentials_are_not_names(stage):
    """Technologies, degrees, diseases and exercise methods are kinds of things (annotations/not_names.txt);
    a credential after a person's name is one even when it is also a postal code."""
    row = annotate(stage, "Startups across Ohio are betting on AI and GenAI tools. Dana Whitfield, MD, MPH, who "
                          "holds a PhD in nutrition, said Pilates and MBSR classes helped patients after COVID-19. "
                          "Whitfield moved from Baltimore, MD, last year.")
    texts = [text for text, _, _ in found(row)]
    for generic in ("AI", "GenAI", "PhD", "Pilates", "MBSR", "COVID-19", "MPH"):
        assert generic not in texts
    assert texts.count("MD") == 1  # the state after "Baltimore", not the degree after Dana Whitfield
    assert ("Dana Whitfield", "PERSON", "Dana Whitfield") in found(row)


def test_a_generic_word_ending_a_person_span_is_not_a_surname(stage):
    """"AI" closing a (mis-tagged) PERSON span never becomes a surname that tags every "AI" in the text."""
    text = "Orla Brennan AI spoke. AI is everywhere, and AI will change work."
    spans = [{"start": 0, "end": 15, "label": "PERSON", "text": "Orla Brennan AI", "linked": None}]
    linked = link(text, spans, NameIndex(), frozenset({"AI"}))
    assert [s["text"] for s in linked] == ["Orla Brennan AI"]


def test_all_caps_speaker_labels_are_read_in_title_case(stage):
    text = ("MARGOT ELLISON, HOST: The council meets today.\n"
            "DESMOND OKAFOR-REYES, BYLINE: Hundreds gathered outside city hall in Leeds.\n"
            "OKAFOR-REYES: Bakers say the new rules hurt them.\n")
    row = annotate(stage, text)
    persons = [e["text"] for e in row["entities"] if e["label"] == "PERSON"]
    assert persons == ["MARGOT ELLISON", "DESMOND OKAFOR-REYES", "OKAFOR-REYES"]
    assert ("Leeds", "GPE") in [(e["text"], e["label"]) for e in row["entities"]]


def test_a_lone_word_never_introduced_as_a_person_is_an_organisation():
    """News introduces a person by full name or title; a lone unknown word tagged PERSON is a company."""
    text = "Kelvora launched a tracker. President Ostrander praised Kelvora. Maria said so. Ostrander agreed."
    spans = [{"start": m, "end": m + len(w), "label": "PERSON", "text": w, "linked": None}
             for w, m in (("Kelvora", 0), ("Ostrander", 38), ("Kelvora", 56), ("Maria", 65), ("Ostrander", 80))]
    labels = [(s["text"], s["label"]) for s in link(text, spans, NameIndex())]
    assert labels == [("Kelvora", "ORG"), ("Ostrander", "PERSON"), ("Kelvora", "ORG"), ("Maria", "PERSON"),
                      ("Ostrander", "PERSON")]


def test_possessive_names_split_and_cited_domains_are_organisations(stage):
    row = annotate(stage, "She teaches at Oakridge University's Harlow School of Design, she told Gardenly.com "
                          "last week. The People's Liberation Army held drills. Write to tips@gardenly.com.")
    spans = [(e["text"], e["label"]) for e in row["entities"]]
    assert ("Oakridge University", "ORG") in spans and ("Harlow School of Design", "ORG") in spans
    assert ("Gardenly.com", "ORG") in spans
    assert ("People's Liberation Army", "ORG") in spans  # a one-word owner: part of the official name
    assert not any("gardenly.com" == text for text, _ in spans)  # an address is not a cited site


def test_a_person_span_ending_in_an_organisation_word_is_an_organisation(stage):
    nlp = stage.pipelines["en"]
    doc = nlp.make_doc("Engineers at Quillmark Cloud met Tessa Quillmark.")
    doc.ents = [Span(doc, 2, 4, "PERSON"), Span(doc, 5, 7, "PERSON")]  # what the NER does with unknown words
    spans = [(m["text"], m["label"]) for m in mentions(doc, frozenset({"PERSON", "ORG"}))]
    assert spans == [("Quillmark Cloud", "ORG"), ("Tessa Quillmark", "PERSON")]


def test_a_network_with_its_channel_number_is_a_station(stage):
    text = ("After NBC 4's report on the landlord, the tenants called CBS 2 and WXYZ-TV.\n\n"
            "The ratings left CBS 3% ahead of its rivals.")
    spans = [(text_, label) for text_, label, _ in found(annotate(stage, text))]
    assert ("NBC 4", "ORG") in spans and ("CBS 2", "ORG") in spans and ("WXYZ-TV", "ORG") in spans
    assert ("CBS", "ORG") in spans and ("CBS 3", "ORG") not in spans  # a figure after a network is no channel
