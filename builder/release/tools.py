"""The libraries and models that shape a release's data, with their versions, for MANIFEST.json.

A different trafilatura, htmldate or lxml extracts other text and dates; another langdetect other languages;
another spaCy model other entities. Recorded as installed when the release is cut (the build that made the
data ran with the same environment unless it was changed in between: the manifest's config and input
fingerprints say what the data came from, these say with what).
"""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Distribution names, grouped by the stage whose output they change.
SHAPING_LIBRARIES = {
    "read": ["warcio", "charset-normalizer", "zstandard"],
    "extract": ["trafilatura", "htmldate", "lxml", "lxml_html_clean", "courlan"],
    "language": ["langdetect"],
    "dedup": ["xxhash", "numpy"],
    "annotate": ["spacy"],
    "write": ["pyarrow", "datasets", "pydantic"],
}


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def model_digest(folder: Path) -> str:
    """sha256 over every file of an installed spaCy pipeline (path and bytes, in path order): the same weights
    give the same digest wherever they are installed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def model_info(package: str) -> dict:
    """Name, version and digest of an installed spaCy pipeline package."""
    import spacy.util

    try:
        folder = spacy.util.get_package_path(package)
    except (ImportError, OSError, AttributeError):
        return {"package": package, "version": "not installed", "sha256": None}
    meta = spacy.util.get_model_meta(_meta_folder(folder))
    return {"package": package, "version": _version(package), "pipeline": f"{meta.get('lang')}_{meta.get('name')}",
            "pipeline_version": meta.get("version"), "sha256": model_digest(folder)}


def _meta_folder(package_folder: Path) -> Path:
    """The folder of meta.json: the package folder itself, or its one versioned sub-folder."""
    if (package_folder / "meta.json").exists():
        return package_folder
    return next(p.parent for p in sorted(package_folder.glob("*/meta.json")))


def tool_versions(annotate=None) -> dict:
    """{"newscorpus", "python", one entry per shaping library, "models": {language: model info}}; models only
    when an annotation layer that parses is on (`annotate`: the project's AnnotateConfig)."""
    from builder import __version__

    tools = {"newscorpus": __version__, "python": platform.python_version(),
             **{name: _version(name) for names in SHAPING_LIBRARIES.values() for name in names}}
    if annotate is not None and (annotate.entities or annotate.claims or annotate.sources):
        tools["models"] = {lang: model_info(package) for lang, package in sorted(annotate.pipelines().items())}
    return tools
