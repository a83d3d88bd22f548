"""Page metadata (issue 2): builder.ingest.metadata against trafilatura's extract_metadata, in the same run.

  python bench/bench_metadata.py

On the 793 pages of ../shared/corpora/wcxb_dev_articles, whose gold has a title, an author and a
publish date per page (drafted by a model, reviewed by people). Both extractors get the same parsed tree
and page URL; trafilatura runs as newscorpus called it before (htmldate's extensive search off).
Scores, over the pages whose gold has the field:
  title   the normalised strings are equal (case, spacing, quote marks ignored)
  author  the first extracted name and the gold's first name are equal or one contains the other
  date    the same calendar day
plus 'author given where gold has none' (a spurious byline) and CPU ms/page (time.process_time).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpora" / "wcxb_dev_articles"
sys.path.insert(0, str(REPO))


def _norm(text: str | None) -> str:
    text = (text or "").casefold().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.sub(r"[\"'`]", "", text).split())


def _first_name(authors: str | list[str] | None) -> str:
    if isinstance(authors, list):
        authors = authors[0] if authors else ""
    return _norm(re.split(r"\s*(?:;|,|\band\b|&)\s*", authors or "")[0])


def _pages():
    from trafilatura.utils import load_html

    from builder.ingest.decode import decode

    for line in (CORPUS / "manifest.jsonl").read_text().splitlines():
        item = json.loads(line)
        gold = json.loads((CORPUS / item["gold"]).read_text())["ground_truth"]
        text, _ = decode((CORPUS / item["html"]).read_bytes(), None)
        tree = load_html(text)
        if tree is not None:
            yield tree, item.get("url"), gold


def trafilatura_metadata(tree, url):
    from trafilatura.metadata import extract_metadata
    from trafilatura.settings import set_date_params

    found = extract_metadata(tree, default_url=url, date_config=set_date_params(False))
    authors = [a.strip() for a in (found.author or "").split(";") if a.strip()]
    return found.title, authors, (found.date or "")[:10] or None


def newscorpus_metadata(tree, url):
    from builder.ingest.metadata import page_metadata

    found = page_metadata(tree, url)
    return found.title, found.authors, found.published.isoformat() if found.published else None


def score(extract, pages) -> dict:
    tally = {"title": [0, 0], "author": [0, 0], "date": [0, 0], "spurious_author": [0, 0]}
    seconds = 0.0
    for tree, url, gold in pages:
        start = time.process_time()
        title, authors, date = extract(tree, url)
        seconds += time.process_time() - start
        if gold.get("title"):
            tally["title"][0] += _norm(title) == _norm(gold["title"])
            tally["title"][1] += 1
        if gold.get("author"):
            ours, theirs = _first_name(authors), _first_name(gold["author"])
            tally["author"][0] += bool(ours) and (ours in theirs or theirs in ours)
            tally["author"][1] += 1
        else:
            tally["spurious_author"][0] += bool(authors)
            tally["spurious_author"][1] += 1
        if gold.get("publish_date"):
            tally["date"][0] += date == gold["publish_date"][:10]
            tally["date"][1] += 1
    return {"ms_per_page": 1000 * seconds / len(pages), **tally}


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"bench_metadata: {CORPUS} not found (the shared corpora are needed); nothing measured.")
    pages = list(_pages())
    results = {"trafilatura extract_metadata (baseline)": score(trafilatura_metadata, pages),
               "newscorpus page_metadata": score(newscorpus_metadata, pages)}
    print(f"{len(pages)} pages of {CORPUS.name}\n")
    print("| extractor | title | author | date | author where gold has none | CPU ms/page |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        cells = [f"{r[k][0] / max(r[k][1], 1):.3f} ({r[k][0]}/{r[k][1]})" for k in ("title", "author", "date", "spurious_author")]
        print(f"| {name} | {' | '.join(cells)} | {r['ms_per_page']:.2f} |")
    base, ours = results.values()
    print(f"\nspeed: newscorpus takes {ours['ms_per_page'] / base['ms_per_page']:.2f}x the baseline's CPU time per page")


if __name__ == "__main__":
    main()
