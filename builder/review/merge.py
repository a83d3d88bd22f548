"""The merged view: machine layers with the human decisions applied over them.

Merge is a function of each person's *final state* per span, never of the order of events across logs:

1. Per person, their effective decisions (undos removed) are replayed in their own `seq` order. Each leaves
   the span it was made on (its identity, see layers.py) absent, unless the span keeps its identity, and the
   span it produces present with its content. The last word per identity is that person's state.
2. A state whose text no longer matches the document at its offsets (a later build changed the text) is
   looked for by its text and the text beside it (anchor.py) and moves there; one that cannot be found
   again is stale: flagged, never applied.
3. Per identity: if an adjudicator has a state there, adjudicators decide; otherwise the annotators with a
   state there do. All present: the span is kept, with each attribute (a claim's speaker and sources, a
   source's kind) set where they agree; an attribute they disagree on keeps the machine's value and raises
   a `conflict` flag. All absent: the span is removed. Present for some, absent for others: a `conflict`
   flag, and the machine span stays as it is (unverified) until an adjudicator decides.
4. Entities only: a machine span nobody decided on, over the very words of a span people did decide on
   (with another label; a new annotator version relabelled them), goes: words carry one entity label. On
   words where an adjudicator keeps a label, only labels adjudicators keep stay.
5. `verified_by` names exactly the people whose state is the outcome; a span a person changed or added
   carries origin `human:<name>` (the first such name in alphabetical order).

So agreement never removes a span, nobody is credited with a decision they did not make, and reading the
logs in any order gives the same result. Releases call `merged_layers(doc_row, decisions)` per document.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable, Optional

from builder.review.anchor import relocate
from builder.review.decisions import Decision, effective
from builder.review.layers import (ATTRIBUTE_FIELDS, CHIP, LAYERS, attributes, content, human_span_id, machine_span,
                                   span_identity, with_chips)


@dataclass(frozen=True)
class State:
    """One person's final word on one span."""

    annotator: str
    role: str
    seq: int
    start: int
    end: int
    text: str                 # the document text at start:end when decided (checked at merge)
    span: Optional[dict]      # content when present; None when the person wants no such span
    context: Optional[list] = None  # the text beside it then (anchor.py): finds it again if it moved

    @property
    def present(self) -> bool:
        return self.span is not None


def replay(states: dict[tuple, State], d: Decision) -> None:
    """One person's decision (not an undo) onto their states {(doc_id, layer, identity): State}."""
    before, after = d.before, d.after
    if before is not None and before != after:
        states[(d.doc_id, d.layer, before)] = State(d.annotator, d.role, d.seq, d.start, d.end, d.text, None,
                                                    d.context)
    if after is not None:
        moved = d.action == "edit"
        start, end = (d.span["start"], d.span["end"]) if moved else (d.start, d.end)
        states[(d.doc_id, d.layer, after)] = State(d.annotator, d.role, d.seq, start, end,
                                                   d.new_text if moved else d.text, dict(d.span),
                                                   d.new_context if moved else d.context)


def annotator_states(decisions: Iterable[Decision]) -> dict[str, dict[tuple, State]]:
    """{annotator: {(doc_id, layer, identity): final state}} from decisions of any annotators."""
    by_annotator: dict[str, dict[tuple, State]] = defaultdict(dict)
    for d in sorted(effective(list(decisions)), key=lambda d: (d.annotator, d.seq)):
        replay(by_annotator[d.annotator], d)
    return dict(by_annotator)


def merge_document(doc: dict, decisions: Iterable[Decision], layers: Iterable[str] = LAYERS,
                   review: bool = False) -> tuple[dict, list[dict]]:
    """(doc with the decisions applied, flags). Decisions about other documents are ignored.

    `review=True` gives the reviewer's view: every asked layer, citation chips over their sentences. Otherwise
    the release's: only layers with decisions are rebuilt, chips keep no offsets.
    """
    return merge_states(doc, annotator_states(d for d in decisions if d.doc_id == doc["id"]), layers, review)


def merge_states(doc: dict, by_annotator: dict[str, dict[tuple, State]], layers: Iterable[str] = LAYERS,
                 review: bool = False) -> tuple[dict, list[dict]]:
    """merge_document from the people's final states (of this document) instead of their decisions."""
    per_identity, flags = placed_states(doc, by_annotator, layers)
    merged = dict(doc)
    for layer in layers:
        decided = {ident: states for (name, ident), states in per_identity.items() if name == layer}
        if decided or review:
            spans = _merge_layer(doc, layer, decided, flags)
            merged[layer] = spans if review else [machine_span(layer, s) for s in spans]
    return merged, flags


def placed_states(doc: dict, by_annotator: dict[str, dict[tuple, State]], layers: Iterable[str]
            ) -> tuple[dict[tuple, list[State]], list[dict]]:
    """({(layer, identity): states}, stale flags): each state where its span is in this document's text now.

    A span the text moved (a later build) is found again by its text and context, and its identity moves
    with it, so decisions made on either side of a rebuild meet on one span. One that cannot be found is
    a `stale` flag, applied nowhere. Of one person's states that land on one span, the latest counts."""
    text, layers = doc["text"], set(layers)
    per_identity: dict[tuple, list[State]] = defaultdict(list)
    flags = []
    for states in by_annotator.values():
        own: dict[tuple, State] = {}
        for (doc_id, layer, ident), state in states.items():
            if doc_id != doc["id"] or layer not in layers:
                continue
            start = relocate(text, state.start, state.end, state.text, state.context)
            if start is None:
                flags.append(_stale_flag(doc, layer, ident, state))
                continue
            state, ident = _moved(state, ident, start - state.start)
            if (layer, ident) not in own or own[(layer, ident)].seq < state.seq:
                own[(layer, ident)] = state
        for key, state in own.items():
            per_identity[key].append(state)
    return per_identity, flags


def _moved(state: State, ident: tuple, shift: int) -> tuple[State, tuple]:
    if not shift:
        return state, ident
    span = state.span
    if span is not None and span.get("start") is not None:
        span = {**span, "start": span["start"] + shift, "end": span["end"] + shift}
    if ident[0] != CHIP:  # a chip is known by its position among the chips, not by offsets
        ident = (ident[0] + shift, ident[1] + shift) + ident[2:]
    return replace(state, start=state.start + shift, end=state.end + shift, span=span), ident


def _stale_flag(doc: dict, layer: str, ident: tuple, state: State) -> dict:
    now = doc["text"][state.start:state.end]
    found = doc["text"].count(state.text) if state.text else 0
    where = ("it is not in the text any more" if not found else
             f"it is in the text {found} times, none with the text beside it that the decision saw"
             if state.context else f"it is in the text {found} times and the decision records no context "
             "to tell where (made before contexts were recorded)")
    return _flag(doc, layer, ident, "stale", [state], f"decided on {state.text!r} at {state.start}-{state.end}, "
                 f"where the text is now {now!r}; {where}: review it again")


def merged_layers(doc: dict, decisions: Iterable[Decision], layers: Iterable[str] = LAYERS) -> dict:
    """The document with human decisions applied (flags dropped; see `merge_document` to get them)."""
    return merge_document(doc, decisions, layers)[0]


def _merge_layer(doc: dict, layer: str, decided: dict[tuple, list[State]], flags: list[dict]) -> list[dict]:
    outcomes: dict[tuple, Optional[dict]] = {}   # identity -> span to keep, or None to remove
    machine = with_chips(layer, doc)
    by_identity: dict[tuple, dict] = {}
    for span in machine:
        by_identity.setdefault(span_identity(layer, span), span)
    for ident in sorted(decided, key=repr):
        fresh = sorted(decided[ident], key=lambda s: s.annotator)  # every state is in place (see placed_states)
        deciders = [s for s in fresh if s.role == "adjudicator"] or fresh
        if all(s.present for s in deciders):
            outcomes[ident] = _keep(layer, by_identity.get(ident), deciders, fresh, doc, ident, flags)
        elif not any(s.present for s in deciders):
            outcomes[ident] = None
        else:
            flags.append(_flag(doc, layer, ident, "conflict", deciders, "some keep this span, some do not: "
                               "adjudicate (the machine's span stays until then)"))
    out = []
    for span in machine:
        ident = span_identity(layer, span)
        if ident not in outcomes:
            out.append(span)
        elif outcomes[ident] is not None:
            out.append({**span, **{k: v for k, v in outcomes[ident].items() if k != "id"}}
                       if span is not by_identity[ident] else outcomes[ident])
    placed = {span_identity(layer, s) for s in machine}
    out.extend(s for ident, s in outcomes.items() if s is not None and ident not in placed)  # spans people added
    if layer == "entities":  # words carry one entity label: the one people decided on outranks the machine's
        reviewed = {(s["start"], s["end"]) for s in out if span_identity(layer, s) in decided}
        out = [s for s in out if span_identity(layer, s) in decided or (s["start"], s["end"]) not in reviewed]
        out = _one_label(out, decided)
    return sorted(out, key=lambda s: (s.get("start") is None, s.get("start") or 0, s.get("end") or 0))


def _one_label(spans: list[dict], decided: dict[tuple, list[State]]) -> list[dict]:
    """Entities: on words where an adjudicator keeps a label, only the labels adjudicators keep stay. Ann
    relabelled "Kingsport Herald" FAC -> ORG, Bob accepted FAC, the adjudicator accepted FAC: FAC, not both."""
    def adjudicated(span):
        return any(st.role == "adjudicator" and st.present for st in decided.get(span_identity("entities", span), []))

    words = {(s["start"], s["end"]) for s in spans if adjudicated(s)}
    return [s for s in spans if (s["start"], s["end"]) not in words or adjudicated(s)]


def _keep(layer: str, machine: Optional[dict], deciders: list[State], fresh: list[State], doc: dict,
          ident: tuple, flags: list[dict]) -> dict:
    """The span every decider keeps: attributes where they agree, the machine's (or none) where they do not."""
    base = machine if machine is not None else deciders[0].span
    agreed = dict(attributes(layer, base))
    disputed = []
    for name in ATTRIBUTE_FIELDS[layer]:
        values = [attributes(layer, s.span)[name] for s in deciders]
        if all(v == values[0] for v in values):
            agreed[name] = values[0]
        else:
            disputed.append(name)
            if machine is None:
                agreed[name] = [] if isinstance(values[0], list) else None
    if disputed:
        flags.append(_flag(doc, layer, ident, "conflict", deciders, f"disagree on {', '.join(disputed)}: adjudicate"))
    verified_by = sorted({s.annotator for s in fresh if s.present and attributes(layer, s.span) == agreed})
    if machine is not None and attributes(layer, machine) == agreed:
        return {**machine, "verified_by": verified_by or machine.get("verified_by")}
    makers = [s.annotator for s in deciders if attributes(layer, s.span) == agreed] or [deciders[0].annotator]
    span = {**content(base), **agreed, "origin": f"human:{makers[0]}", "confidence": None,
            "verified_by": verified_by or None}
    span["id"] = machine["id"] if machine is not None else human_span_id(layer, span)
    return span


def _flag(doc, layer, ident, reason, states, detail) -> dict:
    first = states[0]
    return {"doc_id": doc["id"], "layer": layer, "start": first.start, "end": first.end, "identity": list(ident),
            "reason": reason, "annotators": sorted({s.annotator for s in states}), "detail": detail}
