"""The report's charts as PNG files, for a dataset card (`![...](figures/languages.png)`).

matplotlib draws them, not plotly: plotly's PNG export (kaleido) drives a Chrome of its own, which a
clean machine without a browser (or without network to fetch one) does not have. The charts are the same
Chart objects as the HTML page's, so the numbers are the same.
"""

from __future__ import annotations

from pathlib import Path

from builder.report.figures import Chart, charts
from builder.report.html import PALETTE
from builder.report.render import report_content


def _draw(chart: Chart, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display; must be chosen before pyplot is imported
    import matplotlib.pyplot as plt

    n = len(chart.labels)
    height = max(3.0, 0.28 * n + 1.2) if chart.horizontal else 3.6
    fig, ax = plt.subplots(figsize=(7.5, height), dpi=110)
    positions = list(range(n))
    width = 0.8 if chart.stacked else 0.8 / len(chart.series)
    base = [0.0] * n
    for k, (name, values) in enumerate(chart.series.items()):
        offset = positions if chart.stacked else [p - 0.4 + width * (k + 0.5) for p in positions]
        colour = PALETTE[k % len(PALETTE)]
        if chart.horizontal:
            ax.barh(offset, values, height=width, left=base, label=name, color=colour)
        else:
            ax.bar(offset, values, width=width, bottom=base, label=name, color=colour)
        if chart.stacked:
            base = [b + v for b, v in zip(base, values)]
    if chart.horizontal:
        ax.set_yticks(positions, chart.labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(chart.y_title)
    else:
        ax.set_xticks(positions, chart.labels, fontsize=8, rotation=45 if n > 8 else 0, ha="right" if n > 8 else "center")
        ax.set_ylabel(chart.y_title)
        ax.set_xlabel(chart.x_title)
    if len(chart.series) > 1:
        ax.legend(fontsize=8)
    ax.set_title(chart.title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})  # no version stamp: same data, same bytes
    plt.close(fig)


def figures_png(release: Path, folder: Path) -> list[Path]:
    """Draw every chart of the report of `release` (a release or build folder) as folder/<chart>.png."""
    _, sections = report_content(Path(release))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in charts(sections):
        path = folder / f"{chart.key}.png"
        _draw(chart, path)
        paths.append(path)
    return paths
