"""`newscorpus diff A B --report`: what differs between two builds or releases, drawn like the report.

Documents are matched by id (stable across releases) and compared by text hash; every count the report
shows (languages, sites, annotation labels, removal rules, rejects) is drawn as A-beside-B bars.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from builder.layout import table_files
from builder.report.corpus import Corpus, flatten, open_corpus
from builder.report.figures import TOP, Chart, Empty, Section, Table
from builder.report.html import render_page

LISTED = 50  # document ids listed per kind of change


def _text_hashes(corpus: Corpus) -> dict[str, str]:
    """id -> text_hash; read here because the report's documents table leaves hashes out."""
    files = table_files(corpus.folder, "documents")
    rows = {}
    for path in files:
        table = pq.read_table(path, columns=["id", "text_hash"])
        rows.update(zip(table.column("id").to_pylist(), table.column("text_hash").to_pylist()))
    return rows


def _counter(table, column: str) -> Counter:
    if column not in table.column_names:
        return Counter()
    return Counter("(none)" if v is None else str(v) for v in table.column(column).to_pylist())


def _compare(key: str, title: str, a: Counter, b: Counter, names: tuple[str, str], x_title: str, unit: str):
    if not a and not b:
        return Empty(key, title, f"no {unit} in either")
    labels = sorted(a.keys() | b.keys(), key=lambda k: (-(a[k] + b[k]), k))[:TOP]
    change = [f"{b[k] - a[k]:+d}" for k in labels]
    return Chart(key, title, labels, {names[0]: [a[k] for k in labels], names[1]: [b[k] for k in labels]},
                 x_title, unit, horizontal=len(labels) > 8, extra={"change": change})


def diff_sections(a: Corpus, b: Corpus) -> tuple[dict, list[Section]]:
    names = (a.name, b.name) if a.name != b.name else (f"A: {a.name}", f"B: {b.name}")
    hashes_a, hashes_b = _text_hashes(a), _text_hashes(b)
    common = hashes_a.keys() & hashes_b.keys()
    changes = {"added": sorted(hashes_b.keys() - hashes_a.keys()), "removed": sorted(hashes_a.keys() - hashes_b.keys()),
               "changed": sorted(i for i in common if hashes_a[i] != hashes_b[i])}
    unchanged = len(common) - len(changes["changed"])
    summary = {f"documents in {names[0]}": len(hashes_a), f"documents in {names[1]}": len(hashes_b),
               **{kind: len(ids) for kind, ids in changes.items()}, "unchanged": unchanged}
    kinds = [*changes, "unchanged"]
    documents = [Chart("changes", "Documents by change", kinds, {"documents": [len(changes[k]) for k in changes] + [unchanged]},
                       "change")]
    titles = {}
    for corpus in (a, b):
        docs = corpus.documents
        titles.update(zip(docs.column("id").to_pylist(),
                          zip(docs.column("site").to_pylist(), docs.column("title").to_pylist())))
    rows = [[kind, i, titles[i][0] or "", (titles[i][1] or "")[:90]] for kind, ids in changes.items() for i in ids[:LISTED]]
    if rows:
        documents.append(Table("changed-documents", f"Documents added, removed or changed (up to {LISTED} of each)",
                               ["change", "document", "site", "title"], rows))
    coverage = [_compare("languages", "Documents per language", _counter(a.documents, "language"),
                         _counter(b.documents, "language"), names, "language", "documents"),
                _compare("sites", "Documents per site", _counter(a.documents, "site"), _counter(b.documents, "site"),
                         names, "site", "documents"),
                _compare("removals-rule", "Boilerplate removals by rule", _counter(flatten(a.documents, "removals"), "rule"),
                         _counter(flatten(b.documents, "removals"), "rule"), names, "rule", "removals")]
    layers = [_compare(f"{layer}-{column}", f"{layer.capitalize()} by {column}", _counter(a.layers[layer], column),
                       _counter(b.layers[layer], column), names, column, layer)
              for layer, column in (("entities", "label"), ("claims", "kind"), ("sources", "kind"))]
    sections = [Section("Documents", documents), Section("Coverage", coverage), Section("Annotations", layers)]
    if a.rejects is not None or b.rejects is not None:
        empty = Counter()
        sections.append(Section("Rejects", [_compare(
            "rejects", "Rejects by reason", _counter(a.rejects, "reason") if a.rejects is not None else empty,
            _counter(b.rejects, "reason") if b.rejects is not None else empty, names, "reason", "rejects")]))
    return summary, sections


def render_diff_report(a: Path, b: Path, out: Path) -> Path:
    """Write the report of what differs between folders `a` and `b` (builds or releases) to `out`."""
    old, new = open_corpus(Path(a)), open_corpus(Path(b))
    summary, sections = diff_sections(old, new)
    page = render_page(f"newscorpus diff: {old.name} → {new.name}", f"{old.folder} → {new.folder}", summary, sections)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
