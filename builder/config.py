"""The project config, `newscorpus.toml`: one pydantic model, one section per stage.

Every section forbids unknown keys, so `wokers = 2` is reported instead of silently ignored.
Errors come out as one line that names the key and says what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, ValidationError

from builder.annotate.config import AnnotateConfig
from builder.clean.config import CleanConfig, LanguageConfig
from builder.config_section import Section
from builder.dedup.config import DedupConfig
from builder.errors import UserError
from builder.ingest.config import IngestConfig
from builder.release.config import ReleaseConfig

CONFIG_NAME = "newscorpus.toml"


class BuildConfig(Section):
    """What to build from, where to, and with how many workers."""

    inputs: list[str] = Field(default_factory=lambda: ["examples"], description="files or folders, or fsspec URLs "
                              "(s3://bucket/pages/: mirrored into the work folder, fetched again only when changed)")
    output: str = Field("build", description="output folder of `newscorpus build`, or an fsspec URL (built in the "
                        "work folder, then uploaded)")
    work_dir: str = Field(".newscorpus", description="cache of stage outputs (resumable builds)")
    workers: int = Field(1, ge=1, le=512)
    shard_size: int = Field(64, ge=1, description="documents per work shard (and per task: memory in flight is "
                            "about 2 x workers x shard_size pages)")
    engine: Literal["local", "ray"] = Field("local", description="local: process pool on this machine (fastest "
                                           "there); ray: a Ray cluster (pip install 'newscorpus[ray]'; RAY_ADDRESS joins one)")


class ProjectConfig(Section):
    name: str = "newscorpus-project"
    build: BuildConfig = BuildConfig()
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    language: LanguageConfig = LanguageConfig()
    dedup: DedupConfig = DedupConfig()
    annotate: AnnotateConfig = AnnotateConfig()
    release: ReleaseConfig = ReleaseConfig()
    # Folder the config was read from; relative paths in it are resolved against this.
    root: Optional[str] = Field(None, exclude=True)

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() or self.root is None else Path(self.root) / p


def _describe(error: dict, source: str) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        parent = _section_model(error["loc"][:-1])
        allowed = ", ".join(parent.model_fields) if parent else "see the docs"
        return f"{source}: unknown key '{key}'. Allowed here: {allowed}."
    return f"{source}: '{key}' {error['msg'].lower()} (got {error.get('input')!r})."


def _section_model(loc: tuple) -> type[Section] | None:
    model: type[Section] = ProjectConfig
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, Section):
            return None
        model = field.annotation
    return model


def parse_config(data: dict, source: str = CONFIG_NAME, root: str | None = None) -> ProjectConfig:
    try:
        return ProjectConfig.model_validate({**data, "root": root})
    except ValidationError as exc:
        raise UserError(_describe(exc.errors()[0], source)) from None


def load_config(path: str | Path) -> ProjectConfig:
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.exists():
        raise UserError(
            f"No {CONFIG_NAME} at {path.parent.resolve()}. Run `newscorpus init DIR` to make a project, "
            f"or `newscorpus build PATH... --output DIR` to build files without one."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc}). Fix the syntax and run again.") from None
    return parse_config(data, source=str(path), root=str(path.parent.resolve()))


def config_here(config_path: str | Path | None = None) -> ProjectConfig:
    """The given config file, else ./newscorpus.toml when there is one, else the defaults rooted here
    (the commands that work on a build folder need no project)."""
    if config_path:
        return load_config(config_path)
    here = Path.cwd()
    return load_config(here) if (here / CONFIG_NAME).exists() else parse_config({}, root=str(here))
