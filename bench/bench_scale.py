"""Scale: the whole build on >= 20,000 documents against a datatrove pipeline in the same run, and the cost
of an incremental build that adds 1% new pages.

Input: the article pages of ../shared/corpora (scrapinghub_aeb and wcxb_dev_articles, 974 pages) replicated
to --documents JSONL records ({"id", "url", "html"}). Every replica differs: its URL gets a path segment
and its first paragraph a sentence naming the replica, so copies are near duplicates, not exact ones.

  1. newscorpus build, local engine, --workers, annotation off, fresh work folder (ingest, extract,
     clean, language, dedup, write)
  2. datatrove (pip package, bench only), LocalPipelineExecutor with the same worker count:
     JsonlReader -> Trafilatura -> language (langdetect, as newscorpus: datatrove's fastText model is a
     download, which this machine cannot do) -> JsonlWriter + MinhashDedupSignature; buckets; cluster;
     JsonlReader -> MinhashDedupFilter -> ParquetWriter
  3. incremental: 1% new replicas as one more input file, the same work folder      goal <= 10% of (1)
  4. annotation: the same build with annotation on, same work folder (only annotation and the write run)

--engines instead compares the engines on one machine (issue 9: the local engine stays the fastest):
the same build, fresh work folder each, local (baseline) then Ray (the [ray] extra), same workers.

Each run is a fresh Python process; the parent samples the summed RSS of its process tree at 4 Hz.

    /work/venv/bin/python bench/bench_scale.py [--documents 20000] [--workers 2] [--no-annotate] [--no-record]
    /work/venv/bin/python bench/bench_scale.py --engines --documents 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
SOURCES = ["scrapinghub_aeb", "wcxb_dev_articles"]
README = REPO / "bench" / "README.md"
SECTION = "## Issue 9: scale"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import _memory_kib, _tree  # noqa: E402  (the same /proc sampling as bench_build)


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


def write_input(folder: Path, first: int, count: int, pages: list, per_file: int = 1000, name: str = "part") -> None:
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


# ---------------------------------------------------------------- child processes

def child_newscorpus(inputs: str, work: str, output: str, workers: int, annotate: bool, engine: str = "local") -> dict:
    from builder.config import parse_config
    from builder.engine.pipeline import build

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


def child_datatrove(inputs: str, work: str, workers: int) -> dict:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import LambdaFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

    work = Path(work)
    minhash = MinhashConfig()
    tasks = workers * 4

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
    """One measurement in a fresh interpreter; its figures plus the peak summed RSS of its process tree."""
    process = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(args)], stdout=subprocess.PIPE, text=True)
    peak, done, load = [0], threading.Event(), os.getloadavg()[0]

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], sum(_memory_kib(pid)[0] for pid in _tree(process.pid)))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read()
    process.wait()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"measurement {args[0]} failed with exit code {process.returncode}")
    figures = json.loads(output.strip().splitlines()[-1])
    figures.update(peak_rss_mib=peak[0] / 1024, load=load)
    print(f"bench_scale: {args[0]}: {figures}", file=sys.stderr, flush=True)
    return figures


# ---------------------------------------------------------------- measure and record

def measure(options) -> str:
    pages = _pages()
    added = max(1, options.documents // 100)
    with tempfile.TemporaryDirectory(prefix="nc-bench-scale-") as tmp:
        tmp = Path(tmp)
        write_input(tmp / "input", 0, options.documents, pages)
        full = run_child(["newscorpus", str(tmp / "input"), str(tmp / "nc" / "work"), str(tmp / "nc" / "out"), options.workers, False])
        trove = run_child(["datatrove", str(tmp / "input"), str(tmp / "dt"), options.workers])
        write_input(tmp / "input", options.documents, added, pages, name="zz-added")
        incremental = run_child(["newscorpus", str(tmp / "input"), str(tmp / "nc" / "work"), str(tmp / "nc" / "out2"), options.workers, False])
        annotated = None
        if not options.no_annotate:
            annotated = run_child(["newscorpus", str(tmp / "input"), str(tmp / "nc" / "work"), str(tmp / "nc" / "out3"), options.workers, True])

    docs = options.documents
    lines = _header("run", "vs datatrove")
    lines.append(_row(f"datatrove {datatrove_version()} (baseline), workers={options.workers}", trove, docs, "1.00x"))
    lines.append(_row(f"newscorpus build, local engine, workers={options.workers}, annotation off", full, docs,
                      f"**{trove['seconds'] / full['seconds']:.2f}x** (goal >= 1.5x)"))
    lines.append(f"| incremental: +{added} new pages (1%), same work folder | {docs + added} | {incremental['documents']} "
                 f"({incremental['canonical']}) | {incremental['seconds']:.1f} | - | **{incremental['seconds'] / full['seconds']:.1%} "
                 f"of the full build** (goal <= 10%) | {incremental['peak_rss_mib']:.0f} | {incremental['load']:.1f} |")
    if annotated:
        lines.append(f"| annotation on (entities, sources, claims), on the cached build | {docs + added} | {annotated['documents']} "
                     f"({annotated['canonical']}) | {annotated['seconds']:.1f} | {(docs + added) / annotated['seconds']:.1f} | - | "
                     f"{annotated['peak_rss_mib']:.0f} | {annotated['load']:.1f} |")
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
        write_input(tmp / "input", 0, options.documents, _pages())
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
    parser.add_argument("--no-annotate", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--engines", action="store_true", help="compare the local engine with Ray instead (needs the [ray] extra)")
    options = parser.parse_args()
    if not CORPORA.exists():
        raise SystemExit(f"bench_scale: {CORPORA} is absent (it is not part of the repository); nothing to measure.")
    if not options.engines:
        try:
            datatrove_version()
        except Exception:
            raise SystemExit("bench_scale: the baseline needs datatrove: /work/venv/bin/pip install datatrove (bench only).")
    table = measure_engines(options) if options.engines else measure(options)
    print(table)
    if not options.no_record:
        record(table, "python " + " ".join(["bench/bench_scale.py", *sys.argv[1:]]), "(engines)" if options.engines else "")


if __name__ == "__main__":
    main()
