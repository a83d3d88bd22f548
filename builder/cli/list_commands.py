"""`newscorpus ls`: the documents of a build or release, one line each (id, site, date, title, language)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from pathlib import Path

import click
import pyarrow.compute as pc
import pyarrow.dataset as ds

from builder.config import config_here
from builder.errors import UserError
from builder.layout import table_files, table_folder

COLUMNS = ["id", "site", "published", "title", "language"]


def _folder(path: Path | None) -> Path:
    if path is None:
        config = config_here()
        path = config.path(config.build.output)
    if not table_folder(path, "documents").is_dir():
        raise UserError(f"no documents at {path}: give a build or release folder (run `newscorpus build` first).")
    return path


def _date(text: str | None, option: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise UserError(f"{option} {text!r} is not a date: use YYYY-MM-DD.") from None


def list_documents(folder: Path, site: str | None = None, language: str | None = None, since: str | None = None,
                   until: str | None = None, title: str | None = None, split: str | None = None,
                   canonical: bool = False) -> list[dict]:
    """Rows of COLUMNS (and split, for a release) matching every filter given, sorted by id."""
    files = table_files(folder, "documents")
    rows = []
    for path in files:
        file_split = path.name.split("-")[0]
        if split and file_split != split:
            continue
        conditions = []
        if site:
            conditions.append(pc.field("site") == site)
        if language:
            conditions.append(pc.field("language") == language)
        if since:
            conditions.append(pc.field("published") >= pc.scalar(_date(since, "--since")))
        if until:
            conditions.append(pc.field("published") <= pc.scalar(_date(until, "--until")))
        if title:
            conditions.append(pc.match_substring(pc.field("title"), title, ignore_case=True))
        if canonical:
            conditions.append(pc.field("is_canonical"))
        condition = functools.reduce(operator.and_, conditions) if conditions else None
        table = ds.dataset(path, format="parquet").to_table(columns=COLUMNS, filter=condition)
        rows += [{**row, "split": file_split} for row in table.to_pylist()]
    return sorted(rows, key=lambda r: r["id"])


@click.command("ls")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--site", help="Only documents of this site (e.g. example.com).")
@click.option("--language", help="Only documents in this language (ISO code, e.g. en).")
@click.option("--since", metavar="YYYY-MM-DD", help="Only documents published on or after this date.")
@click.option("--until", metavar="YYYY-MM-DD", help="Only documents published on or before this date.")
@click.option("--title", metavar="TEXT", help="Only documents whose title contains TEXT (any case).")
@click.option("--split", type=click.Choice(["train", "validation", "test"]), help="Only this split (a release).")
@click.option("--canonical", is_flag=True, help="Leave out flagged duplicates (a build keeps them).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts.")
def ls(folder, site, language, since, until, title, split, canonical, as_json):
    """List the documents of a build (default: the project's) or release FOLDER: id, site, date, title, language."""
    folder = _folder(folder)
    rows = list_documents(folder, site, language, since, until, title, split, canonical)
    is_release = (folder / "MANIFEST.json").exists()
    for row in rows:
        if not is_release:
            row.pop("split")
        if as_json:
            click.echo(json.dumps({**row, "published": row["published"] and row["published"].isoformat()},
                                  ensure_ascii=False))
        else:
            date = row["published"].isoformat() if row["published"] else "-"
            where = f"{row['split']:<10} " if is_release else ""
            click.echo(f"{row['id']}  {where}{row['site'] or '-':<28} {date:<10}  {row['language'] or '-':<7} "
                       f"{row['title'] or '(no title)'}")
    if not as_json:
        click.echo(f"{len(rows)} documents", err=True)


COMMANDS = [ls]
