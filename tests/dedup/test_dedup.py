"""Dedup on our own synthetic articles: exact, URL, near, hard negatives, canonical policy,
determinism, incremental = full, and the duplicate pairs of the examples/ build."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pyarrow.parquet as pq
import pytest

from builder.dedup import minhash
from builder.dedup.clusters import DedupIndex, DedupStep, index_shards, manifest_path
from builder.dedup.config import DedupConfig
from builder.dedup.minhash import estimated_jaccard, permutations, signature
from builder import shards as shard_io
from builder.engine.keyed import keyed_tasks
from builder.engine.local import LocalEngine
from builder.stage import Shard
from builder.hashing import stable_hash
from builder.ingest.extract import canonical_url, document_id, text_hash

_VOCAB = ("council harbour river storm power market rates bank minister school bridge library ferry "
          "crew rescue budget vote court police hospital weather flood farmers prices energy team "
          "match season coach players workers union strike plan report study scientists ice").split()


def article(seed: int, words: int = 400) -> str:
    rng = random.Random(seed)
    paragraphs = [" ".join(rng.choice(_VOCAB) + rng.choice(["", "s", "ed", "ing"]) for _ in range(80))
                  for _ in range(words // 80)]
    return "\n\n".join(p.capitalize() + "." for p in paragraphs)


def doc(origin: str, text: str, url: str | None = None, published: str | None = None) -> dict:
    canonical = canonical_url(url)
    return {"origin": origin, "id": document_id(canonical, origin.encode()), "url": url, "canonical_url": canonical,
            "text": text, "raw_hash": origin, "text_hash": text_hash(text),
            "published": dt.date.fromisoformat(published) if published else None}


def reprint(text: str) -> str:
    """An edited wire reprint: new first line, a paragraph dropped, a few words changed."""
    paragraphs = text.split("\n\n")
    edited = ["By Staff Reporter"] + paragraphs[:2] + paragraphs[3:]
    words = "\n\n".join(edited).split(" ")
    for i in (7, 90, 200):
        words[i] = "changed"
    return " ".join(words)


def deduplicate(shard_list: list[Shard], cfg: DedupConfig, engine: LocalEngine) -> dict[str, dict]:
    """Dedup as the build runs it (pipeline.py): the keyed step up to its apply stage, which then runs
    alone (the build fuses it with the stages after it). The rows of every shard, by origin."""
    out = engine.map(*keyed_tasks(engine, DedupStep(cfg, engine.work_dir), shard_list))
    return {r["origin"]: r for s in out for r in shard_io.read_rows(s.path)}


def run(tmp_path, docs: list[dict], cfg: DedupConfig | None = None, shard_size: int = 3) -> dict[str, dict]:
    return deduplicate(write_shards(tmp_path, docs, shard_size), cfg or DedupConfig(), LocalEngine(tmp_path / "work"))


def write_shards(tmp_path, docs, shard_size, prefix="in") -> list[Shard]:
    shard_list = []
    for start in range(0, len(docs), shard_size):
        name = f"{prefix}{start}-" + stable_hash("\n".join(d["origin"] for d in docs), 6)
        path = tmp_path / "shards" / f"{name}.parquet"
        shard_io.write_documents(docs[start:start + shard_size], path)
        shard_list.append(Shard(name, path, path.with_suffix(".rejects.parquet")))
    return shard_list


def clusters(result: dict[str, dict]) -> set[frozenset]:
    groups: dict[str, set] = {}
    for origin, row in result.items():
        groups.setdefault(row["cluster_id"], set()).add(origin)
    return {frozenset(g) for g in groups.values()}


def corpus() -> list[dict]:
    wire = article(1)
    return [
        doc("a/original", wire, "https://wire.example/story-1", "2026-01-02"),
        doc("b/exact-copy", wire.upper(), "https://other.example/copy", "2026-01-03"),
        doc("c/utm-variant", article(2), "https://Site.Example/news/2?utm_source=x&utm_medium=email#top", "2026-01-05"),
        doc("c/plain", article(3), "https://site.example/news/2", "2026-01-04"),
        doc("d/reprint", reprint(wire), "https://d.example/reprint", "2026-01-02"),
        doc("e/same-event", article(4), "https://e.example/own-story", "2026-01-02"),
        doc("f/other", article(5), "https://f.example/x", None),
    ]


def test_exact_url_and_near_duplicates_cluster_and_hard_negatives_stay_apart(tmp_path):
    result = run(tmp_path, corpus())
    assert clusters(result) == {
        frozenset({"a/original", "b/exact-copy", "d/reprint"}),
        frozenset({"c/utm-variant", "c/plain"}),
        frozenset({"e/same-event"}), frozenset({"f/other"}),
    }
    assert result["b/exact-copy"]["duplicate_kind"] == "exact" and result["b/exact-copy"]["similarity"] == 1.0
    assert result["c/utm-variant"]["duplicate_kind"] == "url"
    assert result["d/reprint"]["duplicate_kind"] == "near"
    assert 0.6 < result["d/reprint"]["similarity"] < 1.0
    ids = [r["id"] for r in result.values()]
    assert len(ids) == len(set(ids)), "URL duplicates share an id: one must get a new one"


def test_canonical_policy_earliest_then_longest_then_smallest_id(tmp_path):
    result = run(tmp_path, corpus())
    # a/original and d/reprint share the earliest date; the original is longer
    assert result["a/original"]["is_canonical"] and result["d/reprint"]["cluster_id"] == result["a/original"]["id"]
    assert result["c/plain"]["is_canonical"], "published a day before the utm variant"
    text = article(9)
    tie = run(tmp_path / "tie", [doc("x/1", text, "https://x.example/1"), doc("x/2", text, "https://x.example/2")])
    smallest = min(tie.values(), key=lambda r: r["id"])
    assert smallest["is_canonical"] and sum(r["is_canonical"] for r in tie.values()) == 1


def test_shuffled_input_gives_same_clusters(tmp_path):
    docs = corpus()
    first = run(tmp_path / "one", docs)
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    second = run(tmp_path / "two", shuffled, shard_size=2)
    assert clusters(first) == clusters(second)
    fields = ("id", "cluster_id", "is_canonical", "duplicate_kind", "similarity")
    assert {o: tuple(r[f] for f in fields) for o, r in first.items()} == {o: tuple(r[f] for f in fields) for o, r in second.items()}


def test_incremental_equals_full(tmp_path):
    """A second build with new pages, in the same work folder, updates the first build's index: the same
    clusters as one build of everything."""
    docs = corpus()
    full = run(tmp_path / "full", docs)
    engine = LocalEngine(tmp_path / "inc" / "work")
    old = write_shards(tmp_path / "inc", docs[:4], 2, prefix="old")
    deduplicate(old, DedupConfig(), engine)
    first = DedupIndex.saved(manifest_path(engine.work_dir))
    new = write_shards(tmp_path / "inc", docs[4:], 2, prefix="new")
    incremental = deduplicate(old + new, DedupConfig(), engine)
    assert len(DedupIndex.saved(manifest_path(engine.work_dir)).entries) == len(first.entries) + len(new)
    fields = ("id", "cluster_id", "is_canonical", "duplicate_kind", "similarity")
    assert {o: tuple(r[f] for f in fields) for o, r in full.items()} == {o: tuple(r[f] for f in fields) for o, r in incremental.items()}


def test_incremental_does_not_recompute_old_signatures(tmp_path):
    engine = LocalEngine(tmp_path / "work")
    old = write_shards(tmp_path, corpus()[:4], 2, prefix="old")
    deduplicate(old, DedupConfig(), engine)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "work" / "dedup-index" / "signatures").glob("*.parquet")}
    deduplicate(old + write_shards(tmp_path, corpus()[4:], 2, prefix="new"), DedupConfig(), engine)
    assert stamps and all(p.stat().st_mtime_ns == t for p, t in stamps.items())


def test_signature_estimates_jaccard():
    a, b = permutations(112, 1)
    words = article(11, 800).split()
    half = " ".join(words[: len(words) // 2])
    estimate = estimated_jaccard(signature(half, 5, a, b)[None], signature(" ".join(words), 5, a, b)[None])[0]
    assert 0.38 < estimate < 0.62  # true 5-shingle Jaccard of a half is about 0.5
    assert signature("", 5, a, b) is None


def test_bands_times_rows_must_match():
    with pytest.raises(ValueError):
        DedupConfig(num_hashes=100, bands=20, rows=4)


def test_examples_build_clusters_expected_pairs(examples_build, expected):
    rows = pq.read_table(examples_build / "data" / "documents").to_pylist()
    cluster_of = {r["origin"]: r["cluster_id"] for r in rows}
    for group in expected["near_duplicates"] + expected["exact_duplicates"]:
        assert len({cluster_of[o] for o in group}) == 1, group
    everything = {o for g in expected["near_duplicates"] + expected["exact_duplicates"] for o in g}
    singles = [r for r in rows if r["origin"] not in everything]
    assert all(r["is_canonical"] and r["cluster_id"] == r["id"] for r in singles)


def test_a_rebuild_updates_the_buckets_of_changed_shards_to_the_clusters_of_a_fresh_run(tmp_path):
    """Between builds one shard changes and one is new: the bucket states of the earlier run are updated
    (rows of the gone shard out, new rows in, their band groups paired again) to what a fresh run finds,
    also where groups are large enough to become stars."""
    cfg = DedupConfig(max_bucket_pairs=2)  # a band shared by three documents already makes a star
    docs = corpus()
    kept = write_shards(tmp_path, docs[:6], 2, prefix="kept")
    engine = LocalEngine(tmp_path / "work")
    reprinted = doc("g/reprint", reprint(article(1)).replace("Staff", "Desk"), None, None)
    deduplicate(kept + write_shards(tmp_path, [docs[6], reprinted], 2, prefix="before"), cfg, engine)
    for name in index_shards(kept, cfg, engine.work_dir, engine.call):  # an update never reads the band files of unchanged shards
        (tmp_path / "work" / "dedup-index" / "bands" / f"{name}.parquet").write_bytes(b"unreadable")  # still 'done'
    rewritten = doc("g/reprint", article(6), None, None)  # the reprint becomes a story of its own
    new = [doc("h/one", article(7), None, None), doc("h/two", article(8), None, None)]
    now = kept + write_shards(tmp_path, [docs[6], rewritten], 2, prefix="after") + write_shards(tmp_path, new, 2, prefix="new")
    updated = deduplicate(now, cfg, engine)
    fresh = deduplicate(now, cfg, LocalEngine(tmp_path / "fresh"))
    fields = ("id", "cluster_id", "is_canonical", "duplicate_kind", "similarity")
    assert {o: tuple(r[f] for f in fields) for o, r in updated.items()} == {o: tuple(r[f] for f in fields) for o, r in fresh.items()}
    assert clusters(updated) >= {frozenset({"a/original", "b/exact-copy", "d/reprint"}), frozenset({"g/reprint"})}
    # Candidates are verified, so stale ones would not show in the clusters: compare the pairs themselves.
    (run,) = {p.name for p in (tmp_path / "work" / "dedup-index" / "pairs").iterdir()} & {p.name for p in (tmp_path / "fresh" / "dedup-index" / "pairs").iterdir()}
    assert candidate_pairs(tmp_path / "work", run) == candidate_pairs(tmp_path / "fresh", run)


def candidate_pairs(work, run) -> set:
    tables = [pq.read_table(p) for p in (work / "dedup-index" / "pairs" / run).glob("[0-9][0-9][0-9][0-9].parquet")]
    return {(row["band_key"], row["left"], row["right"]) for table in tables for row in table.to_pylist()}


def test_candidate_pairs_are_kept_once_and_checked_in_chunks(tmp_path):
    """A pair named by many bands and many bucket files is one candidate; the chunked similarity check
    gives what one comparison of all pairs at once gives."""
    import numpy as np
    import pyarrow as pa

    from builder.dedup.clusters import _near, candidate_rows
    from builder.dedup.lsh import GROUP_PAIR_SCHEMA
    from builder.workstate import DamagedState

    keys = np.array([50, 10, 40, 20, 30], np.uint64)  # rows 0..4, in no order
    def _pairs_file(path, pairs):
        pq.write_table(pa.table({"band_key": [7] * len(pairs), "left": [p[0] for p in pairs], "right": [p[1] for p in pairs]},
                                schema=GROUP_PAIR_SCHEMA), path)
        return path

    files = [_pairs_file(tmp_path / f"pairs-{i}.parquet", pairs)
             for i, pairs in enumerate([[(10, 20), (10, 20), (20, 30)], [(10, 20), (40, 50)], []])]
    left, right = candidate_rows(keys, files)
    assert sorted(zip(keys[left].tolist(), keys[right].tolist())) == [(10, 20), (20, 30), (40, 50)]
    with pytest.raises(DamagedState, match="dedup index does not hold"):  # 60: beyond every key of the index
        candidate_rows(keys, [files[0], _pairs_file(tmp_path / "bad.parquet", [(20, 60)])])
    with pytest.raises(DamagedState, match="dedup index does not hold"):  # 25 falls between two keys
        candidate_rows(keys, [_pairs_file(tmp_path / "bad.parquet", [(20, 25)])])

    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 4, size=(40, 16)).astype(np.uint16)
    a, b = rng.integers(0, 40, 500), rng.integers(0, 40, 500)
    whole = (sigs[a] == sigs[b]).mean(axis=1) >= 0.3
    assert whole.any() and not whole.all()
    assert (_near(sigs, a, b, 0.3, chunk=7) == whole).all()


def test_a_long_text_is_signed_in_blocks_with_the_same_result():
    """Over 16,384 shingles the products are made unique and taken a block at a time (memory stays bounded
    for a page that repeats one phrase); the set of shingles, and so the signature, is what counts."""
    a, b = minhash.permutations(112, 1)
    phrase = "the tide came in over the harbour wall and the boats rose with it "
    once, often = phrase * 3, phrase * 20_000
    assert len(minhash.shingle_hashes(often, 5)) > 16_384 > len(minhash.shingle_hashes(once, 5))
    assert np.array_equal(minhash.signature(once, 5, a, b), minhash.signature(often, 5, a, b))
    words = " ".join(f"w{i}" for i in range(40_000))  # distinct shingles: several blocks, against the formula at once
    shingles = minhash.shingle_hashes(words, 5)
    folded = (shingles >> np.uint64(32)).astype(np.uint32) ^ shingles.astype(np.uint32)
    at_once = ((folded[:, None] * a[None, :] + b[None, :]).min(axis=0) & np.uint32(0xFFFF)).astype(np.uint16)
    assert np.array_equal(minhash.signature(words, 5, a, b), at_once)
