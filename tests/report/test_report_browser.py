"""The report opened in a real headless Chromium (Debian's), driven over the DevTools protocol.

Checks what a person would see: the page loads with no console error, every chart has drawn an SVG, and
the numbers in the tables and in the charts equal counts read from the Parquet files here, independently
of the report code. A screenshot is written next to the report for inspection (path printed with -s).
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from builder.report import render_diff_report, render_report

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                "(apt-get install -y chromium); .ci/run installs it")
websocket = pytest.importorskip("websocket", reason="needs websocket-client (pip install -e '.[test]')")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--window-size=1400,1000", "--hide-scrollbars"]


class Browser:
    """A headless Chromium and one page of it, spoken to with DevTools protocol messages."""

    def __init__(self, profile: Path):
        self.process = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, expression: str, timeout: float = 30) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
        return found

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        if getattr(self, "socket", None):
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium for the module (starting one costs seconds); each test opens its own page in it."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    opened = Browser(profile)
    yield opened
    opened.close()
    shutil.rmtree(profile, ignore_errors=True)


def _open(browser: Browser, page: Path) -> None:
    browser.events.clear()  # errors are counted per page
    browser.call("Page.navigate", url=page.resolve().as_uri())
    browser.wait_for("document.readyState === 'complete'")
    browser.wait_for("document.body && document.body.dataset.chartsDrawn !== undefined")


def _table(browser: Browser, key: str) -> dict[str, list]:
    """First column -> the other cells (numbers as numbers) of a table of the page."""
    rows = browser.evaluate(f"""[...document.querySelectorAll('table[data-table="{key}"] tbody tr')].map(
        tr => [...tr.cells].map(td => td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent))""")
    return {row[0]: row[1:] for row in rows}


def _drawn_charts(browser: Browser) -> tuple[int, int, int]:
    """(charts declared, chart containers on the page, containers holding a drawn plot with bars)."""
    return tuple(browser.evaluate("""[Number(document.body.dataset.charts),
        document.querySelectorAll('div.chart').length,
        [...document.querySelectorAll('div.chart')].filter(
            d => d.querySelector('svg.main-svg') && d.querySelectorAll('g.point path').length > 0).length]"""))


def test_build_report_in_chromium(examples_build, browser, tmp_path):
    out = render_report(examples_build, tmp_path / "report.html")
    _open(browser, out)
    browser.screenshot(tmp_path / "report.png")
    print(f"\nscreenshot: {tmp_path / 'report.png'}")
    assert browser.errors() == []

    declared, containers, drawn = _drawn_charts(browser)
    assert declared == containers == drawn > 0

    # Counts read here from the build's own Parquet files.
    docs = pq.read_table(examples_build / "data/documents/train-00000-of-00001.parquet",
                         columns=["id", "language", "site", "cluster_id"]).to_pylist()
    reasons = Counter(pq.read_table(examples_build / "data/rejects/train-00000-of-00001.parquet",
                                    columns=["reason"]).column("reason").to_pylist())
    languages = Counter(d["language"] for d in docs)
    assert {k: v[0] for k, v in _table(browser, "languages").items()} == languages
    assert {k: v[0] for k, v in _table(browser, "rejects").items()} == reasons
    sites = Counter(d["site"] or "(unknown)" for d in docs)
    assert len(sites) <= 20  # the examples have fewer sites than the chart's top 20: all are listed
    assert {k: v[0] for k, v in _table(browser, "sites").items()} == sites
    assert browser.evaluate("Number(document.querySelector('[data-stat=documents]').dataset.value)") == len(docs)
    assert browser.evaluate("Number(document.querySelector('[data-stat=rejects]').dataset.value)") == sum(reasons.values())

    # The chart itself (not only its table) carries the numbers.
    plotted = browser.evaluate("""(() => { const t = document.getElementById('chart-languages').data[0];
        return Object.fromEntries(t.x.map((k, i) => [k, t.y[i]])); })()""")
    assert plotted == languages
    sizes = Counter(Counter(d["cluster_id"] or d["id"] for d in docs).values())
    assert {int(k): v[0] for k, v in _table(browser, "cluster-sizes").items()} == sizes

    # A layer with no data shows a message instead of a chart (or a drawn chart when annotations exist).
    for layer, key in (("entities", "entity-labels"), ("claims", "claims-per-document"), ("sources", "source-kinds")):
        full = pq.read_table(examples_build / "data/documents/train-00000-of-00001.parquet", columns=[layer])
        spans = sum(len(v) for v in full.column(layer).to_pylist())
        if spans == 0:
            assert browser.evaluate(f"!!document.querySelector('[data-empty=\"{key}\"]')"), layer
        else:
            assert sum(v[0] for v in _table(browser, key).values()) > 0, layer


def test_release_report_in_chromium(examples_release, browser, tmp_path):
    out = render_report(examples_release, tmp_path / "release.html")
    _open(browser, out)
    browser.screenshot(tmp_path / "release.png")
    assert browser.errors() == []
    declared, containers, drawn = _drawn_charts(browser)
    assert declared == containers == drawn > 0
    files = sorted((examples_release / "data/documents").glob("*.parquet"))
    languages = Counter(v for f in files for v in pq.read_table(f, columns=["language"]).column("language").to_pylist())
    assert {k: v[0] for k, v in _table(browser, "languages").items()} == languages
    names = json.loads((examples_release / "MANIFEST.json").read_text(encoding="utf-8"))["entity_labels"]
    labels = Counter(names[v] for f in sorted((examples_release / "data/entities").glob("*.parquet"))
                     for v in pq.read_table(f, columns=["label"]).column("label").to_pylist())
    if labels:
        assert {k: v[0] for k, v in _table(browser, "entity-labels").items()} == labels


def test_diff_report_in_chromium(examples_build, browser, tmp_path):
    out = render_diff_report(examples_build, examples_build, tmp_path / "diff.html")
    _open(browser, out)
    browser.screenshot(tmp_path / "diff.png")
    assert browser.errors() == []
    declared, containers, drawn = _drawn_charts(browser)
    assert declared == containers == drawn > 0
    n = pq.read_metadata(examples_build / "data/documents/train-00000-of-00001.parquet").num_rows
    assert {k: v[0] for k, v in _table(browser, "changes").items()} == {"added": 0, "removed": 0, "changed": 0,
                                                                        "unchanged": n}
