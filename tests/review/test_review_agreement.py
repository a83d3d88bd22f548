"""Agreement between two synthetic annotators whose disagreements we wrote down, figures computed by hand."""

from __future__ import annotations

import pytest
from test_review_common import documents

from builder.review.agreement import agreement, cohen_kappa
from builder.review.decisions import DecisionLog
from builder.review.session import ReviewSession


def _annotate(tmp_path, name, layer, steps):
    with DecisionLog(tmp_path, name) as log:
        session = ReviewSession(documents(), log, layer, tmp_path)
        for action, doc_id, start, end, *label in steps:
            if action == "add":
                session.add(doc_id, start, end, label[0])
            elif action == "relabel":
                session.relabel(doc_id, session.span_at(doc_id, start, end), label[0])
            else:
                getattr(session, action)(doc_id, session.span_at(doc_id, start, end))
        return list(log.decisions)


def test_entity_f1_exact_and_overlap(tmp_path):
    # doc-c machine: Google ORG 0-6, Berlin GPE 35-41. doc-a machine: Alice 0-11 PERSON, Bob Jones 16-25 ORG,
    # Paris 29-34 GPE, Kremlin 50-57 ORG.
    ann = _annotate(tmp_path, "ann", "entities", [
        ("accept", "doc-c", 0, 6), ("add", "doc-c", 11, 16, "ORG"),          # doc-c: Google, Apple, Berlin GPE
        ("relabel", "doc-a", 16, 25, "PERSON")])                               # doc-a: Alice, Bob P, Paris, Kremlin
    bob = _annotate(tmp_path, "bob", "entities", [
        ("accept", "doc-c", 0, 6), ("add", "doc-c", 11, 22, "ORG"),          # doc-c: Google, "Apple opened", Berlin
        ("relabel", "doc-a", 16, 25, "PERSON"), ("reject", "doc-a", 50, 57)])  # doc-a: Alice, Bob P, Paris
    docs = {d["id"]: d for d in documents()}
    (report,) = agreement(docs, ann + bob, "entities")
    assert (report["a"], report["b"], report["documents"]) == ("ann", "bob", 2)
    f1 = report["f1"]
    # ORG: ann {Google, Apple, Kremlin}, bob {Google, Apple opened}: exact 1 match -> 2*1/5; overlap 2 -> 2*2/5.
    assert f1["ORG"] == {"exact": pytest.approx(0.4), "overlap": pytest.approx(0.8), "a": 3, "b": 2}
    assert f1["PERSON"]["exact"] == 1.0 and f1["GPE"]["exact"] == 1.0
    # all: ann 7 spans, bob 6; exact matches 5 -> 10/13; overlap 6 -> 12/13.
    assert f1["_all"]["exact"] == pytest.approx(10 / 13) and f1["_all"]["overlap"] == pytest.approx(12 / 13)
    assert {(d["doc_id"], d["start"], d["end"], d["ann"], d["bob"]) for d in report["disagreements"]} == {
        ("doc-c", 11, 16, "ORG", None), ("doc-c", 11, 22, None, "ORG"), ("doc-a", 50, 57, "ORG", None)}


def test_claim_kind_kappa(tmp_path):
    # One shared claim (doc-b, 0-14) plus two each adds; kinds per claim (ann, bob):
    # 0-14 (direct, direct), 15-19 (indirect, indirect), 20-24 (direct, indirect).
    ann = _annotate(tmp_path, "ann", "claims", [("relabel", "doc-b", 0, 14, "direct_quote"),
                                                ("add", "doc-b", 15, 19, "indirect_quote"),
                                                ("add", "doc-b", 20, 24, "direct_quote")])
    bob = _annotate(tmp_path, "bob", "claims", [("relabel", "doc-b", 0, 14, "direct_quote"),
                                                ("add", "doc-b", 15, 19, "indirect_quote"),
                                                ("add", "doc-b", 20, 24, "indirect_quote")])
    (report,) = agreement({d["id"]: d for d in documents()}, ann + bob, "claims")
    # po = 2/3; ann: direct 2, indirect 1; bob: direct 1, indirect 2; pe = (2*1 + 1*2)/9 = 4/9;
    # kappa = (2/3 - 4/9) / (1 - 4/9) = (2/9) / (5/9) = 0.4
    assert report["kind_items"] == 3
    assert report["kind_kappa"] == pytest.approx(0.4)


def test_kappa_edge_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a"), ("a", "a")]) == 1.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)


def test_agreement_counts_only_spans_both_decided_on(tmp_path):
    """ann decides 2 spans, bob 4; the 2 both decided are compared; the untouched ones never count as agreement."""
    ann = _annotate(tmp_path, "ann", "entities", [("accept", "doc-c", 0, 6), ("reject", "doc-c", 35, 41)])
    bob = _annotate(tmp_path, "bob", "entities", [("accept", "doc-c", 0, 6), ("accept", "doc-c", 35, 41),
                                                  ("accept", "doc-a", 0, 11), ("reject", "doc-a", 29, 34)])
    (report,) = agreement({d["id"]: d for d in documents()}, ann + bob, "entities")
    decided = report["decided"]
    # Google: both keep; Berlin: ann removes, bob keeps -> 1 of 2 agree; kept: ann 1, bob 2, both 1 -> F1 2/3.
    assert (decided["spans"], decided["agree"]) == (2, 1)
    assert decided["agreement"] == pytest.approx(0.5) and decided["kept_f1"] == pytest.approx(2 / 3)
    # kappa on keep/remove: pairs (keep, keep), (remove, keep): po 1/2, pe (1*2 + 1*0)/4 = 1/2 -> 0.
    assert decided["keep_kappa"] == pytest.approx(0.0)
    assert report["documents"] == 1  # only doc-c was reviewed by both


def test_decisions_made_on_two_builds_of_a_text_meet_on_one_span(tmp_path):
    """ann reviewed doc-c before a new build changed its text, bob after: Berlin is one span to both, and ann's
    decision on Google, which the new text lost, counts for nobody."""
    old = {d["id"]: d for d in documents()}
    ann = _annotate(tmp_path, "ann", "entities", [("accept", "doc-c", 35, 41), ("accept", "doc-c", 0, 6)])
    text = "Update: Alphabet and Apple opened offices in Berlin."
    berlin = old["doc-c"]["entities"][1]
    new_c = {**old["doc-c"], "text": text, "entities": [{**berlin, "start": text.index("Berlin"),
                                                         "end": text.index("Berlin") + 6}]}
    with DecisionLog(tmp_path, "bob") as log:
        session = ReviewSession([new_c], log, "entities", tmp_path)
        session.reject("doc-c", session.span_at("doc-c", text.index("Berlin"), text.index("Berlin") + 6))
        bob = list(log.decisions)
    (report,) = agreement({"doc-c": new_c}, ann + bob, "entities")
    assert (report["decided"]["spans"], report["decided"]["agree"]) == (1, 0)
