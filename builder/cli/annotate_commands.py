"""`newscorpus annotate` (texts outside a build) and `newscorpus eval` (quality against a gold file)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from builder.annotate.evaluate import LAYERS, MICRO, evaluate, read_gold, to_json
from builder.annotate.sources_clean import chips_and_references
from builder.annotate.stage import annotate_records
from builder.config import CONFIG_NAME, config_here
from builder.errors import UserError
from builder.jsonl import numbered_lines

console = Console(stderr=True, highlight=False)


def _read_records(path: Path, bad: list[str]):
    """Valid {"id", "text"} records of a JSONL file; each bad line is noted in `bad` and skipped."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in numbered_lines(lines):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                bad.append(f"line {number}: needs an object with a string \"text\"")
            elif not isinstance(record.get("id"), (str, int)):
                bad.append(f"line {number}: needs an \"id\" (string or number)")
            else:
                yield record


config_option = click.option("-c", "--config", "config_path", type=click.Path(),
                             help=f"Project config (default: ./{CONFIG_NAME} if present, else defaults).")


@click.command()
@click.argument("input_path", metavar="IN.jsonl", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False), help="Output JSONL.")
@click.option("--language", help="Language of every record without its own \"language\" (default: detected).")
@config_option
def annotate(input_path: Path, output: Path, language: str | None, config_path: str | None):
    """Annotate texts: {"id", "text"} lines in, the same records with their annotations out."""
    if not input_path.exists():
        raise UserError(f"input not found: {input_path}")
    config = config_here(config_path)
    bad: list[str] = []
    rejects: list[dict] = []
    written = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    with console.status("annotating"), output.open("w", encoding="utf-8") as out:
        records = annotate_records(_read_records(input_path, bad), config.annotate, config.language, language,
                                   rejects=rejects)
        for row in records:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
    for problem in bad:
        console.print(f"skipped {input_path}: {problem}")
    for reject in rejects:
        console.print(f"skipped record {reject['origin']}: {reject['reason']}: {reject['detail']}")
    console.print(f"annotated {written} records -> {output}" + (f"; {len(bad)} bad lines skipped" if bad else ""))


def _cell(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(layer: str, report: dict) -> Table:
    """Span layers ({"exact", "overlap"} per label) get P/R/F1 side by side; other reports one row per key."""
    if not {"exact", "overlap"} <= set(report):
        columns = list(dict.fromkeys(k for row in report.values() if isinstance(row, dict) for k in row))
        table = Table(title=layer)
        for column in ("", *columns):
            table.add_column(column, justify="right" if column else "left")
        for key, row in report.items():
            if isinstance(row, dict):
                table.add_row(key, *(_cell(row.get(c, "")) for c in columns))
        return table
    table = Table(title=f"{layer}: precision / recall / F1")
    for column in ("label", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1", "gold"):
        table.add_column(column, justify="left" if column == "label" else "right")
    labels = [label for label in report["exact"] if label != MICRO] + [MICRO]
    for label in labels:
        exact, overlap = report["exact"][label], report["overlap"][label]
        table.add_row(label, *(f"{m[k]:.3f}" for m in (exact, overlap) for k in ("precision", "recall", "f1")),
                      str(exact["tp"] + exact["fn"]))
    return table


@click.command(name="eval")
@click.argument("gold_path", metavar="GOLD.jsonl", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("--layer", "layers", multiple=True, type=click.Choice(sorted(LAYERS)), help="Layers to score (default: all).")
@click.option("--language", default="en", show_default=True, help="Language of the gold texts.")
@click.option("--corpus-root", type=click.Path(path_type=Path, file_okay=False),
              help="For a gold file of offsets only: the folder holding its corpus (default: the one its header names).")
@config_option
def eval_command(gold_path: Path, as_json: bool, layers: tuple[str, ...], language: str, corpus_root: Path | None,
                 config_path: str | None):
    """Score the annotators against a gold file: P/R/F1 per label, exact and overlap match."""
    config = config_here(config_path)
    gold = read_gold(gold_path, corpus_root)
    # Seeds carry their raw page: its citation chips and references come from the clean stage's rules.
    records = ({"id": d["doc_id"], "text": d["text"], "language": language,
                "sources": chips_and_references(d.get("raw_text"))} for d in gold)
    rows = list(annotate_records(records, config.annotate, config.language))
    report = evaluate(gold, rows, layers or None)
    if as_json:
        click.echo(to_json(report))
        return
    out = Console(highlight=False)
    for layer, layer_report in report.items():
        out.print(_table(layer, layer_report))


COMMANDS = [annotate, eval_command]
