"""The offsets gold sets shipped in annotations/gold are well-formed and disjoint, checked without their texts.

A blind set is hand-edited once and then left alone: these checks catch a broken line or a page that slipped
into two sets (which would make the blind figures no longer blind) on any machine, with no ../shared corpora.
"""

import json
import re
from pathlib import Path

import pytest

from builder.annotate.gold_offsets import HASH_CHARS, offsets_header

GOLD = Path(__file__).resolve().parents[2] / "annotations" / "gold"
SETS = sorted(GOLD.glob("*.jsonl"))
LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
KINDS = {"direct_quote", "indirect_quote", "attributed"}
SPAN_HASH = re.compile(f"[0-9a-f]{{{HASH_CHARS}}}")


def documents(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert offsets_header(lines[0])["version"] == 1
    return [json.loads(line) for line in lines[1:]]


def is_span(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and 0 <= value[0] < value[1]


def test_there_are_gold_sets_to_check():
    names = {path.stem for path in SETS}
    assert {"wcxb-dev2", "news-dev3", "news-dev4", "news-dev5", "news-dev6"} <= names, names


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_each_doc_id_names_its_corpus_page(path):
    # doc_id is how a page is matched across sets and to dev.jsonl: it must follow from the page it points at
    for doc in documents(path):
        prefix, keep = {"wcxb_dev_articles": ("wcxb", None), "scrapinghub_aeb": ("aeb", 12)}[doc["corpus"]]
        assert doc["doc_id"] == f"{prefix}-{doc['id'][:keep]}" and doc["file"] == f"gold/{doc['id']}.json"


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_entities_do_not_overlap(path):
    for doc in documents(path):
        spans = sorted((entity["start"], entity["end"]) for entity in doc["entities"])
        assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:])), doc["doc_id"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_span_is_offsets_and_a_hash(path):
    for doc in documents(path):
        assert re.fullmatch("[0-9a-f]{64}", doc["sha256"]) and doc["file"].endswith(".json"), doc["doc_id"]
        for entity in doc["entities"]:
            assert entity["label"] in LABELS and is_span([entity["start"], entity["end"]])
            assert SPAN_HASH.fullmatch(entity["hash"])
        for claim in doc["claims"]:
            assert claim["kind"] in KINDS and is_span([claim["start"], claim["end"]]) and SPAN_HASH.fullmatch(claim["hash"])
            assert claim["speaker"] is None or is_span(claim["speaker"])
            assert all(is_span(source) for source in claim["sources"])
        for source in doc["sources"]:
            assert source["kind"] == "mention" and SPAN_HASH.fullmatch(source["hash"])


def test_no_page_is_in_two_sets():
    seen: dict[str, str] = {}
    for path in SETS:
        for doc in documents(path):
            assert doc["doc_id"] not in seen, f"{doc['doc_id']} is in {seen.get(doc['doc_id'])} and {path.name}"
            seen[doc["doc_id"]] = path.name
