"""`newscorpus release`, `verify` and `diff`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from builder.cli.writable import check_writable
from builder.config import CONFIG_NAME, config_here
from builder.release.card import LICENSE_NOTE
from builder.release.diff import diff_releases, format_diff
from builder.release.manifest import manifest_sha256
from builder.release.release import make_release
from builder.release.verify import verify_release


@click.command()
@click.argument("version")
@click.option("-b", "--build", "build_dir", type=click.Path(path_type=Path),
              help="Build output to release (default: build.output of the project here).")
@click.option("-r", "--releases", "releases_dir", type=click.Path(path_type=Path),
              help="Folder of releases (default: release.output, i.e. releases/).")
@click.option("-c", "--config", "config_path", type=click.Path(), help=f"Project config (default: ./{CONFIG_NAME}).")
def release(version: str, build_dir: Path | None, releases_dir: Path | None, config_path: str | None):
    """Cut release VERSION (MAJOR.MINOR.PATCH) from the build output into releases/VERSION/."""
    config = config_here(config_path)
    check_writable([
        ("releases folder", releases_dir or config.path(config.release.output), "Choose another with --releases"),
        ("work folder", config.path(config.build.work_dir), "Set build.work_dir in newscorpus.toml to another folder"),
    ])
    result = make_release(config, version, build_dir, releases_dir)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    stats = result.stats
    splits = ", ".join(f"{name} {stats.splits[name]}" for name in ("train", "validation", "test"))
    click.echo(f"release {version}: {sum(stats.splits.values())} documents ({splits}); "
               f"parent {result.parent or 'none'}")
    if result.staging_removed:
        click.echo(f"removed {result.staging_removed} unfinished staging folder(s) of a killed earlier release")
    click.echo(f"output: {result.folder}")
    if config.release.license == "other":
        click.echo(LICENSE_NOTE)
    click.echo(f"manifest sha256: {manifest_sha256(result.folder)} (pin it: `newscorpus verify {result.folder} "
               "--expect SHA256` then detects any change, the manifest's included)")


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--expect", "expect_sha256", metavar="SHA256",
              help="The manifest's sha256 as printed by `release` (or published with it); any other fails.")
def verify(directory: Path, expect_sha256: str | None):
    """Check a release against its MANIFEST.json and the manifest against the data: checksums, row counts,
    content digests, schemas, splits, the README's configs, missing or extra files."""
    problems = verify_release(directory, expect_sha256)
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.exceptions.Exit(1)
    pinned = " and the expected sha256" if expect_sha256 else ""
    click.echo(f"{directory}: OK, every file and table matches MANIFEST.json{pinned}")


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full difference as JSON.")
@click.option("--report", "report_path", is_flag=False, flag_value=Path("diff-report.html"), type=click.Path(path_type=Path),
              help="Also draw the difference as an HTML page (default file: diff-report.html).")
def diff(old: Path, new: Path, as_json: bool, report_path: Path | None):
    """Documents added, removed and changed from release OLD to NEW; annotation counts per layer and label."""
    if report_path:
        from builder.report import render_diff_report

        click.echo(f"report written to {render_diff_report(old, new, report_path)}", err=True)
    result = diff_releases(old, new)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(format_diff(result, old.name, new.name), nl=False)


COMMANDS = [release, verify, diff]
