"""The report's content: build and release folders give the figures that their Parquet files hold.

Every expected count here is computed from the Parquet files with plain pyarrow/Counter, not by the report.
The browser side (the page loads, charts draw) is tests/report/test_report_browser.py.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from builder.cli.main import main
from builder.errors import UserError
from builder.records import DOCUMENT_SCHEMA, Document
from builder.report import figures_png, render_diff_report, render_report
from builder.report.figures import Chart, Empty, Table, charts
from builder.report.render import report_content


def _items(sections) -> dict:
    return {item.key: item for section in sections for item in section.items}


def _chart_counts(item: Chart) -> dict:
    (values,) = item.series.values()
    return dict(zip(item.labels, values))


def _files(folder: Path, table: str) -> list[Path]:
    return sorted((folder / "data" / table).glob("*.parquet"))


def _column(folder: Path, table: str, column: str) -> list:
    return [v for path in _files(folder, table) for v in pq.read_table(path, columns=[column]).column(column).to_pylist()]


def test_build_report_counts(examples_build):
    corpus, sections = report_content(examples_build)
    assert corpus.kind == "build"
    items = _items(sections)
    docs = pq.read_table(_files(examples_build, "documents")[0]).to_pylist()
    assert _chart_counts(items["languages"]) == Counter(d["language"] for d in docs)
    months = Counter(d["published"].strftime("%Y-%m") if d["published"] else "undated" for d in docs)
    assert _chart_counts(items["months"]) == months
    assert sum(_chart_counts(items["text-length"]).values()) == len(docs)
    assert _chart_counts(items["rejects"]) == Counter(_column(examples_build, "rejects", "reason"))
    removals = [r for d in docs for r in d["removals"]]
    if removals:
        by_rule = Counter()
        for r in removals:
            by_rule[r["rule"]] += r["end"] - r["start"]
        assert _chart_counts(items["removals-rule"]) == by_rule
    clusters = Counter(d["cluster_id"] or d["id"] for d in docs)
    largest = items.get("largest-clusters")
    if any(n > 1 for n in clusters.values()):
        assert isinstance(largest, Table)
        assert largest.rows[0][1] == max(clusters.values())
        assert sum(1 for row in largest.rows if row[5] == "canonical") == sum(1 for n in clusters.values() if n > 1)


def test_release_report_counts(examples_release):
    corpus, sections = report_content(examples_release)
    assert corpus.kind == "release" and corpus.name == "1.0.0"
    items = _items(sections)
    languages = Counter(_column(examples_release, "documents", "language"))
    assert _chart_counts(items["languages"]) == languages
    claims = _column(examples_release, "claims", "kind")
    if claims:
        assert _chart_counts(items["claim-kinds"]) == Counter(claims)
    else:
        assert isinstance(items["claims-per-document"], Empty)
    labels = _column(examples_release, "entities", "label")  # ClassLabel ids here
    if labels:
        import json

        names = json.loads((examples_release / "MANIFEST.json").read_text())["entity_labels"]
        assert _chart_counts(items["entity-labels"]) == Counter(names[i] for i in labels)
    assert isinstance(items["rejects"], Empty)  # a release has no rejects table: said, not drawn


def _write_documents(folder: Path, docs: list[dict]) -> None:
    path = folder / "data" / "documents" / "train-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(docs, schema=DOCUMENT_SCHEMA), path)


def _doc(n: int, **fields) -> dict:
    values = {"id": f"d{n}", "origin": f"in.jsonl#{n}", "text": "x" * (100 * n), "raw_hash": f"r{n}",
              "text_hash": f"t{n}", "site": "a.example", "language": "en", **fields}
    return Document(**values).model_dump()


def test_empty_layers_say_so(tmp_path):
    _write_documents(tmp_path, [_doc(1), _doc(2, published=dt.date(2026, 1, 5))])
    corpus, sections = report_content(tmp_path)
    items = _items(sections)
    assert corpus.rejects is None
    for key, message in (("entity-labels", "no entities yet"), ("claims-per-document", "no claims yet"),
                         ("source-kinds", "no sources yet"), ("removals-rule", "no boilerplate removed")):
        assert isinstance(items[key], Empty) and items[key].message.startswith(message), key
    assert _chart_counts(items["months"]) == {"2026-01": 1, "undated": 1}
    out = render_report(tmp_path, tmp_path / "r.html")
    assert "no claims yet" in out.read_text(encoding="utf-8")


def test_not_a_corpus(tmp_path):
    with pytest.raises(UserError, match="neither a release"):
        render_report(tmp_path, tmp_path / "r.html")
    assert main(["report", str(tmp_path / "missing"), "-o", str(tmp_path / "r.html")]) == 2


def test_page_is_self_contained(examples_build, tmp_path):
    page = render_report(examples_build, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "cdn." not in page.split("<script>")[0]
    assert 'data-charts="' in page


def test_pngs_for_a_card(examples_build, tmp_path):
    _, sections = report_content(examples_build)
    paths = figures_png(examples_build, tmp_path / "figures")
    assert [p.stem for p in paths] == [c.key for c in charts(sections)]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_report_and_diff(examples_release, tmp_path):
    assert main(["report", str(examples_release), "-o", str(tmp_path / "r.html"), "--png", str(tmp_path / "png")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 100_000 and list((tmp_path / "png").glob("*.png"))
    assert main(["diff", str(examples_release), str(examples_release), "--report", str(tmp_path / "d.html")]) == 0
    assert "Documents by change" in (tmp_path / "d.html").read_text(encoding="utf-8")


def test_diff_counts_changes(tmp_path):
    _write_documents(tmp_path / "a", [_doc(1), _doc(2)])
    _write_documents(tmp_path / "b", [_doc(2, text="changed", text_hash="t2-new"), _doc(3)])
    page = render_diff_report(tmp_path / "a", tmp_path / "b", tmp_path / "d.html").read_text(encoding="utf-8")
    for kind in ("added", "removed", "changed"):
        assert f'data-stat="{kind}" data-value="1"' in page
    assert 'data-stat="unchanged" data-value="0"' in page
