"""Boilerplate stage quality (issue 3). Reads ../shared (seeds gold, corpora); exits cleanly without it.

  python bench/bench_clean.py

(a) seeds of gold/dev.jsonl: word-level F1 of our clean text vs gold `text`, gold `removed` lines
    left over, gold citation/reference sources recovered (name + count)
(b) synthetic sites: 50 real article bodies wrapped in site A's chrome, 50 in site B's, one article
    reprinted on both; chrome lines removed, article lines removed, reprint lines kept
(c) ScrapingHub metric (4-gram shingle P/R/F1, mean over pages) of trafilatura alone vs trafilatura +
    our clean stage, on scrapinghub_aeb and wcxb_dev_articles, in the same run
(d) extraction settings (ingest.focus, ingest.fallback) + clean against a bare trafilatura.extract with its
    defaults: F1 and extraction CPU time per page; `--extraction-settings` runs only this part
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from builder.clean.boilerplate import BoilerplateStage  # noqa: E402
from builder.clean.config import CleanConfig  # noqa: E402
from builder.clean.site_lines import CleanStage, build_index, index_keys, keys_table  # noqa: E402
from builder.ingest.config import IngestConfig  # noqa: E402
from builder.ingest.extract import extract_page, normalize_text, text_hash  # noqa: E402

CLEAN = CleanConfig()


def clean_rows(rows: list[dict], cfg: CleanConfig = CLEAN) -> list[dict]:
    """The build's clean steps on extracted documents: page rules, site index, apply."""
    rows, _ = BoilerplateStage(cfg).process(rows)
    index = build_index(index_keys(keys_table(rows)), cfg)
    docs, _ = CleanStage(cfg, index).process([dict(r) for r in rows])
    return docs


def word_f1(ours: str, gold: str) -> float:
    a, b = Counter(ours.split()), Counter(gold.split())
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def seeds() -> None:
    print("## (a) seeds vs gold/dev.jsonl")
    for line in (SHARED / "gold" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if not rec.get("raw_text"):
            continue
        text = normalize_text(rec["raw_text"])
        row = {"id": rec["doc_id"], "origin": rec["origin"], "url": None, "site": None, "content_type": "text",
               "text": text, "text_hash": text_hash(text), "links": []}
        (doc,) = clean_rows([row])
        left = [r["text"] for r in rec["removed"] if r["text"] in doc["text"]]
        gold_src = Counter((s["kind"], s["name"], s["count"]) for s in rec["sources"] if s["kind"] in ("citation", "reference"))
        ours = Counter((s["kind"], s["name"], s.get("count")) for s in doc["sources"])
        found = sum((gold_src & ours).values())
        print(f"{rec['doc_id']}: word F1 {word_f1(doc['text'], rec['text']):.4f}; exact text match {doc['text'] == rec['text']}; "
              f"gold removed lines left {len(left)}/{len(rec['removed'])}; gold chips+references recovered "
              f"{found}/{sum(gold_src.values())}; extra source records {sum((ours - gold_src).values())}")


def _page(site: str, n: int, title: str, paragraphs: list[str], chrome: dict, neighbours: tuple[str, str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    related = "".join(f"<li><a href='/r/{i}'>{html.escape(t)}</a></li>" for i, t in enumerate(chrome["related"]))
    return (f"<html><head><title>{html.escape(title)}</title>"
            f"<link rel='canonical' href='https://{site}/story/{n}'></head><body>"
            f"<header><p>{chrome['cookie']}</p><nav>{chrome['nav']}</nav></header>"
            f"<article><h1>{html.escape(title)}</h1>{body}<p>{chrome['read_more']}</p><p>{chrome['subscribe']}</p>"
            f"<p>Share</p></article>"
            f"<div class='prevnext'><p>Previous</p><p>{html.escape(neighbours[0])}</p><p>Next</p><p>{html.escape(neighbours[1])}</p></div>"
            f"<aside><h2>{chrome['related_heading']}</h2><ul>{related}</ul></aside>"
            f"<footer><p>{chrome['copyright']}</p><p>{chrome['links']}</p></footer></body></html>")


CHROME_A = {"cookie": "We use cookies to give you the best experience on The Tideline. By continuing you agree to our use of cookies.",
            "nav": "Home | News | Sport | Business | Opinion", "read_more": "Read more: The Tideline's weekend guide to the coast",
            "subscribe": "Enjoying The Tideline? Subscribe from £1 a week and support local journalism.",
            "related_heading": "Related articles", "related": ["Night market returns to the quay", "Ten cliff walks to try this spring", "Letters: parking charges again"],
            "copyright": "© 2026 Tideline Media Ltd. All rights reserved.", "links": "About us | Contact | Privacy policy | Terms"}
CHROME_B = {"cookie": "This site uses cookies. Continued use of the Valley Ledger means you accept our privacy policy.",
            "nav": "Local · Schools · Business · Obituaries", "read_more": "Read more: Get Valley Ledger headlines every morning",
            "subscribe": "Support local news. Become a Valley Ledger subscriber today for just $1.",
            "related_heading": "More from the Ledger", "related": ["Where to find the best pie in the county", "Photos: the winter parade", "Obituaries for this week"],
            "copyright": "Copyright © 2026 Valley Ledger Co. All rights reserved.", "links": "Contact us · Submit a tip · Advertise · Terms of use"}


def _articles(corpus: str, limit: int) -> list[tuple[str, list[str]]]:
    out = []
    for line in (SHARED / "corpora" / corpus / "manifest.jsonl").read_text().splitlines():
        rec = json.loads(line)
        gold = json.loads((SHARED / "corpora" / corpus / rec["gold"]).read_text(encoding="utf-8"))
        body = gold.get("articleBody") or gold.get("ground_truth", {}).get("main_content") or ""
        paras = [p.strip() for p in re.split(r"\n+", body) if len(p.split()) >= 8]
        title = gold.get("ground_truth", {}).get("title") or paras[0][:80] if paras else ""
        if len(paras) >= 4:
            out.append((title, paras))
        if len(out) == limit:
            break
    return out


def _line(text: str) -> str:
    """Compare lines as the clean stage leaves them: spacing normalised, list marker gone (it is stripped)."""
    return _MARKER.sub("", " ".join(text.split()))


_MARKER = re.compile(r"^(?:[•·▪‣◦●○■□–*-]|\d{1,2}[.)]) (?=\S)")


def synthetic_sites() -> None:
    print("\n## (b) synthetic sites (50 + 50 real article bodies in two chromes, one article reprinted on both)")
    sites = {"tideline.example": (CHROME_A, _articles("scrapinghub_aeb", 50)),
             "valleyledger.example": (CHROME_B, _articles("wcxb_dev_articles", 50))}
    reprint = sites["tideline.example"][1][0]
    sites["valleyledger.example"][1].append(reprint)
    rows, expected = [], {}
    for site, (chrome, articles) in sites.items():
        for n, (title, paras) in enumerate(articles):
            neighbours = (articles[n - 1][0], articles[(n + 1) % len(articles)][0])
            page = _page(site, n, title, paras, chrome, neighbours)
            raw = {"origin": f"{site}/{n}", "data": page.encode(), "url": None, "kind": "html"}
            doc = extract_page(raw, IngestConfig())
            if "id" in doc:
                rows.append(doc)
                chrome_lines = [chrome[k] for k in ("cookie", "nav", "read_more", "subscribe", "related_heading", "copyright", "links")]
                chrome_lines += chrome["related"] + ["Share", "Previous", "Next", *neighbours]
                expected[doc["origin"]] = (chrome_lines, paras, (title, paras) == reprint)
    docs = {d["origin"]: d for d in clean_rows([dict(r) for r in rows])}
    chrome_total = chrome_left = chrome_extracted = article_total = article_removed = 0
    reprint_ok = []
    for row in rows:
        doc = docs.get(row["origin"], {"text": ""})
        chrome_lines, paras, is_reprint = expected[doc["origin"]]
        before = {_line(ln) for ln in row["text"].split("\n")}
        after = {_line(ln) for ln in doc["text"].split("\n")}
        chrome_total += len(chrome_lines)
        chrome_left += sum(_line(c) in after for c in chrome_lines)
        chrome_extracted += sum(_line(c) in before for c in chrome_lines)  # what trafilatura left for us
        present = [p for p in map(_line, paras) if p in before]
        article_total += len(present)
        article_removed += sum(p not in after for p in present)
        if is_reprint:
            reprint_ok.append(all(p in after for p in present))
    print(f"pages {len(docs)}; chrome lines removed {1 - chrome_left / chrome_total:.2%} ({chrome_total - chrome_left}/{chrome_total}); "
          f"of the {chrome_extracted} left by trafilatura, clean removed {chrome_extracted - chrome_left}; "
          f"article lines removed by clean {article_removed / article_total:.2%} ({article_removed}/{article_total}); "
          f"reprint keeps all lines on both sites: {reprint_ok}")


def shingles(text: str) -> set:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i:i + 4]) for i in range(max(len(tokens) - 3, 1))} if tokens else set()


def prf(ours: str, gold: str) -> tuple[float, float, float]:
    a, b = shingles(ours), shingles(gold)
    if not b:
        return (1.0, 1.0, 1.0) if not a else (0.0, 1.0, 0.0)
    if not a:
        return 0.0, 0.0, 0.0
    common = len(a & b)
    p, r = common / len(a), common / len(b)
    return p, r, (2 * p * r / (p + r) if common else 0.0)


def scrapinghub_metric() -> None:
    print("\n## (c) ScrapingHub metric: trafilatura alone vs trafilatura + clean (same run)")
    totals = {"trafilatura": [], "clean": []}
    pages = list(_gold_pages())
    for corpus in ("scrapinghub_aeb", "wcxb_dev_articles"):
        rows, golds = [], {}
        start = time.perf_counter()
        for _, rec, data, gold in (page for page in pages if page[0] == corpus):
            golds[rec["id"]] = gold
            raw = {"origin": rec["id"], "data": data, "url": rec.get("url"), "kind": "html"}
            doc = extract_page(raw, IngestConfig())
            rows.append(doc if "id" in doc else {"origin": rec["id"], "missing": True})
        extracted = [r for r in rows if "id" in r]
        cleaned = {d["origin"]: d["text"] for d in clean_rows([dict(r) for r in extracted])}
        base = {r["origin"]: r["text"] for r in extracted}
        scores = {"trafilatura": [prf(base.get(o, ""), g) for o, g in golds.items()],
                  "clean": [prf(cleaned.get(o, ""), g) for o, g in golds.items()]}
        for name, vals in scores.items():
            totals[name] += vals
            p, r, f = (sum(v[i] for v in vals) / len(vals) for i in range(3))
            print(f"{corpus} ({len(vals)} pages) {name:11s}: P {p:.4f} R {r:.4f} F1 {f:.4f}")
        f_base = sum(v[2] for v in scores["trafilatura"]) / len(golds)
        f_clean = sum(v[2] for v in scores["clean"]) / len(golds)
        print(f"{corpus}: F1 clean / trafilatura = {f_clean / f_base:.4f}  ({time.perf_counter() - start:.0f} s)")
    for name, vals in totals.items():
        p, r, f = (sum(v[i] for v in vals) / len(vals) for i in range(3))
        print(f"overall ({len(vals)} pages) {name:11s}: P {p:.4f} R {r:.4f} F1 {f:.4f}")


def _gold_pages():
    for corpus in ("scrapinghub_aeb", "wcxb_dev_articles"):
        folder = SHARED / "corpora" / corpus
        for line in (folder / "manifest.jsonl").read_text().splitlines():
            rec = json.loads(line)
            gold = json.loads((folder / rec["gold"]).read_text(encoding="utf-8"))
            text = gold["articleBody"] if "articleBody" in gold else gold["ground_truth"].get("main_content") or ""
            yield corpus, rec, (folder / rec["html"]).read_bytes(), text


def extraction_settings() -> None:
    """(d) Quality and CPU time of the extraction settings, after the clean stage, against a bare
    trafilatura.extract (defaults) on the same pages in the same run: what the build's defaults buy."""
    import trafilatura

    print("\n## (d) extraction settings + clean vs bare trafilatura.extract (same run)")
    pages = list(_gold_pages())
    variants = {"bare trafilatura.extract, defaults (baseline)": None,
                **{f"newscorpus focus={focus}, fallback=true": IngestConfig(focus=focus) for focus in ("recall", "balanced", "precision")},
                "newscorpus focus=balanced, fallback=false": IngestConfig(focus="balanced", fallback=False),
                "newscorpus focus=recall, fallback=false": IngestConfig(focus="recall", fallback=False)}
    print("| extraction | pages | P | R | F1 | extraction CPU ms/page | F1 vs baseline | CPU vs baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base = None
    for name, cfg in variants.items():
        start, texts = time.process_time(), {}
        for corpus, rec, data, _ in pages:
            key = f"{corpus}/{rec['id']}"
            if cfg is None:
                texts[key] = trafilatura.extract(data, url=rec.get("url")) or ""
                continue
            doc = extract_page({"origin": key, "data": data, "url": rec.get("url"), "kind": "html"}, cfg)
            if "id" in doc:
                texts[key] = doc
        ms = 1000 * (time.process_time() - start) / len(pages)
        if cfg is not None:
            texts = {d["origin"]: d["text"] for d in clean_rows([dict(d) for d in texts.values()])}
        scores = [prf(texts.get(f"{c}/{r['id']}", ""), gold) for c, r, _, gold in pages]
        p, r, f = (sum(v[i] for v in scores) / len(scores) for i in range(3))
        base = base or (f, ms)
        print(f"| {name} | {len(pages)} | {p:.4f} | {r:.4f} | {f:.4f} | {ms:.1f} | {f / base[0]:.4f} | {ms / base[1]:.2f}x |")


def main() -> None:
    if not (SHARED / "gold" / "dev.jsonl").exists() or not (SHARED / "corpora").exists():
        print(f"bench_clean: {SHARED} (gold, corpora) not found; nothing to measure.")
        return
    if "--extraction-settings" in sys.argv:
        extraction_settings()
        return
    seeds()
    synthetic_sites()
    scrapinghub_metric()
    extraction_settings()


if __name__ == "__main__":
    main()
