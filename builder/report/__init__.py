"""Corpus reports: one static HTML page of charts and tables for a build, a release, or two releases.

corpus.py  opens a build or release folder as Arrow tables (documents + flat entity/claim/source tables)
figures.py computes the report's sections as plain data (Chart, Table, Empty)
html.py    draws them as one self-contained page (plotly.js inlined)
png.py     draws the same charts as PNG files (matplotlib) for a dataset card
diff.py    the report of what differs between two builds or releases
"""

from builder.report.diff import render_diff_report
from builder.report.png import figures_png
from builder.report.render import render_report

__all__ = ["figures_png", "render_diff_report", "render_report"]
