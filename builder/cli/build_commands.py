"""`newscorpus init`, `build` and `show`."""

from __future__ import annotations

import logging
import shutil
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from builder.cli.progress import BuildProgress
from builder.cli.writable import check_writable
from builder.config import CONFIG_NAME, config_here, load_config, parse_config
from builder.remote import is_url
from builder.errors import UserError
from builder.layout import build_documents
from builder.workstate import log

console = Console(stderr=True, highlight=False)


def summary_table(result) -> Table:
    """The build's counts, laid out so they add up: pages read = documents + pages rejected at each stage;
    inputs rejected before they gave a page (unsupported files, bad JSON lines, HTTP errors) counted apart."""
    summary = result.summary
    by_stage = summary["rejects_by_stage"]
    table = Table(title="newscorpus build", show_header=False)
    table.add_row("pages read", str(result.pages_read))
    table.add_row("  = documents", str(summary["documents"]))
    table.add_row("      canonical (not duplicates)", str(summary["canonical_documents"]))
    table.add_row("      languages", ", ".join(f"{k} {v}" for k, v in summary["languages"].items()) or "-")
    for stage, count in by_stage.items():
        if stage != "ingest":
            table.add_row(f"  + rejected at {stage}", str(count))
    table.add_row("inputs rejected before a page was read", str(by_stage.get("ingest", 0)))
    table.add_row("rejected in all, by reason", str(summary["rejected"]))
    for reason, count in summary["rejects_by_reason"].items():
        table.add_row(f"  {reason}", str(count))
    if summary.get("empty_tables"):  # datasets cannot load a 0-row table: the README does not declare it
        table.add_row("tables with no rows (no config in README.md)", ", ".join(summary["empty_tables"]))
    if result.shards_reused:
        table.add_row("shards reused from work folder", str(result.shards_reused))
    if result.partial_files_removed:
        table.add_row("partial files of a killed run removed", str(result.partial_files_removed))
    return table


class _ConsoleLines(logging.Handler):
    """The build's one-line notices (a damaged work-folder file made again: builder/workstate.py), printed
    above the progress lines."""

    def emit(self, record: logging.LogRecord) -> None:
        console.print(record.getMessage(), markup=False, soft_wrap=True)  # one line, however long


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="Output folder or fsspec URL (default: build.output).")
@click.option("-c", "--config", "config_path", type=click.Path(), help=f"Project config (default: ./{CONFIG_NAME}).")
@click.option("-w", "--workers", type=click.IntRange(1, 512), help="Worker processes (default: build.workers).")
@click.option("--keep-boilerplate", is_flag=True, help="Mark boilerplate in `removals` but leave it in the text.")
@click.option("--engine", type=click.Choice(["local", "ray"]), help="Where stages run (default: build.engine).")
def build(paths, output, config_path, workers, keep_boilerplate, engine):
    """Build the dataset.

    With no PATHS, builds the project in the current folder from its newscorpus.toml. With PATHS
    (files, folders or fsspec URLs such as s3://bucket/pages/), builds them with default settings and
    no config file.
    """
    # Local paths are relative to where you are; URLs pass as they are (a Path would fold their '//').
    paths = [p if is_url(p) else Path(p) for p in paths]
    output = output if output is None or is_url(output) else Path(output)
    if paths:
        config = parse_config({}, root=str(Path.cwd()))
    else:
        config = load_config(Path(config_path) if config_path else Path.cwd())
    if keep_boilerplate:
        config = config.model_copy(update={"clean": config.clean.model_copy(update={"keep_boilerplate": True})})
    if engine:
        config = config.model_copy(update={"build": config.build.model_copy(update={"engine": engine})})
    check_writable([
        ("output folder", output if output is not None else config.path(config.build.output), "Choose another with --output"),
        ("work folder", config.path(config.build.work_dir), "Set build.work_dir in newscorpus.toml to another folder"),
    ])
    from builder.pipeline import build as run_build  # seconds of imports: only once the config is sound

    notices = _ConsoleLines()
    log.addHandler(notices)
    try:
        with BuildProgress(console) as progress:
            result = run_build(config, list(paths) or None, output, workers, on_progress=progress)
    finally:
        log.removeHandler(notices)
    console.print(summary_table(result))
    click.echo(f"output: {result.output}")


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
def init(directory: Path):
    """Scaffold a new corpus project in DIRECTORY (config, annotations/, dataset_card.md)."""
    if (directory / CONFIG_NAME).exists():
        raise UserError(f"{directory / CONFIG_NAME} already exists; edit it, or choose another folder.")
    template = resources.files("builder") / "project_template"
    directory.mkdir(parents=True, exist_ok=True)
    with resources.as_file(template) as source:
        shutil.copytree(source, directory, dirs_exist_ok=True)
    (directory / "inputs").mkdir(exist_ok=True)
    click.echo(f"created {directory / CONFIG_NAME}: put pages in {directory / 'inputs'} and run `newscorpus build` there")


def _find_document(build_dir: Path, doc_id: str) -> dict:
    import pyarrow.dataset as ds
    import pyarrow.compute as pc

    table = ds.dataset(build_documents(build_dir), format="parquet").to_table(filter=pc.starts_with(pc.field("id"), doc_id))
    if table.num_rows == 0:
        raise UserError(f"no document with an id starting with '{doc_id}' in {build_dir}.")
    if table.num_rows > 1:
        raise UserError(f"'{doc_id}' matches {table.num_rows} documents; give more characters of the id.")
    return table.to_pylist()[0]


@click.command()
@click.argument("doc_id")
@click.option("-b", "--build", "build_dir", type=click.Path(path_type=Path),
              help="Build output folder (default: build.output of the project here).")
def show(doc_id: str, build_dir: Path | None):
    """Print one document: metadata, clean text, links, removals and annotations."""
    if build_dir is None:
        config = config_here()
        build_dir = config.path(config.build.output)
    doc = _find_document(build_dir, doc_id)
    out = Console(highlight=False)
    meta = Table(show_header=False, box=None)
    for key in ("id", "url", "site", "origin", "title", "authors", "published", "fetched_at", "language",
                "language_score", "cluster_id", "is_canonical", "duplicate_kind", "similarity"):
        value = doc.get(key)
        meta.add_row(f"[bold]{key}", ", ".join(value) if isinstance(value, list) else str(value))
    out.print(meta)
    out.rule("text")
    out.print(doc["text"], markup=False)
    for layer, fields in (("links", ("start", "end", "text", "url")),
                          ("removals", ("start", "end", "rule", "text")),
                          ("sources", ("kind", "name", "count", "url")),
                          ("entities", ("start", "end", "label", "text", "entity")),
                          ("claims", ("kind", "speaker", "cue", "text"))):
        if not doc.get(layer):
            continue
        out.rule(f"{layer} ({len(doc[layer])})")
        table = Table(*fields, box=None)
        for item in doc[layer]:
            table.add_row(*(str(item.get(f)) for f in fields))
        out.print(table)
    if doc.get("entities_note"):
        out.print(f"[italic]entities: {doc['entities_note']}")


COMMANDS = [init, build, show]
