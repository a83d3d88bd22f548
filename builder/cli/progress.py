"""A live progress display for a build: one line per step (pages extracted, shards cleaned, deduplicated,
annotated) with counts, rate and time. Written to stderr, and only to a terminal: piped or in CI it prints
nothing, so logs and captured output hold only the result."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

# The engine names a step by its first stage; what a person reads for each.
STEP_LABELS = {"extract": ("extracting", "pages"), "clean": ("cleaning", "shards"), "dedup": ("deduplicating", "shards")}
DEFAULT_LABEL = ("annotating", "shards")


class RateColumn(ProgressColumn):
    """Units per second, once rich has measured a speed."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {task.fields['unit']}/s" if speed else "", style="progress.data.speed")


class BuildProgress:
    """The build's on_progress callback: (units done, step) -> a line per step."""

    def __init__(self, console: Console):
        self.progress = Progress(TextColumn("[bold]{task.description:<14}"), BarColumn(),
                                 TextColumn("{task.completed:,} {task.fields[unit]}"), RateColumn(),
                                 TimeElapsedColumn(), console=console, transient=True,
                                 disable=not console.is_terminal)
        self.tasks: dict[str, int] = {}  # label -> rich task id

    def __call__(self, units: int, step: str) -> None:
        label, unit = STEP_LABELS.get(step.split("+")[0], DEFAULT_LABEL)  # every annotation layer: one line
        if label not in self.tasks:
            for earlier in self.tasks.values():  # steps run one after another: the clock of a finished one stops
                self.progress.stop_task(earlier)
            self.tasks[label] = self.progress.add_task(label, total=None, unit=unit)
        self.progress.advance(self.tasks[label], units)

    def __enter__(self) -> "BuildProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()
