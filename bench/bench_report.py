"""Time of `newscorpus report` on a 20,000-document synthetic build and on its release. Goal: < 10 s each.

The corpus is made here (seeded, no ../shared needed): 20,000 documents over 40 sites and 3 languages,
2-6 kB of text each, with removals, entities, claims and sources in the proportions of the examples
build (about 10 entities, 7 claims, 2 sources and 4 removals a document) and 5% near-duplicates.
The release is cut from it with `make_release` (keep_duplicates off, as by default).

Baseline, measured in the same run: reading the same documents Parquet with pyarrow (all columns),
which every report has to do at least in part; the report's time is given as a ratio to it.

    python bench/bench_report.py [--docs N] [--no-record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from builder.config import load_config  # noqa: E402
from builder.records import DOCUMENT_SCHEMA, REJECT_SCHEMA  # noqa: E402
from builder.release.release import make_release  # noqa: E402
from builder.report import render_report  # noqa: E402

README = REPO / "bench" / "README.md"
SECTION = "## Issue 11: report"
LABELS = ["PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT"]
WORDS = "the council said on monday that harbour repairs would start after storms damaged the wall".split()


def _document(n: int, rng: random.Random) -> dict:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(400, 1200)))
    site = f"site{n % 40}.example"
    duplicate = n % 20 == 19  # 5% near-duplicates of the previous document
    doc_id = f"{n:016x}"
    spans = lambda k: sorted(rng.sample(range(0, len(text) - 20), k))  # noqa: E731
    entities = [{"id": f"e{i}", "start": s, "end": s + 8, "label": rng.choice(LABELS), "text": text[s:s + 8],
                 "entity": f"Entity {rng.randint(0, 2000)}", "origin": "human:ann" if i == 0 and n % 10 == 0
                 else "spacy@3.8", "confidence": None} for i, s in enumerate(spans(rng.randint(4, 16)))]
    claims = [{"id": f"c{i}", "start": s, "end": s + 15, "kind": rng.choice(["direct_quote", "indirect_quote", "attributed"]),
               "text": text[s:s + 15], "cue": "said", "speaker": f"Speaker {rng.randint(0, 500)}", "speaker_entity": None,
               "source_ids": [], "origin": "claims@1", "confidence": None} for i, s in enumerate(spans(rng.randint(0, 14)))]
    sources = [{"id": f"s{i}", "kind": rng.choice(["hyperlink", "citation", "reference", "mention"]), "name": "Outlet",
                "outlet": f"Outlet {rng.randint(0, 80)}", "domain": None, "url": None, "start": None, "end": None,
                "count": None, "context": None} for i in range(rng.randint(0, 4))]
    removals = [{"start": s, "end": s + rng.randint(10, 200), "text": "Read more", "rule": rng.choice(["read-more", "share-bar", "chrome-pattern", "related-block"])}
                for s in spans(rng.randint(0, 8))]
    return {"id": doc_id, "url": f"https://{site}/{n}", "canonical_url": f"https://{site}/{n}", "site": site,
            "origin": f"input.jsonl#{n}", "content_type": "text/html", "encoding": "utf-8", "fetched_at": None,
            "title": f"Story {n}", "authors": [], "published": dt.date(2025, 1 + n % 12, 1 + n % 28) if n % 9 else None,
            "text": text, "raw_hash": f"r{n}", "text_hash": f"t{n}", "language": ["en", "en", "en", "de", "es"][n % 5],
            "language_score": 0.99, "links": [], "removals": removals, "sources": sources, "entities": entities,
            "entities_note": None, "claims": claims, "cluster_id": f"{n - 1:016x}" if duplicate else doc_id,
            "is_canonical": not duplicate, "duplicate_kind": "near" if duplicate else None,
            "similarity": 0.9 if duplicate else None}


def make_build(folder: Path, n_docs: int) -> None:
    rng = random.Random(11)
    path = folder / "data" / "documents" / "train-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    with pq.ParquetWriter(path, DOCUMENT_SCHEMA) as writer:
        for start in range(0, n_docs, 2000):
            rows = [_document(n, rng) for n in range(start, min(n_docs, start + 2000))]
            writer.write_table(pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA))
    rejects = [{"origin": f"bad{i}", "url": None, "stage": "ingest", "reason": rng.choice(["empty", "binary", "http-404"]),
                "detail": "synthetic"} for i in range(300)]
    (folder / "data" / "rejects").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), folder / "data/rejects/train-00000-of-00001.parquet")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    build = work / "build"
    make_build(build, args.docs)
    config = load_config(REPO)  # the repo's label set; its own work folder, so no other build's lock is met
    config = config.model_copy(update={"build": config.build.model_copy(update={"work_dir": str(work / "work")})})
    started = time.perf_counter()
    release = make_release(config, "1.0.0", build, work / "releases").folder
    print(f"synthetic release cut in {time.perf_counter() - started:.0f} s")
    files = {"build": build / "data/documents/train-00000-of-00001.parquet",
             "release": sorted((release / "data/documents").glob("*.parquet"))}
    render_report(build, work / "warmup.html")  # imports and plotly.js read once, as in a long-lived process
    results = []
    for name, folder in (("build", build), ("release", release)):
        paths = files[name] if isinstance(files[name], list) else [files[name]]
        baseline = min(timed(lambda: [pq.read_table(p) for p in paths]) for _ in range(3))
        seconds = min(timed(lambda: render_report(folder, work / f"{name}.html")) for _ in range(3))
        size = (work / f"{name}.html").stat().st_size
        results.append((name, seconds, baseline, size))
        print(f"{name}: report {seconds:.2f} s (best of 3), pyarrow read of its documents {baseline:.2f} s "
              f"-> {seconds / baseline:.1f}x; page {size / 1e6:.1f} MB; goal < 10 s: {'met' if seconds < 10 else 'NOT met'}")
    cold = timed(lambda: os.system(f"{sys.executable} -m builder.cli.main report {release} -o {work / 'cli.html'} > /dev/null"))
    print(f"release, whole CLI process (cold imports): {cold:.2f} s")
    if not args.no_record:
        record(args.docs, results, cold)


def record(n_docs: int, results, cold: float) -> None:
    lines = [f"\n{SECTION}\n", f"`python bench/bench_report.py` on {dt.date.today()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}; synthetic corpus of {n_docs:,} documents (made by the script).\n",
             "| folder | report (best of 3) | baseline: pyarrow read of its documents | ratio | page size |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {name} | {s:.2f} s | {b:.2f} s | {s / b:.1f}x | {size / 1e6:.1f} MB |" for name, s, b, size in results]
    lines.append(f"\nWhole `newscorpus report RELEASE` process, cold imports included: {cold:.2f} s. Goal < 10 s.\n")
    text = README.read_text(encoding="utf-8")
    if SECTION in text:
        head, _, tail = text.partition(SECTION)
        rest = tail.split("\n## ", 1)
        text = head.rstrip("\n") + "\n" + ("\n## " + rest[1] if len(rest) > 1 else "")
    README.write_text(text.rstrip("\n") + "\n" + "\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
