"""Issue 25: annotation speed and memory against a plain full spaCy pipeline, on short and long documents.

Texts: the gold article bodies of ../shared/corpora (scrapinghub_aeb, wcxb_dev_articles), paragraphs one per
line as the clean stage writes them.
  short   the articles as they are
  long    the same articles joined into documents of --long-chars characters each (default 400,000; one text
          over spaCy's 1,000,000-character limit would crash the plain pipeline, not ours)
Modes, each in a fresh child process (one core, so the per-worker figures are a worker's):
  plain   `nlp.pipe` of the model with every component, as shipped (the baseline)
  ours    AnnotateStage with the default config: entities, sources and claims, our components and rules, the
          parse only over the sentences where a claim or source can be (what a build runs)
  full    (with --full-parse) the same with annotate.partial_parse = false: every sentence parsed
Each child loads the model, then annotates; it reports words/s over its CPU time of the annotation (other
jobs on the machine do not count) and its peak RSS (ru_maxrss) once after loading and once at the end.
Rounds alternate the modes (--rounds, default 3); the table gives the median and range per mode and set and
the ratio to plain of the medians.

Run on a quiet machine (figures on a busy one are noise):
  python bench/bench_annotate.py                       # full corpora, 3 rounds
  python bench/bench_annotate.py --docs 8 --rounds 1   # a quick check that it runs
Exits 0 with a message when ../shared/corpora is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
SETS = {"scrapinghub_aeb": "articleBody", "wcxb_dev_articles": None}


def _body(gold: dict, key: str | None) -> str:
    text = (gold.get(key) if key else gold["ground_truth"].get("main_content")) or ""  # some golds have none
    # One paragraph per line, as the clean stage writes them (wcxb separates paragraphs by blank lines).
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def articles(limit: int | None) -> list[str]:
    texts = []
    for folder, key in SETS.items():
        for line in (CORPORA / folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            body = _body(json.loads((CORPORA / folder / entry["gold"]).read_text(encoding="utf-8")), key)
            if body:
                texts.append(body)
    return texts[:limit] if limit else texts


def joined(texts: list[str], size: int) -> list[str]:
    """The texts run together into documents of about `size` characters (the last one may be shorter)."""
    documents, current = [], []
    length = 0
    for text in texts:
        current.append(text)
        length += len(text) + 1
        if length >= size:
            documents.append("\n".join(current))
            current, length = [], 0
    if current:
        documents.append("\n".join(current))
    return documents


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(mode: str, texts_path: str) -> dict:
    """One measurement in this process: load, annotate every text, report words/s and peak RSS."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    sys.path.insert(0, str(REPO))
    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    from builder.annotate.config import AnnotateConfig
    from builder.annotate.stage import AnnotateStage

    config = AnnotateConfig()
    if mode == "plain":
        import spacy

        nlp = spacy.load(config.model)
        nlp.max_length = max(nlp.max_length, max(map(len, texts)) + 1)

        def run():
            for _ in nlp.pipe(texts, batch_size=config.batch_size):
                pass
    else:
        stage = AnnotateStage(config if mode == "ours" else AnnotateConfig(partial_parse=False))
        stage.setup()
        rows = [{"id": str(i), "origin": str(i), "language": "en", "text": t} for i, t in enumerate(texts)]

        def run():
            stage.process([dict(r) for r in rows])
    loaded = _peak_mib()
    start = time.process_time()
    run()
    cpu = time.process_time() - start
    words = sum(len(t.split()) for t in texts)
    return {"words": words, "cpu_s": cpu, "words_per_s": words / cpu, "rss_loaded_mib": loaded, "rss_peak_mib": _peak_mib()}


def measure(mode: str, texts_path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(texts_path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def _spread(values: list[float], digits: int = 0) -> str:
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("MODE", "TEXTS"), help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, help="only the first N articles (a quick check)")
    parser.add_argument("--long-chars", type=int, default=400_000, help="size of each long document")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full-parse", action="store_true", help="also measure ours with every sentence parsed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if not CORPORA.exists():
        print(f"corpora not found at {CORPORA} (they live in ../shared next to the repo); nothing to measure.")
        return 0
    short = articles(args.docs)
    sets = {"short": short, "long": joined(short, args.long_chars)}
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_annotate_{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    modes = ("plain", "ours", "full") if args.full_parse else ("plain", "ours")
    results: dict = {name: {mode: [] for mode in modes} for name in sets}
    for name, texts in sets.items():
        path = work / f"{name}.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        for _ in range(args.rounds):
            for mode in modes:
                results[name][mode].append(measure(mode, path))
        path.unlink()
    work.rmdir()
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"| set | documents | chars (longest) | mode | words/s, median (range) | peak RSS MiB after load | "
          f"peak RSS MiB | words/s against plain |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for name, texts in sets.items():
        medians = {mode: statistics.median(r["words_per_s"] for r in runs) for mode, runs in results[name].items()}
        for mode, runs in results[name].items():
            ratio = f"{medians[mode] / medians['plain']:.2f}x" if mode != "plain" else ""
            print(f"| {name} | {len(texts)} | {sum(map(len, texts)):,} ({max(map(len, texts)):,}) | {mode} | "
                  f"{_spread([r['words_per_s'] for r in runs])} | {_spread([r['rss_loaded_mib'] for r in runs])} | "
                  f"{_spread([r['rss_peak_mib'] for r in runs])} | {ratio} |")
    print(f"\n{args.rounds} rounds, {', '.join(modes)} alternating, each a fresh process on one core; words/s over "
          f"the process's CPU time of the annotation.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
