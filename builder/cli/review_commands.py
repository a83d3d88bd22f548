"""`newscorpus review` (the annotators' TUI), `review apply`, `export`, `import` and `agreement`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from builder.config import CONFIG_NAME, config_here
from builder.errors import UserError
from builder.review.layers import LAYERS

FORMATS = ("labelstudio", "prodigy", "brat")
EXPORT_FORMATS = (*FORMATS, "spacy")  # spaCy: training data (DocBin), not a round trip


def _paths(build_dir: Path | None, annotations_dir: Path | None) -> tuple[Path, Path, Path]:
    """(build output, annotations folder, work folder): from the options, else from the project here."""
    here = Path.cwd()
    config = config_here()
    annotations_dir = annotations_dir or config.path("annotations")
    if (here / CONFIG_NAME).exists() or annotations_dir.resolve().parent == here.resolve():
        work_dir = config.path(config.build.work_dir)
    else:  # annotations of another project: its work folder, beside them
        work_dir = annotations_dir.resolve().parent / ".newscorpus"
    return (build_dir or config.path(config.build.output), annotations_dir, work_dir)


def _open_log(annotations_dir: Path, work_dir: Path, annotator: str, adjudicator: bool):
    from builder.review.decisions import DecisionLog

    return DecisionLog(annotations_dir, annotator, "adjudicator" if adjudicator else "annotator",
                       lock_dir=work_dir / "review-locks")


def _note_repair(log) -> None:
    if log.repaired is not None:
        click.echo(f"warning: {log.path}: the last session was interrupted mid-write; its unfinished last line "
                   f"was removed: {log.repaired[:80]!r}", err=True)


def _read_all(annotations_dir: Path, canonical: dict[str, str]):
    """Everyone's decisions, those on documents that are now duplicates on their canonical copies."""
    from builder.review.canonical import to_canonical
    from builder.review.decisions import read_all

    decisions, warnings = read_all(annotations_dir)
    _echo_problems(warnings)
    return to_canonical(decisions, canonical)[0]


def _echo_problems(problems: list[str], limit: int = 50) -> None:
    for line in problems[:limit]:
        click.echo(f"warning: {line}", err=True)
    if len(problems) > limit:
        click.echo(f"warning: ... and {len(problems) - limit} more", err=True)


def _echo_stale(flags: list[dict], consequence: str, shown: int = 5) -> None:
    """Say which decisions apply nowhere now (their text changed since): never dropped without a word."""
    if not flags:
        return
    click.echo(f"warning: {len(flags)} decisions apply nowhere in this build: the text they were made on changed "
               f"or is gone ({consequence}); review those spans again:", err=True)
    for f in flags[:shown]:
        click.echo(f"  {f['doc_id']} {f['layer']} {f['start']}-{f['end']} ({', '.join(f['annotators'])}): "
                   f"{f['detail']}", err=True)
    if len(flags) > shown:
        click.echo(f"  ... and {len(flags) - shown} more (`newscorpus release` lists every one)", err=True)


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
    from builder.review.session import ReviewSession, load_build

    build_dir, annotations_dir, work_dir = _paths(build_dir, annotations_dir)
    documents, canonical = load_build(build_dir)
    if not documents:
        raise UserError(f"the build at {build_dir} has no documents to review")
    with _open_log(annotations_dir, work_dir, annotator, adjudicator) as log:
        _note_repair(log)
        session = ReviewSession(documents, log, layer, annotations_dir, canonical)
        order = session.least_confident_order() if least_confident else documents
        app = ReviewApp(session, [d["id"] for d in order], annotations_dir, start_doc)
        app.run()
    click.echo(f"{len(log.decisions)} decisions in {log.path}")
    _echo_stale(session.stale(), "the app showed the machine's spans there")
    if app.failure is not None:
        raise UserError(f"the review app stopped: {app.failure} (every decision confirmed on screen is in "
                        f"{log.path})")


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
    from builder.review.session import load_build

    build_dir, annotations_dir, work_dir = _paths(build_dir, annotations_dir)
    documents, canonical = load_build(build_dir)

    def confirmed(number, decision):
        if confirmations:
            click.echo(f"confirmed line {number} seq {decision.seq}")

    with _open_log(annotations_dir, work_dir, annotator, adjudicator) as log:
        _note_repair(log)
        before = len(log.decisions)
        problems = apply_file(lambda target: Sessions(documents, target, annotations_dir, canonical), log, decisions_file,
                              layer, confirmed, _older_than_build(decisions_file, build_dir))
        made = len(log.decisions) - before
    _echo_problems(problems)
    if problems:
        click.echo(f"nothing applied: {len(problems)} bad lines in {decisions_file}; fix them and apply again",
                   err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{made} decisions written to {log.path}")


def _older_than_build(path: Path, build_dir: Path) -> bool:
    """Whether the file was last written before the build's documents were (its offsets may be an older text's)."""
    from builder.layout import build_documents

    built = [p.stat().st_mtime for p in build_documents(build_dir)]
    return bool(built) and path.stat().st_mtime < max(built)


@click.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@layer_option
@build_option
@annotations_option
def export(out, fmt, layer, build_dir, annotations_dir):
    """Export the merged view of one layer for Label Studio (JSON file), Prodigy (JSONL file) or brat (folder);
    or the entities as spaCy training data (folder: train.spacy, dev.spacy, test.spacy, split as a release).

    Beside a Label Studio, Prodigy or brat export goes an export record (OUT.newscorpus.json;
    newscorpus-export.json in a brat folder) that `import` compares the returned file with, so that only what
    people changed becomes decisions."""
    if fmt == "spacy":
        _export_spacy(out, layer, build_dir)
        return
    from builder.review import brat, labelstudio, prodigy
    from builder.review.interchange import make_record, write_record
    from builder.review.layers import layer_labels
    from builder.review.merge import merge_document
    from builder.review.session import load_build

    build_dir, annotations_dir, work_dir = _paths(build_dir, annotations_dir)
    documents, canonical = load_build(build_dir)
    decisions = _read_all(annotations_dir, canonical)
    merged = [merge_document(doc, decisions, (layer,), review=True) for doc in documents]
    views = [view for view, _ in merged]
    _echo_stale([f for _, flags in merged for f in flags if f["reason"] == "stale"], "the view exported leaves them out")
    labels = layer_labels(layer, annotations_dir)
    module = {"labelstudio": labelstudio, "prodigy": prodigy, "brat": brat}[fmt]
    merged_from = sorted({d.annotator for d in decisions if d.layer == layer})
    seqs = {}
    for d in decisions:
        seqs[d.annotator] = max(seqs.get(d.annotator, 0), d.seq)
    record = make_record(fmt, layer, views, documents, merged_from, {v["id"]: module.shown(v, layer) for v in views},
                         seqs)
    if fmt == "labelstudio":
        written = labelstudio.write(views, layer, labels, out, record.export_id)
        click.echo(f"{len(views)} tasks: {written[0]} (labeling config for the project: {written[1]})")
    elif fmt == "prodigy":
        _echo_problems(prodigy.write(views, layer, out, record.export_id))
        click.echo(f"{len(views)} tasks: {out}")
    else:
        brat.write(views, layer, labels, out)
        click.echo(f"{len(views)} documents: {out}/<id>.txt + .ann")
    click.echo(f"export record: {write_record(record, out, work_dir)}")


def _users(pairs: tuple[str, ...]) -> dict[str, str]:
    from builder.review.decisions import check_name

    users = {}
    for pair in pairs:
        user_id, sep, name = pair.partition("=")
        if not sep or not user_id.strip():
            raise UserError(f"--user {pair!r}: write it as ID=NAME (a Label Studio user id and an annotator name)")
        users[user_id.strip()] = check_name(name.strip())
    return users


def _export_spacy(out: Path, layer: str, build_dir: Path | None) -> None:
    from builder.release.spacy_export import export_spacy

    if layer != "entities":
        raise UserError(f"--format spacy exports the entities layer (spaCy NER training data), not {layer}.")
    config = config_here()
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
@click.option("-a", "--annotator", help="Record the file's annotations under this name (one person's file only; "
                                        "default: the name the tool recorded; required for brat).")
@click.option("--user", "users", multiple=True, metavar="ID=NAME",
              help="Name a Label Studio user id (completed_by) whose export has no user details, or a Prodigy "
                   "_annotator_id. Repeatable.")
@click.option("--dataset", help="Prodigy: the dataset's name, so that an _annotator_id '<dataset>-<session>' "
                                "credits the session's name.")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The export record to compare with (default: found by the id the file carries, or beside it).")
@layer_option
@build_option
@annotations_option
@adjudicator_option
def import_(source, fmt, annotator, users, dataset, baseline, layer, build_dir, annotations_dir, adjudicator):
    """Import what people changed in Label Studio, Prodigy or brat as their review decisions."""
    from builder.review import brat, labelstudio, prodigy
    from builder.review.decisions import check_name
    from builder.review.importing import import_returned
    from builder.review.interchange import find_record
    from builder.review.session import load_build

    build_dir, annotations_dir, work_dir = _paths(build_dir, annotations_dir)
    if annotator:
        check_name(annotator)
    documents, canonical = load_build(build_dir)
    if fmt == "brat":
        if not source.is_dir():
            raise UserError(f"{source}: brat import reads a folder of .ann/.txt files")
        if not annotator:
            raise UserError("brat files do not record who annotated: pass --annotator NAME")
        report = brat.read(source, {d["id"]: d for d in documents})
    elif source.is_dir():
        raise UserError(f"{source} is a folder; {fmt} import reads one file")
    elif fmt == "labelstudio":
        report = labelstudio.read(source, _users(users), annotator)
    else:
        report = prodigy.read(source, _users(users), annotator, dataset)
    if report.failed:
        _echo_problems(report.failed)
        click.echo(f"nothing imported: {source} is not a valid {fmt} file (see above)", err=True)
        raise click.exceptions.Exit(1)
    record = find_record(source, report.export_id, work_dir, baseline)
    if record.layer != layer:
        raise UserError(f"the export record is for --layer {record.layer}, not {layer}: pass --layer {record.layer}")
    counts, skipped, failures = import_returned(report.returned, record, documents, annotations_dir, annotator,
                                                "adjudicator" if adjudicator else "annotator", work_dir / "review-locks",
                                                canonical, on_log=_note_repair)
    _echo_problems(report.problems + skipped + failures)
    if failures:
        click.echo("nothing imported: some changes could not be made (see above)", err=True)
        raise click.exceptions.Exit(1)
    for name, n in counts.items():
        click.echo(f"{name}: {n} decisions")
    if not any(counts.values()):
        click.echo("no changes to import")
        if skipped or report.problems:
            raise click.exceptions.Exit(1)


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
    from builder.review.session import load_build

    build_dir, annotations_dir, _ = _paths(build_dir, annotations_dir)
    documents, canonical = load_build(build_dir)
    decisions = _read_all(annotations_dir, canonical)
    documents = {d["id"]: d for d in documents}
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
        decided = report["decided"]
        console.print(f"{report['a']} vs {report['b']}: {decided['spans']} spans both decided on, "
                      f"{decided['agree']} the same (agreement {fmt(decided['agreement'])}, F1 of kept spans "
                      f"{fmt(decided['kept_f1'])}, kappa on keep/remove {fmt(decided['keep_kappa'])})")
        table = Table("label", "F1 exact", "F1 overlap", report["a"], report["b"],
                      title=f"{report['a']} vs {report['b']} on the {report['documents']} documents both reviewed ({layer})")
        for label, row in report["f1"].items():
            table.add_row(label, fmt(row["exact"]), fmt(row["overlap"]), str(row["a"]), str(row["b"]))
        console.print(table)
        if "kind_kappa" in report:
            console.print(f"Cohen's kappa on claim kinds: {fmt(report['kind_kappa'])} ({report['kind_items']} claims)")
        console.print(f"{len(report['disagreements'])} disagreements (see --json for the list)")


COMMANDS = [review, export, import_, agreement_command]
