"""Scale: the whole build on >= 20,000 documents against a datatrove pipeline in the same run, and the cost
of an incremental build that adds 1% new pages.

Input: the article pages of ../shared/corpora (scrapinghub_aeb and wcxb_dev_articles, 974 pages) replicated
to --documents JSONL records ({"id", "url", "html"}). Every replica differs: its URL gets a path segment
and its first paragraph a sentence naming the replica, so copies are near duplicates, not exact ones.
The records are split over --files-per-worker x --workers files (default 4 per worker, same pages in the
same order for both tools): datatrove hands whole files to its tasks, so fewer files than tasks would leave
its workers idle and inflate its wall time (the 3-file layout of the first runs did: 1.1 busy cores).

  1. rounds, interleaved (newscorpus, datatrove, newscorpus, datatrove, ...), fresh work folders:
     newscorpus build, local engine, --workers, annotation off (ingest, extract, clean, language, dedup, write);
     datatrove (bench only, bench/requirements.txt), LocalPipelineExecutor with the same worker count and one
     task per input file: JsonlReader -> Trafilatura -> language (langdetect, as newscorpus: datatrove's
     fastText model is a download, which this machine cannot do) -> JsonlWriter + MinhashDedupSignature;
     buckets; cluster; JsonlReader -> MinhashDedupFilter -> ParquetWriter.
     Per round: wall and CPU seconds of each side's whole process tree, their ratios, mean busy cores
     (CPU s / wall s) and peak summed RSS of the tree; the table gives the median and range over rounds.
  2. incremental: 1% new replicas as one more input file, the last round's work folder   goal <= 10% of (1)

--annotated instead measures the annotated build (entities, sources, claims) at 1x and 3x the corpus pages
(3x: every page three times under a distinct URL, near duplicates), fresh work folder each: time, CPU and
peak memory, and the 3x/1x ratios (cost should grow linearly, memory stay flat).

--engines instead compares the engines on one machine (issue 9: the local engine stays the fastest):
the same build, fresh work folder each, local (baseline) then Ray (the [ray] extra), same workers.

Each run is a fresh Python process; the parent samples its process tree (RSS, CPU per process) at 4 Hz.

    pip install -r bench/requirements.txt      # datatrove and what its pipeline needs, bench only
    python bench/bench_scale.py [--documents 20000] [--rounds 3] [--workers 2] [--no-record]
    python bench/bench_scale.py --annotated
    python bench/bench_scale.py --engines --documents 2000
    python bench/bench_scale.py --ours-only --rounds 1      # newscorpus alone: peak memory, no time figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
SOURCES = ["scrapinghub_aeb", "wcxb_dev_articles"]
README = REPO / "bench" / "README.md"
SECTION = "## Issue 9: scale"
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_build  # noqa: E402  (the same /proc sampling of a child's process tree)


# ---------------------------------------------------------------- input

def _pages() -> list[tuple[str, str]]:
    pages = []
    for source in SOURCES:
        for line in (CORPORA / source / "manifest.jsonl").read_text().splitlines():
            entry = json.loads(line)
            html = (CORPORA / source / entry["html"]).read_text(encoding="utf-8", errors="replace")
            pages.append((entry["url"], html))
    return pages


def _replica(url: str, html: str, number: int) -> dict:
    scheme, _, rest = (url or "").rpartition("://")
    scheme, rest = scheme or "https", rest or "bench.invalid/page"
    host, _, path = rest.partition("/")
    sentence = f"Edition {number} of this page carries note {number * 7919 % 100003} for the scale benchmark. "
    varied, count = re.subn(r"<p(\s[^>]*)?>", lambda m: m.group(0) + sentence, html, count=1)
    if not count:
        varied = html.replace("</body>", f"<p>{sentence}</p></body>", 1)
    return {"id": f"r{number:07d}", "url": f"{scheme}://{host}/r{number}/{path}", "html": varied}


def write_input(folder: Path, first: int, count: int, pages: list, per_file: int, name: str = "part") -> int:
    """Write `count` replicas starting at `first`, `per_file` records a file; returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = None
    for i in range(first, first + count):
        if (i - first) % per_file == 0:
            if handle:
                handle.close()
            handle = open(folder / f"{name}-{i:07d}.jsonl", "w", encoding="utf-8")
        url, html = pages[i % len(pages)]
        handle.write(json.dumps(_replica(url, html, i)) + "\n")
    if handle:
        handle.close()
    return -(-count // per_file)


# ---------------------------------------------------------------- child processes

def child_newscorpus(inputs: str, work: str, output: str, workers: int, annotate: bool, engine: str = "local") -> dict:
    from builder.heap import arrow_uses_malloc

    arrow_uses_malloc()  # as the command line does, before pyarrow is imported
    from builder.config import parse_config
    from builder.pipeline import build

    off = {} if annotate else {"annotate": {"entities": False, "sources": False, "claims": False}}
    config = parse_config({**off, "build": {"work_dir": work, "workers": workers, "engine": engine}}, root=str(Path(work).parent))
    start = time.perf_counter()
    result = build(config, inputs=[Path(inputs)], output=Path(output))
    return {"seconds": time.perf_counter() - start, "pages": result.pages_read,
            "documents": result.summary["documents"], "canonical": result.summary["canonical_documents"],
            "reused": result.shards_reused}


def _language(doc) -> bool:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        best = detect_langs(doc.text[:3000])[0]
        doc.metadata["language"], doc.metadata["language_score"] = best.lang, best.prob
    except LangDetectException:
        doc.metadata["language"] = "unknown"
    return True  # newscorpus's default keeps every language: tag, do not drop


def _xxhash_accepts_str() -> None:
    """datatrove hashes str shingles, which xxhash 4 (installed here) refuses; xxhash 3 hashed their UTF-8
    bytes. Encode as xxhash 3 did (in each worker: the first step of the pipeline)."""
    import xxhash

    for name in ("xxh32_intdigest", "xxh64_intdigest"):
        digest = getattr(xxhash, name)
        if not getattr(digest, "encodes", False):
            wrapped = lambda data, seed=0, _d=digest: _d(data.encode() if isinstance(data, str) else data, seed)  # noqa: E731
            wrapped.encodes = True
            setattr(xxhash, name, wrapped)


def _patched(data, rank, world_size):
    _xxhash_accepts_str()
    yield from data


def child_datatrove(inputs: str, work: str, workers: int, tasks: int) -> dict:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LambdaFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

    work = Path(work)
    minhash = MinhashConfig()  # one task per input file: JsonlReader gives each task whole files

    def run(pipeline, name, count=tasks):
        LocalPipelineExecutor(pipeline=pipeline, tasks=count, workers=workers, logging_dir=str(work / "logs" / name)).run()

    start = time.perf_counter()
    run([JsonlReader(inputs, text_key="html", id_key="id"), _patched, Trafilatura(favour_precision=True, timeout=30),
         LambdaFilter(_language), JsonlWriter(str(work / "extracted")),
         MinhashDedupSignature(output_folder=str(work / "signatures"), config=minhash)], "extract")
    run([MinhashDedupBuckets(input_folder=str(work / "signatures"), output_folder=str(work / "buckets"), config=minhash)],
        "buckets", minhash.num_buckets)
    run([MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove_ids"), config=minhash)],
        "cluster", 1)
    run([JsonlReader(str(work / "extracted")), MinhashDedupFilter(input_folder=str(work / "remove_ids")),
         ParquetWriter(str(work / "output"))], "filter")
    seconds = time.perf_counter() - start
    import pyarrow.parquet as pq

    kept = sum(pq.ParquetFile(p).metadata.num_rows for p in (work / "output").rglob("*.parquet"))
    extracted = sum(1 for p in (work / "extracted").rglob("*.jsonl.gz") for _ in __import__("gzip").open(p, "rt"))
    return {"seconds": seconds, "documents": extracted, "canonical": kept}


def run_child(args: list) -> dict:
    return bench_build.run_child(args, script=__file__)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(_median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def measure(options) -> str:
    pages = _pages()
    files = options.files_per_worker * options.workers
    per_file = -(-options.documents // files)
    added = max(1, options.documents // 100)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory(prefix="nc-bench-scale-") as tmp:
        tmp = Path(tmp)
        files = write_input(tmp / "input", 0, options.documents, pages, per_file)
        for k in range(options.rounds):
            ours.append(run_child(["newscorpus", str(tmp / "input"), str(tmp / f"nc{k}" / "work"), str(tmp / f"nc{k}" / "out"),
                                   options.workers, False]))
            theirs.append(run_child(["datatrove", str(tmp / "input"), str(tmp / f"dt{k}"), options.workers, files]))
        last = options.rounds - 1
        write_input(tmp / "input", options.documents, added, pages, added, name="zz-added")
        incremental = run_child(["newscorpus", str(tmp / "input"), str(tmp / f"nc{last}" / "work"), str(tmp / f"nc{last}" / "out2"),
                                 options.workers, False])
    docs = options.documents
    wall = [t["seconds"] / o["seconds"] for o, t in zip(ours, theirs)]
    cpu = [t["cpu_seconds"] / o["cpu_seconds"] for o, t in zip(ours, theirs)]
    memory = [o["peak_rss_mib"] / t["peak_rss_mib"] for o, t in zip(ours, theirs)]
    lines = [f"{docs} documents in {files} JSONL files ({per_file} a file), {options.workers} workers, "
             f"{options.rounds} interleaved rounds; median (range) over rounds.", "",
             "| tool | docs out (canonical) | wall s | input docs/s | CPU s | busy cores | peak RSS tree (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, runs in ((f"datatrove {datatrove_version()} (baseline)", theirs), ("newscorpus build, local engine, annotation off", ours)):
        lines.append(f"| {name} | {runs[-1]['documents']} ({runs[-1]['canonical']}) | {_spread([r['seconds'] for r in runs], '{:.1f}')} | "
                     f"{_spread([docs / r['seconds'] for r in runs], '{:.0f}')} | {_spread([r['cpu_seconds'] for r in runs], '{:.1f}')} | "
                     f"{_spread([r['cpu_seconds'] / r['seconds'] for r in runs])} | {_spread([r['peak_rss_mib'] for r in runs], '{:.0f}')} |")
    lines += ["", f"- throughput, newscorpus / datatrove (wall): **{_spread(wall)}x** (goal >= 1.8x)",
              f"- CPU, datatrove / newscorpus: {_spread(cpu)}x",
              f"- peak memory of the tree, newscorpus / datatrove: **{_spread(memory)}x** (goal <= 1.3x)",
              f"- incremental, +{added} new pages (1%) in one more file, same work folder: {incremental['seconds']:.1f} s = "
              f"**{incremental['seconds'] / _median([o['seconds'] for o in ours]):.1%} of the full build** (goal <= 10%)",
              "- load average at the start of each run: " + ", ".join(f"{r['load']:.1f}" for r in [*ours, *theirs])]
    return "\n".join(lines)


def measure_ours_only(options) -> str:
    """newscorpus alone, --rounds fresh builds of the same input: the tree's peak memory only. Memory does not
    depend on the machine's load, time does: no time figure, so this runs on a busy machine too."""
    files = options.files_per_worker * options.workers
    per_file = -(-options.documents // files)
    runs = []
    with tempfile.TemporaryDirectory(prefix="nc-bench-scale-ours-") as tmp:
        tmp = Path(tmp)
        write_input(tmp / "input", 0, options.documents, _pages(), per_file)
        for k in range(options.rounds):
            runs.append(run_child(["newscorpus", str(tmp / "input"), str(tmp / f"nc{k}" / "work"), str(tmp / f"nc{k}" / "out"),
                                   options.workers, False]))
    lines = [f"{options.documents} documents in {files} JSONL files ({per_file} a file), {options.workers} workers, "
             f"newscorpus only (local engine, annotation off), {options.rounds} fresh build(s); no time figures.", "",
             "| round | docs out (canonical) | peak RSS tree (MiB) | peak PSS tree (MiB) |",
             "|---|---:|---:|---:|"]
    for k, run in enumerate(runs, 1):
        lines.append(f"| {k} | {run['documents']} ({run['canonical']}) | {run['peak_rss_mib']:,.0f} | {run['peak_pss_mib']:,.0f} |")
    return "\n".join(lines)


def measure_annotated(options) -> str:
    """The annotated build at 1x and 3x the corpus pages, fresh work folder each."""
    pages = _pages()
    runs = {}
    with tempfile.TemporaryDirectory(prefix="nc-bench-annotated-") as tmp:
        tmp = Path(tmp)
        for scale in (1, 3):
            count = scale * len(pages)
            write_input(tmp / f"input{scale}", 0, count, pages, -(-count // (options.files_per_worker * options.workers)))
            runs[scale] = run_child(["newscorpus", str(tmp / f"input{scale}"), str(tmp / f"w{scale}" / "work"),
                                     str(tmp / f"w{scale}" / "out"), options.workers, True])
    lines = ["| corpus | pages | docs out (canonical) | wall s | CPU s | peak RSS tree (MiB) | largest process (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for scale, r in runs.items():
        lines.append(f"| {scale}x | {scale * len(pages)} | {r['documents']} ({r['canonical']}) | {r['seconds']:.1f} | "
                     f"{r['cpu_seconds']:.1f} | {r['peak_rss_mib']:.0f} | {r['max_single_rss_mib']:.0f} |")
    lines += ["", f"- 3x / 1x: time **{runs[3]['seconds'] / runs[1]['seconds']:.2f}x** (linear: 3.0x; goal <= 3.3x), "
                  f"peak memory **{runs[3]['peak_rss_mib'] / runs[1]['peak_rss_mib']:.2f}x** (goal <= 1.2x)"]
    return "\n".join(lines)


def _header(first: str, versus: str) -> list[str]:
    return [f"| {first} | input docs | docs out (canonical) | wall s | input docs/s | {versus} | peak RSS tree (MiB) | load at start |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]


def _row(label: str, f: dict, docs: int, ratio: str) -> str:
    return (f"| {label} | {docs} | {f['documents']} ({f['canonical']}) | {f['seconds']:.1f} | {docs / f['seconds']:.1f} | "
            f"{ratio} | {f['peak_rss_mib']:.0f} | {f['load']:.1f} |")


def measure_engines(options) -> str:
    """The same build (annotation off) on the local engine and on Ray, fresh work folders, same input."""
    with tempfile.TemporaryDirectory(prefix="nc-bench-engines-") as tmp:
        tmp = Path(tmp)
        write_input(tmp / "input", 0, options.documents, _pages(), -(-options.documents // (options.files_per_worker * options.workers)))
        runs = {engine: run_child(["newscorpus", str(tmp / "input"), str(tmp / engine / "work"), str(tmp / engine / "out"),
                                   options.workers, False, engine]) for engine in ("local", "ray")}
        same = all((tmp / "local" / "out" / f).read_bytes() == (tmp / "ray" / "out" / f).read_bytes()
                   for f in ("data/documents/train-00000-of-00001.parquet", "data/rejects/train-00000-of-00001.parquet"))
    lines = _header("engine", "vs local")
    for engine, f in runs.items():
        ratio = "1.00x" if engine == "local" else f"**{runs['local']['seconds'] / f['seconds']:.2f}x**"
        lines.append(_row(f"{engine}{' (baseline)' if engine == 'local' else ''}, workers={options.workers}", f, options.documents, ratio))
    lines.append(f"\nSame documents and rejects Parquet bytes from both engines: {'yes' if same else 'NO'}.")
    return "\n".join(lines)


def datatrove_version() -> str:
    from importlib.metadata import version

    return version("datatrove")


def record(table: str, command: str, what: str = "") -> None:
    head = (f"\n{SECTION}{' ' + what if what else ''} ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, commit {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, capture_output=True, text=True).stdout.strip()})\n\n"
            f"`{command}`\n\n")
    with README.open("a", encoding="utf-8") as handle:
        handle.write(head + table + "\n")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        args = json.loads(sys.argv[2])
        kind, rest = args[0], args[1:]
        figures = child_newscorpus(*rest) if kind == "newscorpus" else child_datatrove(*rest)
        print(json.dumps(figures))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of both tools")
    parser.add_argument("--files-per-worker", type=int, default=4, help="input files per worker (datatrove reads whole files)")
    parser.add_argument("--annotated", action="store_true", help="the annotated build at 1x and 3x the corpus instead")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--engines", action="store_true", help="compare the local engine with Ray instead (needs the [ray] extra)")
    parser.add_argument("--ours-only", action="store_true", help="instead: newscorpus alone, --rounds builds, peak memory only "
                        "(no datatrove, no time figures: for memory work on a busy machine; never recorded)")
    options = parser.parse_args()
    if not CORPORA.exists():
        raise SystemExit(f"bench_scale: {CORPORA} is absent (it is not part of the repository); nothing to measure.")
    if options.ours_only:
        print(measure_ours_only(options))
        return
    if not (options.engines or options.annotated):
        try:
            datatrove_version()
        except Exception:
            raise SystemExit("bench_scale: the baseline needs datatrove: pip install -r bench/requirements.txt (bench only).")
    table = measure_engines(options) if options.engines else measure_annotated(options) if options.annotated else measure(options)
    print(table)
    if not options.no_record:
        record(table, "python " + " ".join(["bench/bench_scale.py", *sys.argv[1:]]), "(engines)" if options.engines else "(annotated build)" if options.annotated else "")


if __name__ == "__main__":
    main()
