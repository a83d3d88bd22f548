"""Small projects written by the tests themselves, built and released with the real pipeline."""

from __future__ import annotations

from pathlib import Path

from builder.config import parse_config
from builder.engine.pipeline import build
from builder.release.release import make_release

PAGE = """<html><head><title>{title}</title><meta property="og:site_name" content="Test Herald"></head>
<body><article><h1>{title}</h1>
<p>{body} The council met on Tuesday evening in the town hall to discuss the proposal in detail.</p>
<p>Residents asked questions about the budget, the timetable and the roads that would close for the works.</p>
<p>A decision is expected next month, after a second reading and a public consultation that runs four weeks.</p>
</article></body></html>"""


def write_pages(folder: Path, n: int, prefix: str = "page") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{prefix}-{i}.html"
        path.write_text(PAGE.format(title=f"Council story number {i} of {prefix}",
                                    body=f"Story {i} ({prefix}) has its own opening sentence about item {i * 7}."),
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
