"""The libraries and models that shape a build's data, with their versions, for build.json and MANIFEST.json.

A different trafilatura, htmldate or lxml extracts other text and dates; another langdetect other languages;
another spaCy model other entities. They are recorded when the build runs (build.json's `tools`) and a release
carries the build's record; where the release's own environment differs (it writes the release's Parquet with
its pyarrow, and a changed library no longer matches the data), the release says so and records both.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import platform
from pathlib import Path

from builder.libraries import library_version, library_versions

def model_digest(folder: Path) -> str:
    """sha256 over every file of an installed spaCy pipeline (path and bytes, in path order): the same weights
    give the same digest wherever they are installed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _package_folder(package: str) -> Path | None:
    """Where an installed package lives, found without importing it (a pipeline package imports spaCy,
    seconds a build whose annotations are all cached need not spend)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def model_info(package: str) -> dict:
    """Name, version and digest of an installed spaCy pipeline package."""
    folder = _package_folder(package)
    meta_path = _meta_file(folder) if folder is not None else None
    if meta_path is None:
        return {"package": package, "version": "not installed", "sha256": None}
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return {"package": package, "version": library_version(package), "pipeline": f"{meta.get('lang')}_{meta.get('name')}",
            "pipeline_version": meta.get("version"), "sha256": model_digest(folder)}


def _meta_file(package_folder: Path) -> Path | None:
    """The pipeline's meta.json: in the package folder itself, or in its one versioned sub-folder."""
    if (package_folder / "meta.json").exists():
        return package_folder / "meta.json"
    return next(iter(sorted(package_folder.glob("*/meta.json"))), None)


def tool_versions(annotate=None) -> dict:
    """{"newscorpus", "python", one entry per shaping library, "models": {language: model info}}; models only
    when an annotation layer that parses is on (`annotate`: the project's AnnotateConfig)."""
    from builder import __version__

    tools = {"newscorpus": __version__, "python": platform.python_version(),
             **library_versions()}
    if annotate is not None and (annotate.entities or annotate.claims or annotate.sources):
        tools["models"] = {lang: model_info(package) for lang, package in sorted(annotate.pipelines().items())}
    return tools


def _flat(tools: dict) -> dict[str, object]:
    """Tool entries as `name` -> version, a model as `model <language>` -> its info."""
    flat = {name: value for name, value in tools.items() if name != "models"}
    flat.update({f"model {lang}": info for lang, info in tools.get("models", {}).items()})
    return flat


def _shown(value) -> str:
    if isinstance(value, dict):
        digest = (value.get("sha256") or "")[:12]
        return f"{value.get('package')} {value.get('version')}" + (f" (sha256 {digest}...)" if digest else "")
    return "absent" if value is None else str(value)


def tool_differences(at_build: dict, now: dict) -> dict[str, list]:
    """Entries that differ between the build's record and this environment: name -> [at build, now]."""
    built, current = _flat(at_build), _flat(now)
    return {name: [built.get(name), current.get(name)] for name in sorted(built.keys() | current.keys())
            if built.get(name) != current.get(name)}


def differences_line(differences: dict[str, list]) -> str:
    return "; ".join(f"{name} {_shown(built)} at build, {_shown(now)} now" for name, (built, now) in differences.items())
