"""`newscorpus review` (the annotators' TUI), `review apply`, `export`, `import` and `agreement`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from builder.config import CONFIG_NAME, load_config, parse_config
from builder.errors import UserError
from builder.review.layers import LAYERS

FORMATS = ("labelstudio", "prodigy", "brat")
EXPORT_FORMATS = (*FORMATS, "spacy")  # spaCy: training data (DocBin), not a round trip


def _paths(build_dir: Path | None, annotations_dir: Path | None) -> tuple[Path, Path]:
    """(build output, annotations folder): from the options, else from the project in the current folder."""
    here = Path.cwd()
    config = load_config(here) if (here / CONFIG_NAME).exists() else parse_config({}, root=str(here))
    return (build_dir or config.path(config.build.output), annotations_dir or config.path("annotations"))


def _echo_problems(problems: list[str], limit: int = 50) -> None:
    for line in problems[:limit]:
        click.echo(f"warning: {line}", err=True)
    if len(problems) > limit:
        click.echo(f"warning: ... and {len(problems) - limit} more", err=True)


layer_option = click.option("-l", "--layer", type=click.Choice(LAYERS), default="entities", show_default=True)
build_option = click.option("-b", "--build", "build_dir", type=click.Path(path_type=Path),
                            help="Build output folder (default: build.output of the project here).")
annotations_option = click.option("--annotations", "annotations_dir", type=click.Path(path_type=Path),
                                  help="Annotations folder (default: annotations/ of the project here).")
adjudicator_option = click.option("--adjudicator", is_flag=True, help="Decide as adjudicator: these decisions win.")


@click.group(invoke_without_command=True)
@click.option("-a", "--annotator", help="Your name: decisions go to annotations/decisions/NAME.jsonl.")
@layer_option
@build_option
@annotations_option
@adjudicator_option
@click.option("--least-confident", is_flag=True, help="Start with the documents with the least confident spans.")
@click.option("--doc", "start_doc", help="Start at this document id (or a prefix of it).")
@click.pass_context
def review(ctx, annotator, layer, build_dir, annotations_dir, adjudicator, least_confident, start_doc):
    """Review one annotation layer in a full-screen terminal app (keys: press ? inside)."""
    if ctx.invoked_subcommand is not None:
        return
    if not annotator:
        raise UserError("say who you are: newscorpus review --annotator NAME")
    from builder.review.app import ReviewApp
    from builder.review.decisions import DecisionLog
    from builder.review.session import ReviewSession, load_documents

    build_dir, annotations_dir = _paths(build_dir, annotations_dir)
    documents = load_documents(build_dir)
    if not documents:
        raise UserError(f"the build at {build_dir} has no documents to review")
    with DecisionLog(annotations_dir, annotator, "adjudicator" if adjudicator else "annotator") as log:
        if log.repaired is not None:
            click.echo("note: the last session was interrupted mid-write; its unfinished line was dropped", err=True)
        session = ReviewSession(documents, log, layer, annotations_dir)
        order = session.least_confident_order() if least_confident else documents
        ReviewApp(session, [d["id"] for d in order], annotations_dir, start_doc).run()
    click.echo(f"{len(log.decisions)} decisions in {log.path}")


@review.command("apply")
@click.argument("decisions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-a", "--annotator", required=True, help="Whose log the decisions go to.")
@layer_option
@build_option
@annotations_option
@adjudicator_option
@click.option("--confirmations", is_flag=True, help="Print one line per decision once it is on disk.")
def review_apply(decisions_file, annotator, layer, build_dir, annotations_dir, adjudicator, confirmations):
    """Apply the decisions in DECISIONS_FILE (JSONL: doc_id, action, start, end, label, ...) without a screen."""
    from builder.review.apply import Sessions, apply_file
    from builder.review.decisions import DecisionLog
    from builder.review.session import load_documents

    build_dir, annotations_dir = _paths(build_dir, annotations_dir)
    documents = load_documents(build_dir)

    def confirmed(number, decision):
        if confirmations:
            click.echo(f"confirmed line {number} seq {decision.seq}")

    with DecisionLog(annotations_dir, annotator, "adjudicator" if adjudicator else "annotator") as log:
        before = len(log.decisions)
        problems = apply_file(Sessions(documents, log, annotations_dir), decisions_file, layer, confirmed)
        made = len(log.decisions) - before
    _echo_problems(problems)
    click.echo(f"{made} decisions written to {log.path}" + (f"; {len(problems)} lines not applied" if problems else ""))
    if problems:
        raise click.exceptions.Exit(1)


@click.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@layer_option
@build_option
@annotations_option
def export(out, fmt, layer, build_dir, annotations_dir):
    """Export the merged view of one layer for Label Studio (JSON file), Prodigy (JSONL file) or brat (folder);
    or the entities as spaCy training data (folder: train.spacy, dev.spacy, test.spacy, split as a release)."""
    if fmt == "spacy":
        _export_spacy(out, layer, build_dir)
        return
    from builder.review import brat, labelstudio, prodigy
    from builder.review.decisions import read_all
    from builder.review.layers import layer_labels
    from builder.review.merge import merged_layers
    from builder.review.session import load_documents

    build_dir, annotations_dir = _paths(build_dir, annotations_dir)
    decisions, warnings = read_all(annotations_dir)
    _echo_problems(warnings)
    views = [merged_layers(doc, decisions, (layer,)) for doc in load_documents(build_dir)]
    labels = layer_labels(layer, annotations_dir)
    if fmt == "labelstudio":
        written = labelstudio.write(views, layer, labels, out)
        click.echo(f"{len(views)} tasks: {written[0]} (labeling config for the project: {written[1]})")
    elif fmt == "prodigy":
        _echo_problems(prodigy.write(views, layer, out))
        click.echo(f"{len(views)} tasks: {out}")
    else:
        brat.write(views, layer, labels, out)
        click.echo(f"{len(views)} documents: {out}/<id>.txt + .ann")


def _export_spacy(out: Path, layer: str, build_dir: Path | None) -> None:
    from builder.release.spacy_export import export_spacy

    if layer != "entities":
        raise UserError(f"--format spacy exports the entities layer (spaCy NER training data), not {layer}.")
    here = Path.cwd()
    config = load_config(here) if (here / CONFIG_NAME).exists() else parse_config({}, root=str(here))
    result = export_spacy(config, out, build_dir)
    counts = ", ".join(f"{split} {n}" for split, n in sorted(result.documents.items()))
    click.echo(f"{sum(result.documents.values())} documents ({counts}), {result.entities} entities: "
               + ", ".join(str(f) for f in result.files))
    if result.misaligned or result.overlapping:
        click.echo(f"left out: {result.misaligned} entities off token boundaries, {result.overlapping} overlapping "
                   "a longer one", err=True)


@click.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("-a", "--annotator", help="Record every annotation under this name (default: the name the tool "
                                        "recorded; required for brat).")
@layer_option
@build_option
@annotations_option
@adjudicator_option
def import_(source, fmt, annotator, layer, build_dir, annotations_dir, adjudicator):
    """Import annotations made in Label Studio, Prodigy or brat as review decisions."""
    from builder.review import brat, labelstudio, prodigy
    from builder.review.apply import import_spans
    from builder.review.session import load_documents

    build_dir, annotations_dir = _paths(build_dir, annotations_dir)
    documents = load_documents(build_dir)
    if fmt == "brat":
        if not source.is_dir():
            raise UserError(f"{source}: brat import reads a folder of .ann/.txt files")
        if not annotator:
            raise UserError("brat files do not record who annotated: pass --annotator NAME")
        report = brat.read(source, [d["id"] for d in documents])
    elif source.is_dir():
        raise UserError(f"{source} is a folder; {fmt} import reads one file")
    else:
        report = (labelstudio if fmt == "labelstudio" else prodigy).read(source)
    counts, problems = import_spans(report.imported, documents, annotations_dir, layer, annotator,
                                    "adjudicator" if adjudicator else "annotator")
    _echo_problems(report.problems + problems)
    for name, n in counts.items():
        click.echo(f"{name}: {n} decisions")
    if not counts:
        click.echo("nothing imported")


@click.command("agreement")
@layer_option
@build_option
@annotations_option
@click.option("--json", "as_json", is_flag=True, help="Print the full report (with every disagreement) as JSON.")
def agreement_command(layer, build_dir, annotations_dir, as_json):
    """Agreement between annotators: span F1 per label (exact, overlap), kappa on claim kinds, disagreements."""
    from rich.console import Console
    from rich.table import Table

    from builder.review.agreement import agreement
    from builder.review.decisions import read_all
    from builder.review.session import load_documents

    build_dir, annotations_dir = _paths(build_dir, annotations_dir)
    decisions, warnings = read_all(annotations_dir)
    _echo_problems(warnings)
    documents = {d["id"]: d for d in load_documents(build_dir)}
    reports = agreement(documents, decisions, layer)
    if as_json:
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    if not reports:
        click.echo(f"fewer than two annotators have decisions on {layer}: nothing to compare")
        return
    console = Console(highlight=False)

    def fmt(x):
        return "-" if x is None else f"{x:.3f}"

    for report in reports:
        table = Table("label", "F1 exact", "F1 overlap", report["a"], report["b"],
                      title=f"{report['a']} vs {report['b']} on {report['documents']} documents ({layer})")
        for label, row in report["f1"].items():
            table.add_row(label, fmt(row["exact"]), fmt(row["overlap"]), str(row["a"]), str(row["b"]))
        console.print(table)
        if "kind_kappa" in report:
            console.print(f"Cohen's kappa on claim kinds: {fmt(report['kind_kappa'])} ({report['kind_items']} claims)")
        console.print(f"{len(report['disagreements'])} disagreements (see --json for the list)")


COMMANDS = [review, export, import_, agreement_command]
