"""Merge against a reference model of the rules, over random decisions of 2-3 annotators and an adjudicator.

The model below is written from the rules in the annotators' docs, not from merge.py: per person, the last word
on each span (offsets + label) after undos; per span, adjudicators decide if they said anything, else the
annotators who did; all keep -> kept (verified by those who kept it), all remove -> removed, mixed -> the
machine's span as it was; a machine span nobody decided on, over the offsets of a span decided on, goes; on
words where an adjudicator keeps a label, only the labels adjudicators keep stay.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.review.decisions import Decision
from builder.review.merge import merge_document

TEXT = "Ann met Bob Stone in Rome on Sunday with Acme staff."
WORDS = [(0, 3), (8, 11), (8, 17), (12, 17), (21, 25), (29, 35), (41, 45), (41, 51)]
LABELS = ["PERSON", "ORG", "GPE"]
MACHINE = [(0, 3, "PERSON"), (8, 17, "ORG"), (21, 25, "GPE"), (41, 45, "ORG")]
DOC = {"id": "d", "text": TEXT, "entities": [
    {"id": f"m{n}", "start": s, "end": e, "label": lab, "text": TEXT[s:e], "entity": TEXT[s:e], "origin": "ner@1",
     "confidence": 0.5} for n, (s, e, lab) in enumerate(MACHINE)]}

op = st.tuples(st.sampled_from(["accept", "reject", "relabel", "add", "edit", "undo"]),
               st.integers(0, len(WORDS) - 1), st.integers(0, len(LABELS) - 1), st.integers(0, len(WORDS) - 1))
people = st.fixed_dictionaries({"ann": st.lists(op, max_size=12), "bob": st.lists(op, max_size=12)},
                               optional={"cat": st.lists(op, max_size=12), "judge": st.lists(op, max_size=6)})


def _content(start, end, label):
    return {"start": start, "end": end, "label": label, "text": TEXT[start:end], "entity": TEXT[start:end]}


def decisions_of(name: str, ops: list) -> list[Decision]:
    """Each op made on a span of the text; an undo undoes the person's latest decision not yet undone."""
    role = "adjudicator" if name == "judge" else "annotator"
    out, open_ = [], []
    for action, w, l, w2 in ops:
        seq = len(out) + 1
        start, end = WORDS[w]
        label = LABELS[l]
        common = dict(seq=seq, annotator=name, role=role, doc_id="d", layer="entities")
        if action == "undo":
            if open_:
                out.append(Decision(action="undo", undoes=open_.pop(), **common))
            continue
        base = dict(start=start, end=end, text=TEXT[start:end], **common)
        if action == "accept":
            d = Decision(action="accept", target={"label": label}, span=_content(start, end, label), **base)
        elif action == "reject":
            d = Decision(action="reject", target={"label": label}, **base)
        elif action == "relabel":
            new = LABELS[(l + 1) % len(LABELS)]
            d = Decision(action="relabel", target={"label": label}, span=_content(start, end, new), **base)
        elif action == "add":
            d = Decision(action="add", span=_content(start, end, label), **base)
        else:
            s2, e2 = WORDS[w2]
            d = Decision(action="edit", target={"label": label}, span=_content(s2, e2, label), new_text=TEXT[s2:e2],
                         **base)
        out.append(d)
        open_.append(seq)
    return out


def model(logs: dict[str, list[Decision]]) -> dict[tuple, tuple]:
    """{(start, end, label): (verified_by...)} of the merged layer, by the written rules."""
    words: dict[str, dict[tuple, bool]] = {}
    for name, decisions in logs.items():
        undone = {d.undoes for d in decisions if d.action == "undo"}
        mine: dict[tuple, bool] = {}
        for d in decisions:
            if d.action == "undo" or d.seq in undone:
                continue
            if d.action != "add":
                mine[(d.start, d.end, d.target["label"])] = d.action == "accept"
            if d.span is not None:
                mine[(d.span["start"], d.span["end"], d.span["label"])] = True
        words[name] = mine
    spans = {m: () for m in MACHINE}
    for key in {k for mine in words.values() for k in mine}:
        said = {name: mine[key] for name, mine in words.items() if key in mine}
        judges = {n: v for n, v in said.items() if n == "judge"}
        deciding = judges or said
        if all(deciding.values()):
            spans[key] = tuple(sorted(n for n, v in said.items() if v))
        elif not any(deciding.values()):
            spans.pop(key, None)
    decided = {k for mine in words.values() for k in mine}
    reviewed = {(start, end) for (start, end, label) in spans if (start, end, label) in decided}
    spans = {k: v for k, v in spans.items() if k in decided or k[:2] not in reviewed}
    judged = {k for k, kept in words.get("judge", {}).items() if kept and k in spans}
    return {k: v for k, v in spans.items() if k in judged or k[:2] not in {j[:2] for j in judged}}


def merged(decisions: list[Decision]) -> dict[tuple, tuple]:
    view, _ = merge_document(DOC, decisions, ("entities",))
    return {(e["start"], e["end"], e["label"]): tuple(e.get("verified_by") or ()) for e in view["entities"]}


@settings(deadline=None)
@given(people, st.randoms(use_true_random=False))
def test_merge_follows_the_rules_in_any_interleaving(ops, rnd):
    logs = {name: decisions_of(name, person_ops) for name, person_ops in ops.items()}
    expected = model(logs)
    everything = [d for decisions in logs.values() for d in decisions]
    assert merged(everything) == expected
    shuffled = list(everything)
    rnd.shuffle(shuffled)  # any interleaving of the logs
    assert merged(shuffled) == expected


@settings(deadline=None)
@given(people)
def test_no_agreed_span_is_lost_and_nobody_is_credited_for_what_they_did_not_do(ops):
    logs = {name: decisions_of(name, person_ops) for name, person_ops in ops.items()}
    view, _ = merge_document(DOC, [d for ds in logs.values() for d in ds], ("entities",))
    out = {(e["start"], e["end"], e["label"]): e for e in view["entities"]}
    finals = {}
    for name, decisions in logs.items():  # the last word of each person, straight from their own log
        undone = {d.undoes for d in decisions if d.action == "undo"}
        for d in decisions:
            if d.action == "undo" or d.seq in undone:
                continue
            if d.action != "add":
                finals[(name, (d.start, d.end, d.target["label"]))] = d.action == "accept"
            if d.span is not None:
                finals[(name, (d.span["start"], d.span["end"], d.span["label"]))] = True
    keys = {k for _, k in finals}
    for key in keys:
        keepers = {n for (n, k), v in finals.items() if k == key and v}
        removers = {n for (n, k), v in finals.items() if k == key and not v}
        # (on words where the adjudicator keeps a label, that label is the words' one)
        judged = {k for (n, k), v in finals.items() if n == "judge" and v and k[:2] == key[:2]}
        if keepers and not removers and (not judged or key in judged):
            assert key in out, f"{key} kept by {keepers} and removed by nobody, yet lost"
    for key, span in out.items():
        for name in span.get("verified_by") or []:
            assert finals.get((name, key)) is True, f"{name} credited with {key}"
        if span["origin"].startswith("human:"):
            assert finals.get((span["origin"][6:], key)) is True


def test_the_issue_case_edit_against_reject_plus_add():
    """A trims "Stone in" to "Stone"; B rejects "Stone in" and adds "Stone" as ORG: both keep "Stone"."""
    doc = {**DOC, "entities": DOC["entities"] + [{"id": "x", "start": 12, "end": 20, "label": "ORG",
                                                   "text": TEXT[12:20], "entity": TEXT[12:20], "origin": "ner@1"}]}
    common = dict(doc_id="d", layer="entities", start=12, end=20, text=TEXT[12:20], target={"label": "ORG"})
    a = [Decision(seq=1, annotator="a", action="edit", span=_content(12, 17, "ORG"), new_text="Stone", **common)]
    b = [Decision(seq=1, annotator="b", action="reject", **common),
         Decision(seq=2, annotator="b", action="add", doc_id="d", layer="entities", start=12, end=17, text="Stone",
                  span=_content(12, 17, "ORG"))]
    for logs in (a, b, a + b, b + a):
        view, flags = merge_document(doc, logs, ("entities",))
        spans = {(e["start"], e["end"], e["label"]) for e in view["entities"]}
        assert (12, 17, "ORG") in spans and (12, 20, "ORG") not in spans and flags == []
