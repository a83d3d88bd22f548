"""`newscorpus report`: the report of a build or a release, written as one HTML file."""

from __future__ import annotations

from pathlib import Path

from builder.report.corpus import Corpus, open_corpus
from builder.report.figures import Section, report_sections, summary
from builder.report.html import render_page


def _subtitle(corpus: Corpus) -> str:
    if corpus.kind == "release":
        parent = corpus.manifest.get("parent")
        return f"release {corpus.name}" + (f" (parent {parent})" if parent else "") + f" · {corpus.folder}"
    return f"build · {corpus.folder}"


def report_content(folder: Path) -> tuple[Corpus, list[Section]]:
    corpus = open_corpus(folder)
    return corpus, report_sections(corpus)


def render_report(folder: Path, out: Path) -> Path:
    """Write the report of a build or release folder to `out` (one self-contained HTML file)."""
    corpus, sections = report_content(folder)
    title = corpus.manifest.get("pretty_name") or f"newscorpus report: {corpus.name}"
    page = render_page(title, _subtitle(corpus), summary(corpus), sections)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
