"""Inter-annotator agreement on one layer, two ways.

Spans both decided on: each person's final state per span (identity, see layers.py) where both have one;
how often they agree (keep or remove, and the same attributes), F1 of the kept spans, and kappa on keep/remove.
Spans neither of them touched never count as agreement.

Documents both reviewed (both have a decision in the layer there): each annotator's annotation of a document
is the machine layer with only their decisions merged over it; span F1 per label (exact and overlap) and
Cohen's kappa on claim kinds. Exact match: same offsets and label. Overlap match: same
label and overlapping offsets, each span matched at most once (greedy, in text order).
F1 = 2 * matches / (spans of A + spans of B), which is symmetric in A and B.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Optional

from builder.review.decisions import Decision
from builder.review.layers import LABEL_FIELD, attributes, reviewable
from builder.review.merge import State, annotator_states, merged_layers, placed_states


def annotator_spans(documents: dict[str, dict], decisions: list[Decision], layer: str) -> dict[str, dict[str, list]]:
    """{annotator: {doc_id: [(start, end, label)]}} over the documents each annotator has decisions on."""
    field = LABEL_FIELD[layer]
    touched = defaultdict(set)
    for d in decisions:
        if d.layer == layer and d.doc_id in documents:
            touched[d.annotator].add(d.doc_id)
    out = {}
    for annotator, doc_ids in touched.items():
        own = [d for d in decisions if d.annotator == annotator]
        out[annotator] = {}
        for doc_id in doc_ids:
            view = merged_layers(documents[doc_id], own, (layer,))
            out[annotator][doc_id] = [(s["start"], s["end"], s.get(field)) for s in reviewable(layer, view[layer] or [])]
    return out


def _overlap_matches(a: list[tuple], b: list[tuple]) -> int:
    used, matches = set(), 0
    for start, end, label in sorted(a):
        for j, (s2, e2, l2) in enumerate(sorted(b)):
            if j not in used and l2 == label and start < e2 and s2 < end:
                used.add(j)
                matches += 1
                break
    return matches


def _f1(matches: int, n_a: int, n_b: int) -> Optional[float]:
    return None if n_a + n_b == 0 else 2 * matches / (n_a + n_b)


def span_f1(a: dict[str, list], b: dict[str, list]) -> dict[str, dict]:
    """{label or '_all': {exact, overlap, a, b}} over the documents in both."""
    counts = defaultdict(Counter)
    for doc_id in sorted(set(a) & set(b)):
        labels = {s[2] for s in a[doc_id]} | {s[2] for s in b[doc_id]}
        for label in labels:
            sa = [s for s in a[doc_id] if s[2] == label]
            sb = [s for s in b[doc_id] if s[2] == label]
            for key in (label, "_all"):
                counts[key]["exact"] += len(set(sa) & set(sb))
                counts[key]["overlap"] += _overlap_matches(sa, sb)
                counts[key]["a"] += len(sa)
                counts[key]["b"] += len(sb)
    return {label: {"exact": _f1(c["exact"], c["a"], c["b"]), "overlap": _f1(c["overlap"], c["a"], c["b"]),
                    "a": c["a"], "b": c["b"]} for label, c in sorted(counts.items())}


def cohen_kappa(pairs: list[tuple[str, str]]) -> Optional[float]:
    """Kappa of two raters' labels on the same items; None with no items, 1.0 when chance agreement is certain
    and they agree."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(x == y for x, y in pairs) / n
    first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected == 1:
        return 1.0 if observed == 1 else 0.0
    return (observed - expected) / (1 - expected)


def disagreements(a_name: str, a: dict, b_name: str, b: dict) -> list[dict]:
    out = []
    for doc_id in sorted(set(a) & set(b)):
        by_a = {(s, e): l for s, e, l in a[doc_id]}
        by_b = {(s, e): l for s, e, l in b[doc_id]}
        for key in sorted(set(by_a) | set(by_b)):
            if by_a.get(key) != by_b.get(key):
                out.append({"doc_id": doc_id, "start": key[0], "end": key[1],
                            a_name: by_a.get(key), b_name: by_b.get(key)})
    return out


def decided_spans(a: dict, b: dict, layer: str) -> dict:
    """Agreement over the spans both people have a final state on ({(doc, layer, identity): State} each)."""
    shared = sorted(set(a) & set(b), key=repr)
    agree = sum(a[k].present == b[k].present and (not a[k].present or
                attributes(layer, a[k].span) == attributes(layer, b[k].span)) for k in shared)
    kept_a = sum(a[k].present for k in shared)
    kept_b = sum(b[k].present for k in shared)
    kept_both = sum(a[k].present and b[k].present for k in shared)
    return {"spans": len(shared), "agree": agree, "agreement": agree / len(shared) if shared else None,
            "kept_f1": _f1(kept_both, kept_a, kept_b), "keep_kappa": cohen_kappa(
                [("keep" if a[k].present else "remove", "keep" if b[k].present else "remove") for k in shared])}


def _in_place(documents: dict[str, dict], states: dict[str, dict[tuple, State]], layer: str
              ) -> dict[str, dict[tuple, State]]:
    """Each person's states where their spans are in the documents now (as merge places them): decisions made on
    two builds meet on one span, and one whose words are gone counts for nobody."""
    out: dict[str, dict[tuple, State]] = defaultdict(dict)
    for doc_id in sorted({key[0] for own in states.values() for key in own}):
        of_doc = {name: {k: v for k, v in own.items() if k[0] == doc_id} for name, own in states.items()}
        for (_, ident), placed in placed_states(documents[doc_id], of_doc, (layer,))[0].items():
            for state in placed:
                out[state.annotator][(doc_id, layer, ident)] = state
    return dict(out)


def agreement(documents: dict[str, dict], decisions: list[Decision], layer: str) -> list[dict]:
    """One report per pair of annotators (adjudicators included: their agreement is informative too)."""
    spans = annotator_spans(documents, decisions, layer)
    states = _in_place(documents, annotator_states(d for d in decisions if d.layer == layer and d.doc_id in documents),
                       layer)
    reports = []
    for a_name, b_name in combinations(sorted(spans), 2):
        a, b = spans[a_name], spans[b_name]
        shared = sorted(set(a) & set(b))
        report = {"a": a_name, "b": b_name, "decided": decided_spans(states.get(a_name, {}), states.get(b_name, {}),
                                                                      layer),
                  "documents": len(shared), "f1": span_f1(a, b),
                  "disagreements": disagreements(a_name, a, b_name, b)}
        if layer == "claims":
            pairs = []
            for doc_id in shared:
                kinds_b = {(s, e): l for s, e, l in b[doc_id]}
                pairs += [(l, kinds_b[(s, e)]) for s, e, l in a[doc_id] if (s, e) in kinds_b]
            report["kind_kappa"] = cohen_kappa(pairs)
            report["kind_items"] = len(pairs)
        reports.append(report)
    return reports
