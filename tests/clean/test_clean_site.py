"""Per-site repeated lines (map -> reduce -> map) and the clean stage, on our own synthetic pages."""

import pyarrow.parquet as pq

from builder.clean.config import CleanConfig
from builder.clean import site_lines
from builder.clean.site_lines import CleanStage, build_index, index_keys, keys_table, keys_name
from builder.ingest.extract import text_hash

CHROME_A = ["Harbour Press: news from the quay", "Sign in to comment on this story", "Harbour Press Ltd, 1 Quay Street, Port Carrow"]
CHROME_B = ["Valley Herald: your local paper", "Tip us off: news@valleyherald.example"]
BODIES = [
    [f"Story {n} opens with an original first paragraph about event number {n} in the town.",
     f"A second paragraph adds detail {n * 7} that no other story on the site repeats word for word."]
    for n in range(12)
]


def doc(site, lines, n):
    text = "\n\n".join(lines)
    return {"id": f"{site}-{n}", "origin": f"{site}/{n}", "url": None, "site": site, "text": text,
            "text_hash": text_hash(text), "removals": [], "links": [], "sources": []}


def run(rows, **cfg):
    config = CleanConfig(**cfg)
    index = build_index(index_keys(keys_table(rows)), config)
    return CleanStage(config, index).process([dict(r) for r in rows])


def test_site_chrome_removed_per_site_and_article_lines_kept():
    rows = [doc("a.example", [CHROME_A[0], *BODIES[n], CHROME_A[1], CHROME_A[2]], n) for n in range(6)]
    rows += [doc("b.example", [CHROME_B[0], *BODIES[n], CHROME_B[1]], n) for n in range(6, 12)]
    docs, rejects = run(rows)
    assert not rejects
    for d in docs:
        n = int(d["id"].split("-")[-1])
        assert d["text"] == "\n\n".join(BODIES[n])
        assert {r["rule"] for r in d["removals"]} == {"site-repeat"}
        assert all(rows[[r["id"] for r in rows].index(d["id"])]["text"][r["start"]:r["end"]] == r["text"] for r in d["removals"])


def test_same_article_on_two_sites_keeps_all_lines():
    wire = BODIES[0] + ["(Reporting by the newsroom; editing by the desk)"]
    rows = [doc("a.example", [CHROME_A[0], *wire], 0), doc("b.example", [CHROME_B[0], *wire], 0)]
    rows += [doc("a.example", [CHROME_A[0], *BODIES[n]], n) for n in (1, 2, 3)]
    rows += [doc("b.example", [CHROME_B[0], *BODIES[n]], n) for n in (4, 5, 6)]
    docs, _ = run(rows)
    for d in docs:
        if d["id"].endswith("-0"):
            assert d["text"] == "\n\n".join(wire)


def test_thresholds_fraction_and_min_count():
    rare = [doc("a.example", [CHROME_A[0], *BODIES[n]], n) for n in range(2)]  # only 2 pages: below min count
    assert all(not d["removals"] for d in run(rare)[0])
    half = [doc("a.example", ([CHROME_A[1]] if n < 3 else []) + BODIES[n], n) for n in range(8)]  # 3 of 8 pages
    assert all(not d["removals"] for d in run(half)[0])
    assert sum(bool(d["removals"]) for d in run(half, site_min_fraction=0.3)[0]) == 3


def test_exact_copies_count_once():
    copies = [doc("a.example", BODIES[0], n) for n in range(4)] + [doc("a.example", BODIES[n], n) for n in (1, 2)]
    docs, rejects = run(copies)
    assert not rejects and all(d["text"] == "\n\n".join(BODIES[0]) for d in docs[:4])


def test_keep_boilerplate_marks_only():
    rows = [doc("a.example", [CHROME_A[0], *BODIES[n]], n) for n in range(4)]
    docs, _ = run(rows, keep_boilerplate=True)
    assert [d["text"] for d in docs] == [r["text"] for r in rows]
    assert all(d["removals"][0]["text"] == CHROME_A[0] for d in docs)


def test_link_offsets_follow_the_clean_text():
    rows = [doc("a.example", [CHROME_A[0], *BODIES[n]], n) for n in range(4)]
    start = rows[0]["text"].index("event number")
    rows[0]["links"] = [{"start": start, "end": start + 12, "url": "https://a.example/e", "text": "event number", "domain": "a.example"}]
    docs, _ = run(rows)
    link = docs[0]["links"][0]
    assert docs[0]["text"][link["start"]:link["end"]] == "event number"


def test_examples_build_has_no_chrome_line(examples_build, expected):
    rows = pq.read_table(examples_build / "data" / "documents").to_pylist()
    chrome = {line for lines in expected["chrome_lines"].values() for line in lines}
    leftovers = [(r["origin"], line) for r in rows for line in r["text"].split("\n") if line.strip() in chrome]
    assert leftovers == []
    assert any(s["kind"] == "citation" for r in rows for s in r["sources"])
    for r in rows:
        assert all(r["text"][k["start"]:k["end"]] == k["text"] for k in r["links"])


def test_lines_repeated_inside_a_page_are_the_articles_own_template():
    rows = [doc("a.example", [*BODIES[n], "Pros", f"Light and quiet model {n}.", "Pros", f"Cheap to run {n}."], n) for n in range(4)]
    docs, _ = run(rows)
    assert all("Pros" in d["text"].split("\n") for d in docs)


def _write_site(folder, n_pages=4):
    site = folder / "quaynews.example"
    site.mkdir()
    for n in range(n_pages):
        body = "\n\n".join(BODIES[n])
        (site / f"story-{n}.txt").write_text(f"Quay News: the harbour's paper\n\n{body}\n\nShare\n\nPrevious\n\nOlder story {n}\n", encoding="utf-8")
    return site


def _build(tmp_path, keep):
    from builder.config import parse_config
    from builder.pipeline import build

    config = parse_config({"build": {"work_dir": str(tmp_path / "work"), "output": str(tmp_path / f"out-{keep}")},
                           "clean": {"keep_boilerplate": keep},
                           "ingest": {"default_site": "quaynews.example"}}, root=str(tmp_path))
    result = build(config, inputs=[tmp_path / "quaynews.example"])
    return pq.read_table(result.output / "data" / "documents").to_pylist()


def test_build_removes_or_only_marks_with_keep_boilerplate(tmp_path):
    _write_site(tmp_path)
    cleaned, marked = _build(tmp_path, False), _build(tmp_path, True)
    assert sorted(d["text"] for d in cleaned) == sorted("\n\n".join(BODIES[n]) for n in range(4))
    assert all(d["text"].startswith("Quay News: the harbour's paper") for d in marked)
    for doc in marked:  # marking keeps offsets valid in the unchanged text
        assert {r["rule"] for r in doc["removals"]} == {"site-repeat", "navigation", "prev-next"}
        assert all(doc["text"][r["start"]:r["end"]] == r["text"] for r in doc["removals"])


def test_site_line_keys_are_written_by_the_extract_job_and_remade_when_missing(tmp_path):
    _write_site(tmp_path)
    first = _build(tmp_path, False)
    keys = sorted((tmp_path / "work" / "extract+boilerplate").glob(f"*.{keys_name()}.parquet"))
    assert keys and pq.read_table(keys[0]).num_rows > 0  # beside each extracted shard
    for path in keys:
        path.unlink()
    assert _build(tmp_path, False) == first
    assert sorted((tmp_path / "work" / "extract+boilerplate").glob(f"*.{keys_name()}.parquet")) == keys


def test_clean_settings_do_not_rerun_extraction(tmp_path):
    """The site-line thresholds, keep_boilerplate and site_lines are the clean stage's: extraction is reused."""
    from builder.config import parse_config
    from builder.pipeline import build

    _write_site(tmp_path)
    extracted = tmp_path / "work" / "extract+boilerplate"
    outputs = []
    for n, clean in enumerate([{}, {"site_min_count": 4}, {"keep_boilerplate": True}, {"site_lines": False}, {}]):
        config = parse_config({"build": {"work_dir": str(tmp_path / "work"), "output": str(tmp_path / f"out{n}")},
                               "clean": clean, "ingest": {"default_site": "quaynews.example"}}, root=str(tmp_path))
        build(config, inputs=[tmp_path / "quaynews.example"])
        outputs.append(sorted(extracted.glob("*.parquet")))
    assert all(files == outputs[0] for files in outputs)  # no new extract shard
    assert _build(tmp_path, False) == pq.read_table(tmp_path / "out0" / "data" / "documents").to_pylist()
    assert len({str(pq.read_table(tmp_path / f"out{n}" / "data" / "documents").column("text").to_pylist()) for n in range(4)}) > 1


def test_a_new_clean_stage_version_makes_the_site_line_keys_again(tmp_path, monkeypatch):
    """The keys and the clean stage's lookups share line_key: when it changes (with the stage's version),
    keys made before must not be read, or the index and the lookups would disagree and chrome would stay."""
    _write_site(tmp_path)
    _build(tmp_path, False)
    monkeypatch.setattr(site_lines, "line_key", lambda line: "v2|" + " ".join(line.lower().split()))
    monkeypatch.setattr(CleanStage, "version", "2-test")
    rebuilt = _build(tmp_path, False)
    assert sorted(d["text"] for d in rebuilt) == sorted("\n\n".join(BODIES[n]) for n in range(4))
