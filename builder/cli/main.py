"""The `newscorpus` command: a thin layer over the library. Each command group lives in its own module.

The command modules import the library (spaCy, datasets, pyarrow: seconds), so this one names every
command and its short help without importing them: `newscorpus --help` answers at once, and a command
imports its own module only when it runs (tests/cli/test_cli_startup.py keeps the table true).
"""

from __future__ import annotations

import importlib
import sys

import click

from builder import __version__
from builder.errors import UserError
from builder.heap import arrow_uses_malloc

# Command name -> (module in builder.cli, attribute there, short help: the docstring's first sentence).
COMMANDS = {
    "init": ("build_commands", "init",
             "Scaffold a new corpus project in DIRECTORY (config, annotations/, dataset_card.md)."),
    "build": ("build_commands", "build", "Build the dataset."),
    "show": ("build_commands", "show", "Print one document: metadata, clean text, links, removals and annotations."),
    "ls": ("list_commands", "ls",
           "List the documents of a build (default: the project's) or release FOLDER: id, site, date, title, language."),
    "release": ("release_commands", "release",
                "Cut release VERSION (MAJOR.MINOR.PATCH) from the build output into releases/VERSION/."),
    "verify": ("release_commands", "verify",
               "Check a release against its MANIFEST.json and the manifest against the data: checksums, row counts, "
               "content digests, schemas, splits, the README's configs, missing or extra files."),
    "diff": ("release_commands", "diff",
             "Documents added, removed and changed from release OLD to NEW; annotation counts per layer and label."),
    "annotate": ("annotate_commands", "annotate",
                 'Annotate texts: {"id", "text"} lines in, the same records with their annotations out.'),
    "eval": ("annotate_commands", "eval_command",
             "Score the annotators against a gold file: P/R/F1 per label, exact and overlap match."),
    "review": ("review_commands", "review",
               "Review one annotation layer in a full-screen terminal app (keys: press ? inside)."),
    "export": ("review_commands", "export", "Export the merged view of one layer for Label Studio (JSON file), "
               "Prodigy (JSONL file) or brat (folder); or the entities as spaCy training data (folder: train.spacy, "
               "dev.spacy, test.spacy, split as a release)."),
    "import": ("review_commands", "import_",
               "Import what people changed in Label Studio, Prodigy or brat as their review decisions."),
    "agreement": ("review_commands", "agreement_command", "Agreement between annotators: span F1 per label (exact, "
                  "overlap), kappa on claim kinds, disagreements."),
    "report": ("report_commands", "report", "Write a report of FOLDER (a release, or a build; default: ./build) as "
               "one self-contained HTML page."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one of them runs (or is asked for its own help)."""

    def list_commands(self, ctx) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"builder.cli.{module}"), attribute)

    def format_commands(self, ctx, formatter) -> None:
        """The commands with their short help from the table (click's own would import every module)."""
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newscorpus")
def cli():
    """Build annotated, deduplicated, reproducible news corpora."""


def main(argv: list[str] | None = None) -> int:
    arrow_uses_malloc()  # before any command imports pyarrow (builder/heap.py)
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
