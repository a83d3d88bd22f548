"""Small projects written by the tests themselves, built and released with the real pipeline."""

from __future__ import annotations

import re
from pathlib import Path

from builder.config import parse_config
from builder.pipeline import build
from builder.release.release import make_release

PAGE = """<html><head><title>{title}</title><meta property="og:site_name" content="Test Herald"></head>
<body><article><h1>{title}</h1>
{paragraphs}
</article></body></html>"""
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
WORDS = ("harbour council bridge budget school library river market railway hospital museum stadium festival "
         "orchard factory ferry tunnel garden theatre airport canal forest quarry bakery").split()


def _paragraphs(seed: int) -> str:
    """Three paragraphs that share few word sequences with another seed's (pages must not be near-duplicates)."""
    words = [WORDS[(seed * 7 + k * 3) % len(WORDS)] for k in range(24)]
    sentences = [f"The {words[k]} near the {words[k + 1]} reported {seed * 13 + k} visitors, said the {words[k + 2]} "
                 f"office on day {seed + k}." for k in range(0, 18, 2)]
    return "\n".join(f"<p>{' '.join(sentences[k:k + 3])}</p>" for k in range(0, 9, 3))


def write_pages(folder: Path, n: int, prefix: str = "page") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{prefix}-{i}.html"
        seed = i + 1000 * sum(map(ord, prefix))
        path.write_text(PAGE.format(title=f"Council story number {i} of {prefix}", paragraphs=_paragraphs(seed)),
                        encoding="utf-8")
        paths.append(path)
    return paths


def project(root: Path, annotate: bool = False, **sections):
    """A project config with inputs/ and work/ under root; annotation layers off unless asked (fast)."""
    layers = {} if annotate else {"entities": False, "claims": False, "sources": False}
    data = {"build": {"inputs": ["inputs"], "work_dir": "work", "output": "build"},
            "annotate": layers, "release": {"pretty_name": "test corpus"}, **sections}
    return parse_config(data, root=str(root))


def build_and_release(root: Path, version: str = "1.0.0", annotate: bool = False) -> Path:
    config = project(root, annotate)
    build(config)
    return make_release(config, version).folder


def run_card_example(release: Path) -> dict:
    """Runs the Python example of a release's card (its README) on that release; the names it defined."""
    (block,) = PYTHON_BLOCK.findall((release / "README.md").read_text(encoding="utf-8"))
    names: dict = {}
    exec(compile(block.replace("path/to/this/folder", str(release)), "card", "exec"), names)
    return names
