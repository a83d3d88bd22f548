"""The report's content as plain data: sections of charts and tables, computed once from a Corpus.

The same Chart objects are drawn by the HTML page (plotly.js) and by the PNG export (matplotlib), and
their numbers are printed in the table beside each chart, so the three can never disagree.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from builder.report.corpus import Corpus, flatten

TOP = 20  # bars in a "top N" chart; the rest are summed into one "(other N)" bar


@dataclass
class Chart:
    key: str
    title: str
    labels: list[str]
    series: dict[str, list[float]]  # name -> one value per label; every series is drawn
    x_title: str = ""
    y_title: str = "documents"
    horizontal: bool = False
    stacked: bool = False
    extra: dict[str, list] = field(default_factory=dict)  # columns shown in the table only
    note: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str = ""


@dataclass
class Empty:
    """What stands where a chart would be when its layer has no data yet."""

    key: str
    title: str
    message: str


@dataclass
class Section:
    title: str
    items: list = field(default_factory=list)


def _counts(values, order: str = "count") -> list[tuple[str, int]]:
    """(value, count) pairs, most frequent first (ties by value), or by value when order == 'value'."""
    counter = Counter("(none)" if v is None else str(v) for v in values)
    if order == "value":
        return sorted(counter.items())
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _top(pairs: list[tuple[str, int]], what: str, n: int = TOP) -> dict:
    """The first n pairs, and a note on the rest (a summed "other" bar would dwarf the ones shown)."""
    total = f"{len(pairs):,} {what}"
    if len(pairs) <= n:
        return {"pairs": pairs, "note": total}
    rest = sum(c for _, c in pairs[n:])
    return {"pairs": pairs[:n], "note": f"{total}; the top {n} shown, the other {len(pairs) - n:,} account for {rest:,}"}


def _count_chart(key, title, pairs, x_title="", y_title="documents", horizontal=False, note="") -> Chart:
    return Chart(key, title, [p[0] for p in pairs], {y_title: [p[1] for p in pairs]}, x_title, y_title,
                 horizontal, note=note)


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows


def _nice_width(span: int, bins: int = 25) -> int:
    raw = max(1, span / bins)
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


def _length_chart(lengths: list[int]) -> Chart | Empty:
    if not lengths:
        return Empty("text-length", "Text length", "no documents")
    width = _nice_width(max(lengths))
    bins = Counter(n // width for n in lengths)
    labels = [f"{b * width}–{(b + 1) * width - 1}" for b in range(max(bins) + 1)]
    ordered = sorted(lengths)
    median = ordered[len(ordered) // 2]
    return Chart("text-length", "Text length (characters)", labels, {"documents": [bins[b] for b in range(len(labels))]},
                 "characters", note=f"median {median:,}, mean {sum(lengths) / len(lengths):,.0f}, "
                                    f"longest {ordered[-1]:,} characters")


def _month(value) -> str:
    return value.strftime("%Y-%m") if value is not None else "undated"


def coverage(corpus: Corpus) -> Section:
    docs = corpus.documents
    months = _counts((_month(v) for v in _column(docs, "published")), order="value")
    months.sort(key=lambda kv: (kv[0] == "undated", kv[0]))
    sites = _counts(s or "(unknown)" for s in _column(docs, "site"))
    return Section("Coverage", [
        _count_chart("languages", "Documents per language", _counts(_column(docs, "language")), "language"),
        _count_chart("sites", "Documents per site", **_top(sites, "sites"), x_title="site", horizontal=True),
        _count_chart("months", "Documents per month published", months, "month"),
        _length_chart([n for n in _column(docs, "text_length") if n is not None]),
    ])


def boilerplate(corpus: Corpus) -> Section:
    removals = flatten(corpus.documents, "removals", ("site",))
    if removals.num_rows == 0:
        message = "no boilerplate removed (no removals recorded)"
        return Section("Boilerplate removed", [Empty("removals-rule", "Removed by rule", message),
                                               Empty("removals-site", "Removed by site", message)])
    chars = pc.subtract(removals.column("end"), removals.column("start")).to_pylist()
    items = []
    for key, by, column in (("removals-rule", "rule", "rule"), ("removals-site", "site", "site")):
        count, removed = Counter(), Counter()
        for name, n in zip(_column(removals, column), chars):
            count[name or "(unknown)"] += 1
            removed[name or "(unknown)"] += n
        order = sorted(removed, key=lambda name: (-removed[name], name))
        shown, rest = order[:TOP], order[TOP:]
        labels = shown + ([f"(other {len(rest)})"] if rest else [])
        characters = [removed[n] for n in shown] + ([sum(removed[n] for n in rest)] if rest else [])
        removal_counts = [count[n] for n in shown] + ([sum(count[n] for n in rest)] if rest else [])
        items.append(Chart(key, f"Boilerplate removed by {by}", labels, {"characters": characters},
                           by, "characters", horizontal=True, extra={"removals": removal_counts}))
    docs_with = len(set(_column(removals, "doc_id")))
    items[0].note = f"{removals.num_rows:,} removals in {docs_with:,} documents, {sum(chars):,} characters"
    return Section("Boilerplate removed", items)


def duplicates(corpus: Corpus, largest: int = 10) -> Section:
    docs = corpus.documents
    ids, clusters = _column(docs, "id"), _column(docs, "cluster_id")
    members: dict[str, list[int]] = {}
    for row, cluster in enumerate(clusters):
        members.setdefault(cluster or ids[row], []).append(row)
    sizes = Counter(len(rows) for rows in members.values())
    kinds = Counter(k or "near" for k, canon in zip(_column(docs, "duplicate_kind"), _column(docs, "is_canonical"))
                    if canon is False)
    dropped = corpus.manifest.get("stats", {}).get("duplicates_removed", {})
    kinds.update(dropped)
    items = [_count_chart("cluster-sizes", "Duplicate cluster sizes", [(str(s), sizes[s]) for s in sorted(sizes)],
                          "members in cluster", "clusters",
                          note=f"{len(members):,} clusters, {sum(1 for r in members.values() if len(r) > 1):,} "
                               "with more than one member")]
    if kinds:
        note = "includes duplicates left out of the release" if dropped else ""
        items.append(_count_chart("duplicate-kinds", "Duplicates by kind", _counts(kinds.elements()), "kind", note=note))
    else:
        items.append(Empty("duplicate-kinds", "Duplicates by kind", "no duplicates found"))
    big = sorted((rows for rows in members.values() if len(rows) > 1), key=lambda r: (-len(r), ids[r[0]]))[:largest]
    if big:
        sites, titles = _column(docs, "site"), _column(docs, "title")
        kind, canon, sim = _column(docs, "duplicate_kind"), _column(docs, "is_canonical"), _column(docs, "similarity")
        rows = [[n + 1, len(group), ids[r], sites[r] or "", (titles[r] or "")[:90],
                 "canonical" if canon[r] else (kind[r] or "near"), "" if sim[r] is None else f"{sim[r]:.2f}"]
                for n, group in enumerate(big) for r in sorted(group, key=lambda r: (not canon[r], ids[r]))]
        items.append(Table("largest-clusters", f"Largest clusters ({len(big)}) and their members",
                           ["cluster", "size", "document", "site", "title", "member", "similarity"], rows))
    return Section("Duplicates", items)


def entities(corpus: Corpus, per_label: int = 10) -> Section:
    table = corpus.layers["entities"]
    if table.num_rows == 0:
        return Section("Entities", [Empty("entity-labels", "Entity labels", "no entities yet")])
    labels, names = _column(table, "label"), _column(table, "entity")
    items = [_count_chart("entity-labels", "Entity mentions per label", _counts(labels), "label", "mentions",
                          note=f"{table.num_rows:,} mentions of {len(set(zip(labels, names))):,} distinct entities")]
    by_label: dict[str, Counter] = {}
    for label, name in zip(labels, names):
        by_label.setdefault(label or "(none)", Counter())[name] += 1
    rows = [[label, name, n] for label in sorted(by_label, key=lambda l: -sum(by_label[l].values()))
            for name, n in sorted(by_label[label].items(), key=lambda kv: (-kv[1], kv[0]))[:per_label]]
    items.append(Table("top-entities", f"Top entities per label (up to {per_label})", ["label", "entity", "mentions"], rows))
    return Section("Entities", items)


def claims(corpus: Corpus) -> Section:
    table = corpus.layers["claims"]
    if table.num_rows == 0:
        return Section("Claims", [Empty("claims-per-document", "Claims per document", "no claims yet")])
    per_doc = Counter(_column(table, "doc_id"))
    histogram = Counter(min(per_doc.get(i, 0), 10) for i in _column(corpus.documents, "id"))
    pairs = [("10+" if n == 10 else str(n), histogram[n]) for n in sorted(histogram)]
    speakers = _counts(s for s in _column(table, "speaker") if s)
    return Section("Claims", [
        _count_chart("claims-per-document", "Claims per document", pairs, "claims in the document",
                     note=f"{table.num_rows:,} claims in {len(per_doc):,} documents"),
        _count_chart("claim-kinds", "Claims by kind", _counts(_column(table, "kind")), "kind", "claims"),
        _count_chart("speakers", "Top speakers", **_top(speakers, "speakers"), x_title="speaker", y_title="claims",
                     horizontal=True)
        if speakers else Empty("speakers", "Top speakers", "no speakers attributed yet"),
    ])


def sources(corpus: Corpus) -> Section:
    table = corpus.layers["sources"]
    if table.num_rows == 0:
        return Section("Sources", [Empty("source-kinds", "Sources by kind", "no sources yet")])
    outlets = _counts(o for o in _column(table, "outlet") if o)
    return Section("Sources", [
        _count_chart("source-kinds", "Sources by kind", _counts(_column(table, "kind")), "kind", "sources"),
        _count_chart("outlets", "Top outlets", **_top(outlets, "outlets"), x_title="outlet", y_title="sources",
                     horizontal=True)
        if outlets else Empty("outlets", "Top outlets", "no outlets resolved yet"),
    ])


def verification(corpus: Corpus) -> Section:
    layers, human, machine, annotators = [], [], [], Counter()
    for layer in ("entities", "claims"):
        origins = [o or "" for o in _column(corpus.layers[layer], "origin")]
        if not origins:
            continue
        people = [o for o in origins if o.startswith("human:")]
        annotators.update(people)
        layers.append(layer)
        human.append(len(people))
        machine.append(len(origins) - len(people))
    items = []
    if layers:
        shares = [f"{h / (h + m):.1%}" for h, m in zip(human, machine)]
        items.append(Chart("human-verified", "Human-verified spans", layers,
                           {"human-verified": human, "machine only": machine}, "layer", "spans", stacked=True,
                           extra={"share verified": shares}))
    else:
        items.append(Empty("human-verified", "Human-verified spans", "no annotated spans yet"))
    if annotators:
        items.append(Table("annotators", "Spans per human annotator", ["annotator", "spans"],
                           [[a.removeprefix("human:"), n] for a, n in sorted(annotators.items())]))
    if corpus.agreement:
        items.append(Table("agreement", "Annotator agreement", ["measure", "value"],
                           [[k, v] for k, v in sorted(_flatten(corpus.agreement).items())]))
    else:
        items.append(Empty("agreement", "Annotator agreement", "no agreement figures yet (needs two annotators)"))
    return Section("Human verification", items)


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key} / "))
        else:
            out[f"{prefix}{key}"] = value
    return out


def rejects(corpus: Corpus) -> Section:
    if corpus.rejects is None:
        return Section("Rejects", [Empty("rejects", "Rejects by reason",
                                         "a release holds no rejects table: see the report of its build")])
    if corpus.rejects.num_rows == 0:
        return Section("Rejects", [Empty("rejects", "Rejects by reason", "no input was rejected")])
    return Section("Rejects", [_count_chart("rejects", "Rejects by reason", _counts(_column(corpus.rejects, "reason")),
                                            "reason", "inputs", horizontal=True)])


def summary(corpus: Corpus) -> dict[str, int]:
    docs = corpus.documents
    canonical = sum(1 for c in _column(docs, "is_canonical") if c is not False)
    return {"documents": docs.num_rows, "canonical": canonical,
            "languages": len(set(_column(docs, "language"))), "sites": len(set(_column(docs, "site"))),
            **{layer: corpus.layers[layer].num_rows for layer in corpus.layers},
            "rejects": corpus.rejects.num_rows if corpus.rejects is not None else 0}


def report_sections(corpus: Corpus) -> list[Section]:
    return [coverage(corpus), boilerplate(corpus), duplicates(corpus), entities(corpus), claims(corpus),
            sources(corpus), verification(corpus), rejects(corpus)]


def charts(sections: list[Section]) -> list[Chart]:
    return [item for section in sections for item in section.items if isinstance(item, Chart)]
