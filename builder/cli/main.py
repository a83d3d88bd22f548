"""The `newscorpus` command: a thin layer over the library. Each command group lives in its own module."""

from __future__ import annotations

import sys

import click

from builder import __version__
from builder.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newscorpus")
def cli():
    """Build annotated, deduplicated, reproducible news corpora."""


def _register() -> None:
    from builder.cli import (annotate_commands, build_commands, list_commands, release_commands, report_commands,
                             review_commands)

    for module in (build_commands, list_commands, release_commands, annotate_commands, review_commands, report_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    _register()
    try:
        # A command that exits non-zero without an error (`verify` finding problems) returns its code here.
        code = cli.main(args=argv, prog_name="newscorpus", standalone_mode=False)
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
