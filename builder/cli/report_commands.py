"""`newscorpus report`: one static HTML page of charts and tables for a build or a release."""

from __future__ import annotations

from pathlib import Path

import click

from builder.errors import UserError


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("report.html"), show_default=True,
              help="HTML file to write.")
@click.option("--png", "png_dir", type=click.Path(path_type=Path),
              help="Also draw every chart as a PNG into this folder (for a dataset card).")
def report(folder: Path | None, output: Path, png_dir: Path | None):
    """Write a report of FOLDER (a release, or a build; default: ./build) as one self-contained HTML page."""
    from builder.report import figures_png, render_report

    folder = folder or Path("build")
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder. Give a release (releases/X.Y.Z) or a build folder.")
    path = render_report(folder, output)
    click.echo(f"report written to {path}")
    if png_dir:
        click.echo(f"{len(figures_png(folder, png_dir))} charts drawn as PNG in {png_dir}")


COMMANDS = [report]
