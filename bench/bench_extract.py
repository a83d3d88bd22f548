"""Main-text quality of the build against the best single extractor (issue 20). Reads ../shared/corpora;
exits cleanly without it.

  python bench/bench_extract.py                 # quality: every corpus, the build and three baselines
  python bench/bench_extract.py --time          # + extraction CPU per page against the bare trafilatura loop
  python bench/bench_extract.py --cache DIR     # keep the baselines' texts in DIR (they do not change with our code)

Quality: the ScrapingHub metric (lower-cased word 4-gram shingles, P/R/F1 per page, mean over pages; an
empty extraction scores 0) of, on the same pages in the same run,
  - trafilatura.extract with its defaults,
  - trafilatura.extract with include_comments=False,
  - readability-lxml (Document(html).summary(), its text with a line per block),
  - the build: builder.ingest.extract.extract_page, then the page rules and the per-site lines of the clean
    stages (site as the build gives it),
per corpus, and per half of each corpus (pages split by a hash of their id: tune on one, check on the other),
with the page-by-page differences of the 20 pages where the build trails the corpus's best baseline most.

--time: process CPU seconds of the bare loop `trafilatura.extract(page)` and of the build's extraction
(extract_page) on the same pages in one process, interleaved, best of 3; the ratio is what issue 20 bounds
(<= 1.4x the ratio before it). Run it on a quiet machine only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPORA = ("scrapinghub_aeb", "wcxb_dev_articles")
sys.path.insert(0, str(REPO))

from bench.bench_clean import prf  # noqa: E402  (the ScrapingHub metric, shared with bench_clean)


def pages(corpus: str):
    folder = SHARED / "corpora" / corpus
    for line in (folder / "manifest.jsonl").read_text().splitlines():
        rec = json.loads(line)
        gold = json.loads((folder / rec["gold"]).read_text(encoding="utf-8"))
        text = gold["articleBody"] if "articleBody" in gold else gold["ground_truth"].get("main_content") or ""
        yield rec["id"], rec.get("url"), (folder / rec["html"]).read_bytes(), text


def half(page_id: str) -> str:
    return "A" if hashlib.blake2b(page_id.encode(), digest_size=2).digest()[0] % 2 == 0 else "B"


def readability_text(data: bytes) -> str:
    from readability import Document
    import lxml.html

    from builder.ingest.decode import decode

    html, _ = decode(data, None)
    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability raises on empty or odd pages
        return ""
    tree = lxml.html.fromstring(summary)
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"):
        block.tail = "\n" + (block.tail or "")
    return "\n".join(line.strip() for line in tree.text_content().split("\n") if line.strip())


BASELINES = {
    "trafilatura defaults": lambda data, url: __import__("trafilatura").extract(data, url=url) or "",
    "trafilatura include_comments=False": lambda data, url: __import__("trafilatura").extract(data, url=url, include_comments=False) or "",
    "readability-lxml": lambda data, url: readability_text(data),
}


def baseline_texts(corpus: str, items: list, cache: Path | None) -> dict[str, dict[str, str]]:
    import readability
    import trafilatura

    path = None
    if cache:
        tag = f"{corpus}-traf{trafilatura.__version__}-read{getattr(readability, '__version__', 'x')}"
        path = cache / f"baselines-{tag}.json"
        if path.exists():
            return json.loads(path.read_text())
    out = {name: {pid: fn(data, url) for pid, url, data, _ in items} for name, fn in BASELINES.items()}
    if path:
        cache.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out))
    return out


def build_texts(items: list) -> dict[str, str]:
    """The build's text of each page: extraction, then the clean stages over the corpus as one build."""
    from bench.bench_clean import clean_rows
    from builder.ingest.config import IngestConfig
    from builder.ingest.extract import extract_page

    cfg = IngestConfig()
    rows = []
    for pid, url, data, _ in items:
        doc = extract_page({"origin": pid, "data": data, "url": url, "kind": "html"}, cfg)
        if "id" in doc:
            rows.append(doc)
    return {d["origin"]: d["text"] for d in clean_rows(rows)}


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def report(corpus: str, items: list, texts: dict[str, dict[str, str]], worst: int = 20) -> dict[str, float]:
    golds = {pid: gold for pid, _, _, gold in items}
    scores = {name: {pid: prf(found.get(pid, ""), gold) for pid, gold in golds.items()} for name, found in texts.items()}
    print(f"\n### {corpus} ({len(golds)} pages)\n")
    print("| extractor | P | R | F1 | F1 half A | F1 half B |")
    print("|---|---:|---:|---:|---:|---:|")
    f1 = {}
    for name, per_page in scores.items():
        p, r, f = (mean(v[i] for v in per_page.values()) for i in range(3))
        fa, fb = (mean(v[2] for pid, v in per_page.items() if half(pid) == h) for h in "AB")
        f1[name] = f
        print(f"| {name} | {p:.4f} | {r:.4f} | {f:.4f} | {fa:.4f} | {fb:.4f} |")
    best = max((n for n in texts if n != "newscorpus build"), key=f1.get)
    margin = f1["newscorpus build"] - f1[best]
    print(f"\nbuild - best baseline ({best}) = {margin:+.4f} (goal >= +0.005: {'met' if margin >= 0.005 else 'NOT met'})")
    ours, theirs = scores["newscorpus build"], scores[best]
    diffs = sorted(golds, key=lambda pid: ours[pid][2] - theirs[pid][2])[:worst]
    print(f"\nworst {worst} pages against {best}: build P/R/F1 vs baseline P/R/F1, chars build/baseline/gold")
    for pid in diffs:
        o, t = ours[pid], theirs[pid]
        print(f"- {pid[:16]} F1 {o[2]:.3f} vs {t[2]:.3f} ({o[2] - t[2]:+.3f}); P {o[0]:.2f}/{t[0]:.2f} R {o[1]:.2f}/{t[1]:.2f}; "
              f"chars {len(texts['newscorpus build'].get(pid, '')):,}/{len(texts[best].get(pid, '')):,}/{len(golds[pid]):,}")
    better = sum(ours[p][2] > theirs[p][2] + 0.001 for p in golds)
    worse = sum(ours[p][2] < theirs[p][2] - 0.001 for p in golds)
    print(f"pages better than {best}: {better}, worse: {worse}")
    return f1


def timing(items: list, repeat: int = 3) -> None:
    """CPU per page of the bare trafilatura loop and the build's extraction, same process, interleaved."""
    import trafilatura

    from builder.ingest.config import IngestConfig
    from builder.ingest.extract import extract_page

    cfg = IngestConfig(isolate=False)
    runs = {"bare trafilatura.extract loop": lambda pid, url, data: trafilatura.extract(data, url=url),
            "build extraction (extract_page)": lambda pid, url, data: extract_page(
                {"origin": pid, "data": data, "url": url, "kind": "html"}, cfg)}
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            start = time.process_time()
            for pid, url, data, _ in items:
                fn(pid, url, data)
            best[name] = min(best[name], time.process_time() - start)
    base = best["bare trafilatura.extract loop"]
    print(f"\n### extraction CPU, {len(items)} pages, best of {repeat}\n")
    for name, seconds in best.items():
        print(f"- {name}: {1000 * seconds / len(items):.1f} ms/page ({seconds / base:.2f}x the bare loop)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, help="folder for the baselines' texts")
    parser.add_argument("--time", action="store_true", help="also measure extraction CPU (quiet machine only)")
    parser.add_argument("--corpus", action="append", help="only these corpora")
    parser.add_argument("--dump", type=Path, help="write every extractor's text per page here (JSON per corpus)")
    args = parser.parse_args()
    if not (SHARED / "corpora").exists():
        print(f"bench_extract: {SHARED / 'corpora'} not found; nothing to measure.")
        return
    import trafilatura

    print(f"trafilatura {trafilatura.__version__}")
    for corpus in args.corpus or CORPORA:
        items = list(pages(corpus))
        texts = baseline_texts(corpus, items, args.cache)
        texts["newscorpus build"] = build_texts(items)
        report(corpus, items, texts)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{corpus}.json").write_text(json.dumps(texts))
        if args.time:
            timing(items)


if __name__ == "__main__":
    main()
