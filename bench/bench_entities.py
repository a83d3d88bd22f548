"""Issue 5: entity quality and speed on ../shared/gold/dev.jsonl, ours against the plain small model.

  (a) plain   the spaCy pipeline as shipped (full pipeline), its entities filtered to the labels
  (b) ours    AnnotateStage: lexicon ruler before ner, span rules, linking; only the components it needs
Both are scored in the same run, exact and overlap, over PERSON, ORG, GPE, LOC, NORP.
Speed: words/s on one core of (b)'s entity stage and of the model's full pipeline, on the dev texts
repeated to at least --min-words words.

Run: python bench/bench_entities.py [--json] [--ablations]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO.parent / "shared" / "gold" / "dev.jsonl"
LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP")
sys.path.insert(0, str(REPO))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one core: numpy must not spread over threads

from builder.annotate.config import AnnotateConfig  # noqa: E402
from builder.annotate.evaluate import MICRO, evaluate_entities, read_gold  # noqa: E402
from builder.annotate.stage import AnnotateStage  # noqa: E402


def plain_rows(nlp, texts):
    return [{"entities": [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]}
            for doc in nlp.pipe(texts)]


def ours_rows(stage, texts):
    rows = [{"id": str(i), "language": "en", "text": t} for i, t in enumerate(texts)]
    return stage.process(rows)[0]


def words_per_second(run, texts) -> float:
    """Per core: words over the CPU time of this process (other jobs on the machine do not count)."""
    words = sum(len(t.split()) for t in texts)
    start = time.process_time()
    run(texts)
    return words / (time.process_time() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--min-words", type=int, default=100_000)
    parser.add_argument("--ablations", action="store_true", help="also score ours without the ruler / linking")
    args = parser.parse_args()
    if not GOLD.exists():
        print(f"gold set not found at {GOLD} (it lives in ../shared next to the repo); nothing to measure.")
        return 0
    import spacy

    config = AnnotateConfig(claims=False, sources=False)  # the entity stage alone
    gold = read_gold(GOLD)
    texts = [d["text"] for d in gold]
    plain = spacy.load(config.model)
    stage = AnnotateStage(config)
    stage.setup()

    report = {
        "plain": evaluate_entities(gold, plain_rows(plain, texts), LABELS),
        "ours": evaluate_entities(gold, ours_rows(stage, texts), LABELS),
    }
    if args.ablations:
        for name, change in (("no_ruler", {"ruler": False}), ("no_linking", {"link": False})):
            variant = AnnotateStage(config.model_copy(update=change))
            report[f"ours_{name}"] = evaluate_entities(gold, ours_rows(variant, texts), LABELS)
    bulk = texts * (args.min_words // sum(len(t.split()) for t in texts) + 1)
    plain_rows(plain, texts[:2]), ours_rows(stage, texts[:2])  # warm up both
    report["speed_words_per_s"] = {
        "ours_entity_stage": round(words_per_second(lambda t: ours_rows(stage, t), bulk)),
        "model_full_pipeline": round(words_per_second(lambda t: plain_rows(plain, t), bulk)),
        "words": sum(len(t.split()) for t in bulk),
        "pipes_ours": stage.pipelines["en"].pipe_names,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for mode in ("exact", "overlap"):
        print(f"\n{mode} match       plain P/R/F1          ours P/R/F1")
        for label in (*LABELS, MICRO):
            a, b = report["plain"][mode][label], report["ours"][mode][label]
            print(f"  {label:8} {a['precision']:.3f} {a['recall']:.3f} {a['f1']:.3f}    "
                  f"{b['precision']:.3f} {b['recall']:.3f} {b['f1']:.3f}  (gold {b['tp'] + b['fn']})")
    for name in ("ours_no_ruler", "ours_no_linking"):
        if name in report:
            print(f"{name}: exact F1 " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in report[name]["exact"].items()))
    speed = report["speed_words_per_s"]
    print(f"\nspeed per core (CPU time), 1 process, {speed['words']} words: entity stage {speed['ours_entity_stage']} words/s "
          f"({'+'.join(speed['pipes_ours'])}); full pipeline {speed['model_full_pipeline']} words/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
