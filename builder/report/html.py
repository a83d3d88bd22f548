"""The report as one self-contained HTML page: plotly.js inlined, every chart beside its table.

Why plotly: it is well kept, its Python package ships the whole plotly.js bundle (so the page needs no
network when it is viewed), its charts show their numbers on hover, and it needs no JavaScript toolchain.
The page builds its charts from JSON specs with Plotly.newPlot (we do not build plotly Figure objects in
Python: their validation costs more than the rest of the report). Once every chart has drawn, the page sets
<body data-charts-drawn="N">, which the browser test waits for.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

from builder.report.figures import Chart, Empty, Section, Table

PALETTE = ["#2f6db5", "#e07b39", "#3a9d5d", "#c2453d", "#7e5cad", "#8c6d46", "#d16ba5", "#6b7a8f"]

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#b9c0cc}main{padding:8px 32px 40px;max-width:1400px}
h2{margin:28px 0 10px;font-size:18px;border-bottom:2px solid #d9dde4;padding-bottom:4px}
dl.summary{display:flex;flex-wrap:wrap;gap:10px;margin:18px 0}
dl.summary div{background:#fff;border-radius:6px;padding:8px 14px;box-shadow:0 1px 2px #0002;min-width:90px}
dl.summary dt{color:#5b6475;font-size:12px}dl.summary dd{margin:0;font-size:20px;font-weight:600}
.item{display:flex;gap:16px;background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;margin:12px 0;padding:12px}
.item h3{margin:0 0 6px;font-size:15px}.chart{min-width:0}
.numbers{flex:0 0 34%;max-height:560px;overflow:auto}.wide{flex:1 1 100%;max-height:420px;overflow:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{padding:3px 8px;border-bottom:1px solid #eceef2;text-align:left}
th{position:sticky;top:0;background:#f0f2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#5b6475;font-size:12.5px;margin:4px 0 0}.empty{color:#7a8396;font-style:italic;padding:18px 4px}
"""

SCRIPT = """
const specs = JSON.parse(document.getElementById('chart-specs').textContent);
const drawn = specs.map(s => Plotly.newPlot(s.key, s.data, s.layout, {displayModeBar: false, responsive: true}));
Promise.all(drawn).then(() => { document.body.dataset.chartsDrawn = String(specs.length); });
"""


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _esc(value) -> str:
    return html.escape(str(value))


def _cell(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"<td>{_esc(value)}</td>"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"
    return f'<td class="n" data-value="{value}">{text}</td>'


def _table_html(key: str, columns: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table data-table="{_esc(key)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart_spec(chart: Chart) -> dict:
    """plotly.js data and layout for a chart: bars, one trace per series, numbers on hover."""
    traces = []
    for n, (name, values) in enumerate(chart.series.items()):
        axis = {"y": chart.labels, "x": values, "orientation": "h"} if chart.horizontal else {"x": chart.labels, "y": values}
        traces.append({"type": "bar", "name": name, **axis, "marker": {"color": PALETTE[n % len(PALETTE)]},
                       "hovertemplate": f"%{{{'y' if chart.horizontal else 'x'}}}: %{{{'x' if chart.horizontal else 'y'}:,}}"
                                        f" {_esc(name)}<extra></extra>"})
    category = {"type": "category", "automargin": True, "title": {"text": chart.x_title}}
    value = {"title": {"text": chart.y_title, "standoff": 8}, "rangemode": "tozero", "automargin": True}
    if chart.horizontal:
        category["autorange"] = "reversed"  # largest first, at the top
    layout = {"margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "barmode": "stack" if chart.stacked else "group",
              "showlegend": len(chart.series) > 1, "legend": {"orientation": "h", "y": 1.08},
              "xaxis": value if chart.horizontal else category, "yaxis": category if chart.horizontal else value,
              "font": {"size": 12}, "plot_bgcolor": "#fff", "paper_bgcolor": "#fff", "height": chart_height(chart)}
    return {"key": f"chart-{chart.key}", "data": traces, "layout": layout}


def chart_height(chart: Chart) -> int:
    """Pixels: a horizontal chart grows with its bars so that every label stays readable."""
    return max(300, 24 * len(chart.labels) + 90) if chart.horizontal else 340


def chart_rows(chart: Chart) -> tuple[list[str], list[list]]:
    columns = [chart.x_title or "label", *chart.series, *chart.extra]
    values = [*chart.series.values(), *chart.extra.values()]
    return columns, [[label, *(v[i] for v in values)] for i, label in enumerate(chart.labels)]


def _item_html(item) -> str:
    note = f'<p class="note">{_esc(item.note)}</p>' if getattr(item, "note", "") else ""
    if isinstance(item, Chart):
        columns, rows = chart_rows(item)
        return (f'<section class="item" data-item="{_esc(item.key)}"><div style="flex:1 1 62%;min-width:0">'
                f'<h3>{_esc(item.title)}</h3><div class="chart" id="chart-{_esc(item.key)}"></div>{note}</div>'
                f'<div class="numbers">{_table_html(item.key, columns, rows)}</div></section>')
    if isinstance(item, Table):
        return (f'<section class="item" data-item="{_esc(item.key)}"><div class="wide"><h3>{_esc(item.title)}</h3>'
                f'{_table_html(item.key, item.columns, item.rows)}{note}</div></section>')
    assert isinstance(item, Empty)
    return (f'<section class="item" data-item="{_esc(item.key)}"><div class="wide"><h3>{_esc(item.title)}</h3>'
            f'<p class="empty" data-empty="{_esc(item.key)}">{_esc(item.message)}</p></div></section>')


def render_page(title: str, subtitle: str, summary: dict, sections: list[Section]) -> str:
    cards = "".join(f'<div><dt>{_esc(k)}</dt><dd data-stat="{_esc(k)}" data-value="{v}">{v:,}</dd></div>'
                    for k, v in summary.items())
    body = "".join(f"<h2>{_esc(s.title)}</h2>" + "".join(_item_html(i) for i in s.items) for s in sections)
    specs = [chart_spec(item) for s in sections for item in s.items if isinstance(item, Chart)]
    # "</" must not appear inside a <script> element: escape it in the JSON.
    specs_json = json.dumps(specs, ensure_ascii=False).replace("</", "<\\/")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
        f'<body data-charts="{len(specs)}"><header><h1>{_esc(title)}</h1><p>{_esc(subtitle)}</p></header><main>'
        f'<dl class="summary">{cards}</dl>{body}</main>'
        f'<script type="application/json" id="chart-specs">{specs_json}</script>'
        f"<script>{_plotly_js()}</script><script>{SCRIPT}</script></body></html>"
    )
