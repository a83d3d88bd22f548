"""Dedup benchmark (issue 4): quality on edited reprints of real articles, signature speed, index size,
and a large synthetic run.

  python bench/bench_dedup.py quality            precision/recall vs ground truth, several thresholds
  python bench/bench_dedup.py speed              signatures/s on one core, 3 KB articles (+ baseline)
  python bench/bench_dedup.py scale --docs N     N synthetic 3 KB documents, 2 workers: time, peak memory

Real articles come from ../shared/corpora (gold article bodies of scrapinghub_aeb and wcxb_dev_articles);
they are read, edited in memory and never copied into the repo.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import xxhash

from builder.dedup import minhash
from builder.dedup.clusters import DedupIndex, DedupStep, cluster_index, manifest_path
from builder.dedup.config import DedupConfig
from builder import shards as shard_io
from builder.engine.keyed import keyed_tasks
from builder.engine.local import LocalEngine
from builder.stage import Shard
from builder.hashing import stable_hash
from builder.ingest.extract import canonical_url, document_id, text_hash

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BOILERPLATE = ["Sign up for our newsletter to get the day's top stories.", "Share this article", "Advertisement",
               "Follow us on social media for the latest updates.", "Copyright 2026. All rights reserved."]


def real_articles(min_chars: int = 1200) -> list[tuple[str, str]]:
    """(site, body) of every gold article long enough to be a news story."""
    if not SHARED.exists():
        sys.exit(f"bench_dedup: {SHARED} not found (the shared corpora are needed for this benchmark); nothing measured.")
    out = []
    for folder, field in (("scrapinghub_aeb", "articleBody"), ("wcxb_dev_articles", None)):
        for line in (SHARED / folder / "manifest.jsonl").read_text().splitlines():
            item = json.loads(line)
            gold = json.loads((SHARED / folder / item["gold"]).read_text())
            body = gold.get(field) if field else gold["ground_truth"].get("main_content")
            if not body:
                continue
            body = "\n\n".join(p.strip() for p in body.split("\n") if p.strip())
            site = item.get("domain") or urlsplit(item.get("url") or "").hostname or "unknown.example"
            if len(body) >= min_chars:
                out.append((site, body))
    return out


def edit(body: str, rng: random.Random) -> str:
    """A reprint: some of other headline, byline, boilerplate, paragraph added/dropped, typos, 70% cut."""
    paragraphs = body.split("\n\n")
    edits = rng.sample(["headline", "byline", "boilerplate", "add", "drop", "typos", "truncate"], rng.randint(2, 4))
    if "drop" in edits and len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if "add" in edits:
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), "Editor's note: this story was updated with comment from officials.")
    if "typos" in edits:
        words = "\n\n".join(paragraphs).split(" ")
        for i in rng.sample(range(len(words)), max(1, len(words) // 60)):
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        paragraphs = " ".join(words).split("\n\n")
    text = "\n\n".join(paragraphs)
    if "truncate" in edits:
        text = text[: int(len(text) * 0.7)]
    if "headline" in edits:
        text = f"Breaking: {rng.choice(['officials respond', 'what we know', 'update'])}\n\n{text}"
    if "byline" in edits:
        text = f"By {rng.choice(['Ana Ruiz', 'Tom Bell', 'Wire Staff'])}, Associated Reporter\n\n{text}"
    if "boilerplate" in edits:
        text = text + "\n\n" + "\n\n".join(rng.sample(BOILERPLATE, 3))
    return text


def doc(origin: str, text: str, url: str, published: dt.date | None) -> dict:
    canonical = canonical_url(url)
    return {"origin": origin, "id": document_id(canonical, origin.encode()), "url": url, "canonical_url": canonical,
            "text": text, "raw_hash": stable_hash(origin), "text_hash": text_hash(text), "published": published}


def ground_truth_corpus(seed: int = 7) -> tuple[list[dict], dict[str, int]]:
    rng = random.Random(seed)
    docs, truth = [], {}
    for n, (site, body) in enumerate(real_articles()):
        url = f"https://{site}/story-{n}"
        day = dt.date(2026, 1, 1) + dt.timedelta(days=n % 200)
        docs.append(doc(f"{site}/{n}", body, url, day)); truth[f"{site}/{n}"] = n
        for k in range(rng.choice([0, 1, 1, 2, 3])):  # reprints on other sites
            origin = f"reprint{k}.example/{n}"
            docs.append(doc(origin, edit(body, rng), f"https://reprint{k}.example/{n}", day + dt.timedelta(days=k + 1)))
            truth[origin] = n
        if rng.random() < 0.2:  # URL variant: tracking parameters, case, fragment; same page re-fetched
            origin = f"{site}/{n}#utm"
            variant = f"https://{site.upper()}/story-{n}?utm_source=feed&utm_medium=rss#comments"
            docs.append(doc(origin, body, variant, day)); truth[origin] = n
    return docs, truth


def write_shards(folder: Path, docs: list[dict], size: int) -> list[Shard]:
    out = []
    for start in range(0, len(docs), size):
        part = docs[start:start + size]
        name = stable_hash("\n".join(d["origin"] for d in part), 12)
        path = folder / f"{name}.parquet"
        shard_io.write_documents(part, path)
        out.append(Shard(name, path, path.with_suffix(".rejects.parquet"), len(part)))
    return out


def deduplicate(shard_list: list[Shard], cfg: DedupConfig, engine: LocalEngine) -> None:
    """Dedup as the build runs it (pipeline.py): the keyed step, then its apply stage."""
    engine.map(*keyed_tasks(engine, DedupStep(cfg, engine.work_dir), shard_list))


def pair_scores(truth: dict[str, int], predicted: dict[str, str]) -> tuple[float, float, int, int]:
    def pairs(labels: dict) -> set:
        groups: dict = {}
        for origin, label in labels.items():
            groups.setdefault(label, []).append(origin)
        return {(a, b) for g in groups.values() for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1:]}
    true_pairs, found = pairs(truth), pairs(predicted)
    hit = len(true_pairs & found)
    return hit / max(len(found), 1), hit / max(len(true_pairs), 1), len(true_pairs), len(found)


def quality(args) -> None:
    docs, truth = ground_truth_corpus()
    random.Random(1).shuffle(docs)
    with tempfile.TemporaryDirectory() as tmp:
        engine = LocalEngine(Path(tmp) / "work", workers=2)
        shard_list = write_shards(Path(tmp) / "shards", docs, 200)
        deduplicate(shard_list, DedupConfig(), engine)
        index = DedupIndex.saved(manifest_path(engine.work_dir))
        print(f"{len(docs)} documents, {len(set(truth.values()))} articles")
        for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            out = cluster_index(index, DedupConfig(threshold=threshold), engine.call)
            import pyarrow.parquet as pq
            rows = [r for p in out.glob("*.parquet") for r in pq.read_table(p, columns=["origin", "cluster_id"]).to_pylist()]
            p, r, t, f = pair_scores(truth, {x["origin"]: x["cluster_id"] for x in rows})
            mark = " (default)" if threshold == DedupConfig().threshold else ""
            print(f"threshold {threshold:.1f}{mark}: precision {p:.4f} recall {r:.4f} (true pairs {t}, found {f})")


def speed(args) -> None:
    bodies = [b for _, b in real_articles(3000)]
    texts = [b[:3000] for b in bodies] * max(1, 2000 // len(bodies))
    cfg = DedupConfig()
    a, b = minhash.permutations(cfg.num_hashes, cfg.seed)
    start = time.perf_counter()
    for t in texts:
        minhash.signature(t, cfg.shingle_size, a, b)
    ours = len(texts) / (time.perf_counter() - start)
    # Baseline in the same run: the textbook form, one 64-bit hash per shingle string, uint64 permutations.
    a64 = np.random.Generator(np.random.PCG64(1)).integers(1, 2**61 - 1, cfg.num_hashes, dtype=np.uint64)
    start = time.perf_counter()
    for t in texts[:500]:
        words = t.lower().split()
        sh = np.array([xxhash.xxh64_intdigest(" ".join(words[i:i + 5]).encode()) for i in range(max(1, len(words) - 4))], dtype=np.uint64)
        with np.errstate(over="ignore"):
            (sh[:, None] * a64[None, :] + a64[None, :]).min(axis=0)
    base = 500 / (time.perf_counter() - start)
    print(f"{len(texts)} texts of {np.mean([len(t) for t in texts]):.0f} chars, 1 process")
    print(f"signatures: {ours:.0f} docs/s; baseline (string shingles, uint64 permutations): {base:.0f} docs/s; ratio {ours / base:.2f}x")


def synthetic(n: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(20000)]
    docs = []
    for i in range(n):
        if i % 10 == 9:  # every tenth document is an edited copy of an earlier one
            base = docs[rng.randrange(len(docs))]["text"].split(" ")
            del base[rng.randrange(len(base)):][:40]
            text = " ".join(base)
        else:
            text = " ".join(rng.choices(vocab, k=520))
        docs.append(doc(f"s/{i}", text, f"https://s{i % 500}.example/{i}", None))
    return docs


def scale(args) -> None:
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        shard_list = []
        for start in range(0, args.docs, 50_000):  # generate in slices: bounded memory
            part = synthetic(min(50_000, args.docs - start), seed=start)
            for d in part:
                d["origin"] = f"{start}/{d['origin']}"
            shard_list += write_shards(Path(tmp) / "shards", part, 10_000)
        engine = LocalEngine(Path(tmp) / "work", workers=2)
        start = time.perf_counter()
        deduplicate(shard_list, DedupConfig(), engine)
        elapsed = time.perf_counter() - start
        index = engine.work_dir / "dedup-index"
        signature_bytes = sum(p.stat().st_size for p in (index / "signatures").glob("*.parquet"))
        band_bytes = sum(p.stat().st_size for p in (index / "bands").rglob("*.parquet"))
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cfg = DedupConfig()
        print(f"{args.docs} synthetic documents (~3 KB), 2 workers: dedup {elapsed:.1f} s ({args.docs / elapsed:.0f} docs/s)")
        print(f"peak RSS: main process {peak_self:.0f} MB, largest worker {peak_children:.0f} MB")
        print(f"index on disk: signatures+keys {signature_bytes / args.docs:.0f} B/doc, band files {band_bytes / args.docs:.0f} B/doc; "
              f"in memory for the global step: {2 * cfg.num_hashes + 8} B/doc (uint16 signature + uint64 key)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["quality", "speed", "scale"])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--tmp", default=None, help="folder for the scale run's temporary files")
    args = parser.parse_args()
    {"quality": quality, "speed": speed, "scale": scale}[args.what](args)


if __name__ == "__main__":
    main()
