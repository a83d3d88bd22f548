"""A small news project of our own for the review-loop tests: pages with canonical URLs (so a page keeps its
id when its text changes), built for real with the entity annotator, reviewed through the real CLI and
released. No tests here."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq

from builder.cli.main import main
from builder.config import load_config
from builder.pipeline import build
from builder.release.release import make_release
from builder.review.session import load_documents

TOML = """name = "loop"
[build]
inputs = ["inputs"]
output = "{output}"
workers = 1
[annotate]
claims = false
sources = false
[release]
pretty_name = "review loop test"
"""

PAGE = """<html><head><title>{title}</title><link rel="canonical" href="{url}">
<meta property="article:published_time" content="{published}"></head>
<body><article><h1>{title}</h1>
{paragraphs}
</article></body></html>"""

BRIDGE = [
    "The new harbour bridge in Kingsport opened on Monday after four years of work, the city council said.",
    "Mayor Ann Lee told the Kingsport Herald that Greenway Construction finished the bridge under budget.",
    "Traffic engineers at Delta Transit expect fewer delays on the coastal road through Millbrook.",
    "Shops in Kingsport will stay open late on Friday for the celebrations along the waterfront.",
]
LIBRARY = ["The Millbrook public library reopened on Saturday after a flood closed it in January.",
           "Librarian Tom Baker said volunteers from the Rotary Club dried and catalogued every book."]


def page(paragraphs: list[str], url: str = "https://herald.test/news/harbour-bridge",
         published: str = "2024-03-05", title: str = "Harbour bridge opens") -> str:
    return PAGE.format(title=title, url=url, published=published,
                       paragraphs="\n".join(f"<p>{p}</p>" for p in paragraphs))


def library_page() -> str:
    return page(LIBRARY, "https://herald.test/library", title="Library reopens")


def new_project(root: Path, build_dir: Path | None = None) -> Path:
    """A project folder; `build_dir` makes it review and release another project's build (built once)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "newscorpus.toml").write_text(TOML.format(output=build_dir or "build"), encoding="utf-8")
    return root


def documents(root: Path) -> dict[str, dict]:
    config = load_config(root)
    return {d["id"]: d for d in load_documents(config.path(config.build.output), canonical_only=False)}


def rebuild(root: Path, pages: dict[str, str]) -> dict[str, dict]:
    """Replace the project's inputs with `pages` ({file name: html}) and build; the documents by id."""
    shutil.rmtree(root / "inputs", ignore_errors=True)
    (root / "inputs").mkdir()
    for name, html in pages.items():
        (root / "inputs" / name).write_text(html, encoding="utf-8")
    build(load_config(root))
    return {d["id"]: d for d in load_documents(root / "build", canonical_only=False)}


def only(documents: dict[str, dict]) -> dict:
    (doc,) = [d for d in documents.values() if d["is_canonical"]]
    return doc


def entity(doc: dict, surface: str, occurrence: int = 0) -> dict:
    found = sorted((e for e in doc["entities"] if e["text"] == surface), key=lambda e: e["start"])
    assert len(found) > occurrence, f"the entity annotator found no {surface!r} #{occurrence}: {doc['entities']}"
    return found[occurrence]


@contextmanager
def inside(root: Path):
    before = Path.cwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(before)


def cli(root: Path, *args: str) -> int:
    with inside(root):
        return main(list(args))


def apply(root: Path, annotator: str, lines: list[dict], *options: str) -> int:
    """`newscorpus review apply` of these lines as ANNOTATOR, in the project."""
    path = root / f"apply-{annotator}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return cli(root, "review", "apply", str(path), "--annotator", annotator, *options)


def line(action: str, doc: dict, span: dict, **fields) -> dict:
    return {"doc_id": doc["id"], "action": action, "start": span["start"], "end": span["end"], **fields}


def release(root: Path, version: str):
    return make_release(load_config(root), version)


def released(folder: Path, config: str = "entities") -> list[dict]:
    """Rows of a release table, entity labels as names."""
    names = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))["entity_labels"]
    rows = [r for f in sorted((folder / "data" / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    if config == "entities":
        rows = [{**r, "label": names[r["label"]]} for r in rows]
    return sorted(rows, key=lambda r: (r["doc_id"], r["start"], r["end"]))
