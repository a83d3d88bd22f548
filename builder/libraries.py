"""The libraries that shape a build's data, by the stage whose output they change, and their versions.

A different trafilatura, htmldate or lxml extracts other text and dates; another langdetect tags other
languages. Stages put these versions in their settings, so an upgrade gives their outputs new names and
cached results made with the old library are never reused; build.json and MANIFEST.json record them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# Distribution names, grouped by the stage whose output they change.
SHAPING_LIBRARIES = {
    "read": ["warcio", "charset-normalizer", "zstandard"],
    "extract": ["trafilatura", "htmldate", "lxml", "lxml_html_clean", "courlan", "readability-lxml"],
    "language": ["langdetect"],
    "dedup": ["xxhash", "numpy"],
    "annotate": ["spacy"],
    "write": ["pyarrow", "datasets", "pydantic"],
}


def library_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def library_versions(*stages: str) -> dict[str, str]:
    """name -> version of every library of the given stage groups (all groups when none are given)."""
    groups = stages or tuple(SHAPING_LIBRARIES)
    return {name: library_version(name) for stage in groups for name in SHAPING_LIBRARIES[stage]}
