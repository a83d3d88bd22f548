"""Build throughput and peak memory of `newscorpus build`, against a bare trafilatura loop in the same run.

Inputs: the real pages of ../shared/corpora (scrapinghub_aeb/html, wcxb_dev_articles/html and the
response records of warc_samples/warc/*.warc.gz). Every measurement runs in a fresh Python process with
a fresh, empty work folder (no cache hits), and the parent samples the RSS/PSS of that process tree.

  1. bare loop: `trafilatura.extract` over the same pages, one process (the baseline)
  2. newscorpus build (library API), workers=1, annotation switched off       goal >= 0.8x the bare loop
  3. newscorpus build, workers=2, annotation switched off                     goal >= 1.7x the bare loop
  4. peak memory of the build at 1x and 5x the corpus (5 copies under distinct names)  goal 5x <= 1.3x 1x
  --ceiling: also the bare loop split over two processes (every other page each): what two workers
  could reach on this machine if the build cost no more CPU than the bare loop
  --against REV: also the same builds (workers=1 and 2) from the code of git revision REV, interleaved with
  this tree's in every round, with the ratio of each and whether both wrote the same Parquet bytes: a
  before/after of a change in one run, on the same machine state

    python bench/bench_build.py [--repeat N] [--no-memory] [--ceiling] [--annotate] [--against REV] [--no-record]

Results are printed and recorded in bench/README.md (section "Issue 2") unless --no-record.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
INPUTS = ["scrapinghub_aeb/html", "wcxb_dev_articles/html", "warc_samples/warc"]
README = REPO / "bench" / "README.md"
SECTION = "## Issue 2: build throughput and peak memory (bench/bench_build.py)"


# ---------------------------------------------------------------- child processes (one measurement each)

def _warc_pages(path: Path):
    """Response payloads of a WARC with an HTML-ish content type: the pages newscorpus extracts."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as raw:
        for record in ArchiveIterator(raw):
            if record.rec_type != "response" or not record.http_headers:
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
            if record.http_headers.get_statuscode() == "200" and any(t in ctype for t in ("html", "xml")):
                yield record.content_stream().read(), record.rec_headers.get_header("WARC-Target-URI")


def _all_pages(inputs: list[Path]):
    for root in inputs:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.name.endswith(".warc.gz"):
                yield from _warc_pages(path)
            else:
                yield path.read_bytes(), None


def child_bare(inputs: list[Path], matched: bool, part: int | None = None) -> dict:
    """The baseline: read every page and call trafilatura.extract on it, nothing else (with `part`, only
    every other page, starting at that one)."""
    import trafilatura

    # newscorpus's trafilatura call: links kept, comments dropped, metadata read by builder.ingest.metadata
    options = dict(include_links=True, include_comments=False, include_tables=True, deduplicate=False,
                   favor_recall=True) if matched else {}
    start = time.perf_counter()
    pages = extracted = 0
    for index, (data, url) in enumerate(_all_pages(inputs)):
        if part is not None and index % 2 != part:
            continue
        pages += 1
        extracted += trafilatura.extract(data, url=url, **options) is not None
    return {"seconds": time.perf_counter() - start, "pages": pages, "documents": extracted}


def child_bare_split(inputs: list[Path]) -> dict:
    """The bare loop in two processes at once, half the pages each: the speed-up two cores allow."""
    import importlib
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    importlib.import_module("trafilatura")  # before the fork, as the one-process loop imports it before its clock
    start = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        halves = list(pool.map(child_bare, [inputs, inputs], [False, False], [0, 1]))
    return {"seconds": time.perf_counter() - start, "pages": sum(h["pages"] for h in halves),
            "documents": sum(h["documents"] for h in halves)}


def _annotation_off() -> dict:
    """Every on/off switch of the annotate section set to False (whatever layers exist today)."""
    from builder.annotate.config import AnnotateConfig

    return {name: False for name, field in AnnotateConfig.model_fields.items() if field.annotation is bool}


def _output_digest(folder: Path) -> str:
    """One sha256 over every Parquet file of a build output (relative path and bytes): equal digests mean
    byte-identical tables."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.parquet")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def child_build(inputs: list[Path], workers: int, annotate: bool) -> dict:
    from builder.config import parse_config

    try:
        from builder.pipeline import build
    except ImportError:  # revisions before the engine restructure (--against) kept the recipe in the engine
        from builder.engine.pipeline import build

    scratch = Path(tempfile.mkdtemp(prefix="nc-bench-build-"))  # fresh work folder: no cache hits
    try:
        config = parse_config({
            "build": {"inputs": [str(p) for p in inputs], "output": str(scratch / "out"),
                      "work_dir": str(scratch / "work"), "workers": workers},
            "language": {"keep": []},
            "annotate": {} if annotate else _annotation_off(),
        })
        start = time.perf_counter()
        result = build(config)
        seconds = time.perf_counter() - start
        output = _output_digest(scratch / "out")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"seconds": seconds, "pages": result.pages_read, "documents": result.summary.get("documents"),
            "rejects": len(result.rejects), "reused": result.shards_reused, "output_sha256": output}


# ---------------------------------------------------------------- parent: run, sample memory, report

_TICK = os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> dict[int, float]:
    """root and all its descendants (forkserver, workers, extractor children) -> CPU seconds used so far."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        found[pid] = cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return found


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; PSS splits pages shared with the forkserver fairly."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_child(args: list, script: str = __file__, code: Path | None = None) -> dict:
    """Run one measurement (`script --child ARGS`) in a fresh interpreter; returns its figures plus the tree's
    peak memory and CPU seconds. `code`: a checkout whose `builder` package the child imports instead of ours."""
    command = [sys.executable, script, "--child", json.dumps(args)]
    env = None if code is None else {**os.environ, "PYTHONPATH": str(code)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    peak = {"rss": 0, "pss": 0}
    # CPU per process as last seen: an extractor child orphaned at exit is never reaped by the tree,
    # so wait4's rusage would miss it; the samples do not.
    cpu: dict[int, float] = {}
    load = os.getloadavg()[0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree = _tree(process.pid)
            cpu.update(tree)
            totals = [_memory_kib(pid) for pid in tree]
            peak["rss"] = max(peak["rss"], sum(t[0] for t in totals))
            peak["pss"] = max(peak["pss"], sum(t[1] for t in totals))
            done.wait(0.25)  # 4 Hz: a /proc scan costs ~1% of a core; getrusage cross-checks spikes

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)  # this child's rusage only (its reaped children included)
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"measurement {args} failed with exit code {process.returncode}")
    figures = json.loads(output.strip().splitlines()[-1])
    figures.update(peak_rss_mib=peak["rss"] / 1024, peak_pss_mib=peak["pss"] / 1024,
                   max_single_rss_mib=usage.ru_maxrss / 1024, load=load,
                   cpu_seconds=max(sum(cpu.values()), usage.ru_utime + usage.ru_stime))
    print(f"{Path(script).stem}: {args[0]} {args[2:]}: {figures}", file=sys.stderr, flush=True)
    return figures


def scaled_corpus(folder: Path, copies: int, names: list[str]) -> list[Path]:
    """`copies` copies of the inputs under distinct file names (exact duplicates: dedup drops them)."""
    roots = []
    for k in range(copies):
        for name in names:
            source = CORPORA / name
            root = folder / f"copy{k}" / name
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                # a copy, not a link: the build reads each physical file once (device+inode), so hard
                # links to one file would be read once and the 5x corpus would be 1x
                target = root / path.relative_to(source).with_name(f"c{k}-{path.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            roots.append(root)
    return roots


def _rate(row: dict) -> float:
    return row["pages"] / row["seconds"]


def _best(rows: list[dict]) -> dict:
    """The fastest of the repeats: the least disturbed by whatever else shares the two cores."""
    return min(rows, key=lambda r: r["seconds"])


def _git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "builder")
    return git("rev-parse", "--short", "HEAD") + (" (+ uncommitted changes in builder/)" if dirty else "")


@contextlib.contextmanager
def checkout(revision: str | None):
    """A temporary worktree of `revision` (None: nothing), removed afterwards."""
    if revision is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="nc-bench-rev-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(tree), revision],
                       check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)


def measure(options) -> str:
    with checkout(options.against) as other:
        return _measure(options, other)


def _measure(options, other: Path | None) -> str:
    inputs = [CORPORA / name for name in INPUTS]
    rounds = {**({} if options.builds_only else {"bare": [], "bare-matched": []}), "w1": [], "w2": [], **({"split": []} if options.ceiling else {}),
              **({"w1-rev": [], "w2-rev": []} if other else {})}
    paths = [str(p) for p in inputs]
    for _ in range(options.repeat):  # interleaved, so a burst of load elsewhere hits every variant alike
        if not options.builds_only:  # a before/after of the build alone needs no bare loop
            rounds["bare"].append(run_child(["bare", paths, False]))
            rounds["bare-matched"].append(run_child(["bare", paths, True]))
        if options.ceiling:
            rounds["split"].append(run_child(["bare-split", paths]))
        for workers in (1, 2):
            rounds[f"w{workers}"].append(run_child(["build", paths, workers, False]))
            if other:
                rounds[f"w{workers}-rev"].append(run_child(["build", paths, workers, False], code=other))
    best = {key: _best(rows) for key, rows in rounds.items()}
    best.setdefault("bare", best["w1"])  # --builds-only: ratios are to this tree's workers=1 build
    base = _rate(best["bare"])

    lines = [
        f"| run | pages | documents out | wall s | pages/s | vs {'workers=1' if options.builds_only else 'bare loop'} "
        f"| CPU s (tree) | CPU vs first | load at start "
        "| peak RSS tree (MiB) | peak PSS tree (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_cpu = best["bare"]["cpu_seconds"] / best["bare"]["pages"]

    def row(label, figures, goal=""):
        per_page = figures["cpu_seconds"] / figures["pages"]
        lines.append(f"| {label} | {figures['pages']} | {figures['documents']} | {figures['seconds']:.1f} | "
                     f"{_rate(figures):.1f} | {_rate(figures) / base:.2f}x{goal} | {figures['cpu_seconds']:.1f} | "
                     f"{base_cpu / per_page:.2f}x | {figures['load']:.1f} | {figures['peak_rss_mib']:.0f} | "
                     f"{figures['peak_pss_mib']:.0f} |")

    if not options.builds_only:
        row("bare loop `trafilatura.extract(page)`, 1 process (baseline)", best["bare"])
    if options.ceiling:
        row("bare loop split over 2 processes, half the pages each (the ceiling of 2 cores)", best["split"])
    if not options.builds_only:
        row("bare loop, newscorpus's trafilatura options (favor_recall, links on, comments off)", best["bare-matched"])
    goals = ("", "") if options.builds_only else (" (goal >= 0.8x)", " (goal >= 1.7x)")
    row("newscorpus build, workers=1, annotation off", best["w1"], goals[0])
    row("newscorpus build, workers=2, annotation off", best["w2"], goals[1])
    if other:
        for workers in (1, 2):
            row(f"newscorpus build at {options.against}, workers={workers}, annotation off", best[f"w{workers}-rev"])
        lines.append("")
        for workers in (1, 2):
            ours, theirs = best[f"w{workers}"], best[f"w{workers}-rev"]
            same = {r["output_sha256"] for r in rounds[f"w{workers}"] + rounds[f"w{workers}-rev"]}
            lines.append(f"workers={workers}: this tree / {options.against}: wall {ours['seconds'] / theirs['seconds']:.3f}x, "
                         f"CPU {ours['cpu_seconds'] / theirs['cpu_seconds']:.3f}x, peak RSS "
                         f"{ours['peak_rss_mib'] / theirs['peak_rss_mib']:.3f}x (best of {options.repeat}); Parquet output "
                         + ("byte-identical in every run" if len(same) == 1 else f"DIFFERS ({len(same)} distinct digests)"))
    if options.annotate:
        row("newscorpus build, workers=2, annotation on",
            run_child(["build", [str(p) for p in inputs], 2, True]))

    if not options.no_memory:
        with tempfile.TemporaryDirectory(prefix="nc-bench-scaled-") as tmp:
            peaks = {}
            for copies in (1, 5):
                roots = scaled_corpus(Path(tmp) / f"x{copies}", copies, options.memory_inputs)
                figures = run_child(["build", [str(p) for p in roots], options.memory_workers, False])
                peaks[copies] = figures
                row(f"memory: {copies}x {'+'.join(options.memory_inputs)}, workers={options.memory_workers}, annotation off", figures)
        ratio_rss = peaks[5]["peak_rss_mib"] / peaks[1]["peak_rss_mib"]
        ratio_pss = peaks[5]["peak_pss_mib"] / peaks[1]["peak_pss_mib"]
        lines.append("")
        lines.append(f"Peak memory 5x / 1x: RSS of the process tree {ratio_rss:.2f}x, PSS {ratio_pss:.2f}x "
                     f"(goal <= 1.3x); largest single process {peaks[1]['max_single_rss_mib']:.0f} MiB at 1x, "
                     f"{peaks[5]['max_single_rss_mib']:.0f} MiB at 5x (getrusage).")
    lines.append("")
    lines.append(f"Best of {options.repeat} interleaved run(s) per throughput row; each run a fresh process and a "
                 f"fresh empty work folder (no cache hits); ratios are pages/s (wall) and pages per CPU second "
                 f"(all processes of the tree, sampled from /proc) over the first row's. The machine is shared: "
                 f"'load at start' is the 1-minute load average when the run began.")
    return "\n".join(lines)


def record(table: str, command: str, first_commit: str) -> None:
    import trafilatura

    last = _git_commit()  # others commit while a long run goes on: each child imports the tree of its start
    commits = last if last == first_commit else f"{first_commit} (start) to {last} (end)"
    header = (f"\n### {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commits}\n\n"
              f"`{command}` — machine: nproc {os.cpu_count()}, Python {platform.python_version()}, "
              f"trafilatura {trafilatura.__version__}, {platform.machine()} Linux {platform.release()}.\n\n")
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    start = text.index(SECTION) + len(SECTION)
    following = text.find("\n## ", start)  # results go at the end of this section, not of the file
    end = len(text) if following == -1 else following
    text = text[:end].rstrip("\n") + "\n" + header + table + "\n" + text[end:]
    README.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds of the throughput runs")
    parser.add_argument("--no-memory", action="store_true", help="skip the 1x/5x peak memory runs")
    parser.add_argument("--memory-workers", type=int, default=2, help="workers of the memory runs")
    parser.add_argument("--memory-inputs", nargs="+", default=INPUTS, choices=INPUTS, metavar="FOLDER",
                        help=f"corpus folders scaled 1x and 5x for the memory runs (default: all of {INPUTS})")
    parser.add_argument("--ceiling", action="store_true", help="also time the bare loop split over 2 processes")
    parser.add_argument("--annotate", action="store_true", help="also time a build with annotation on")
    parser.add_argument("--builds-only", action="store_true",
                        help="no bare trafilatura loops (ratios are then to the workers=1 build): for --against")
    parser.add_argument("--against", metavar="REV", help="also build with the code of this git revision, interleaved")
    parser.add_argument("--no-record", action="store_true", help="print only; do not write bench/README.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child:
        kind, paths, *rest = json.loads(options.child)
        inputs = [Path(p) for p in paths]
        children = {"bare": child_bare, "bare-split": child_bare_split, "build": child_build}
        figures = children[kind](inputs, *rest)
        print(json.dumps(figures))
        return
    if not CORPORA.is_dir():
        print(f"bench_build: {CORPORA} is absent (it holds the real pages this benchmark reads); nothing measured.")
        return
    command = "python bench/bench_build.py " + " ".join(sys.argv[1:])
    first_commit = _git_commit()
    table = measure(options)
    print(table)
    if not options.no_record:
        record(table, command.strip(), first_commit)
        print(f"\nrecorded in {README}")


if __name__ == "__main__":
    main()
