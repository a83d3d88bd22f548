"""Where the time of a build goes, ours and datatrove's, step by step, on the same documents (issue 26).

bench_scale.py gives the whole-build ratio; this splits it. One worker, one process each (our local engine runs
its stages in the calling process when workers=1, datatrove's LocalPipelineExecutor too), the same replicas of
the ../shared/corpora article pages as bench_scale.py, in one JSONL file:

  newscorpus  each stage's `process` (extract waits for its guard child, so its wall time is the extraction's),
              the key files and reduces of the two keyed steps, shard reads and writes, the final output;
              "the rest" is the build's wall time minus these (input reading, engine bookkeeping).
  datatrove   its own per-step timing (stats.json of each pass). A step's timer wraps its loop over the
              documents, so the last step of a pass (MinHash signatures) also counts the steps before it,
              which pull the documents through it: its own time is its figure minus theirs.

Wall seconds on a quiet machine (run it alone; `nice -n -20` where you may). The shares matter, not the speed.

    pip install -r bench/requirements.txt
    python bench/bench_time_split.py [--documents 2000]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402  (the same replicas, the same datatrove pipeline)

spent: dict[str, float] = defaultdict(float)


def _timed(owner, attribute: str, label: str) -> None:
    original = getattr(owner, attribute)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - start

    setattr(owner, attribute, timed)


def ours(inputs: Path, work: Path) -> tuple[float, dict[str, float]]:
    from builder.heap import arrow_uses_malloc

    arrow_uses_malloc()
    from builder import pipeline, shards
    from builder.clean.boilerplate import BoilerplateStage
    from builder.clean.site_index import SiteLines
    from builder.clean.site_lines import CleanStage
    from builder.clean.stage import LanguageStage
    from builder.config import parse_config
    from builder.dedup.clusters import ApplyClusters, DedupStep
    from builder.ingest.stage import ExtractStage

    for owner, attribute, label in [
            (ExtractStage, "process", "extract (trafilatura and our extraction around it)"),
            (BoilerplateStage, "process", "page rules (boilerplate lines)"),
            (SiteLines, "write_keys", "site-line keys"), (SiteLines, "reduce", "site-line reduce"),
            (CleanStage, "process", "site lines cut"), (LanguageStage, "process", "language (langdetect)"),
            (DedupStep, "write_keys", "dedup keys (MinHash signatures)"), (DedupStep, "reduce", "dedup reduce (clusters)"),
            (ApplyClusters, "process", "cluster fields"),
            (shards, "write_output", "shard writes"), (shards, "read_rows", "shard reads"),
            (pipeline, "write_build_output", "output (sorted Parquet, card)")]:
        _timed(owner, attribute, label)
    config = parse_config({"annotate": {"entities": False, "sources": False, "claims": False},
                           "build": {"work_dir": str(work / "work"), "workers": 1}}, root=str(work))
    start = time.perf_counter()
    pipeline.build(config, inputs=[inputs], output=work / "out")
    return time.perf_counter() - start, dict(spent)


def _plain(name: str) -> str:
    """datatrove's step names without their emoji: "EXTRAC Trafilatura"."""
    return " ".join(re.sub(r"[^\x20-\x7e]", " ", name).replace(" - ", " ").replace(":", " ").split())


def theirs(inputs: Path, work: Path) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    bench_scale.child_datatrove(str(inputs), str(work), 1, 1)
    total = time.perf_counter() - start
    steps: dict[str, float] = {}
    for name in ("extract", "buckets", "cluster", "filter"):
        stats = json.loads((work / "logs" / name / "stats.json").read_text())
        times = [(_plain(step["name"]), step["time_stats"]["total"]) for step in stats
                 if isinstance(step, dict) and isinstance(step.get("time_stats"), dict)]
        if name == "extract":  # the signature step's timer also counts the steps that feed it (see above)
            *feeding, (last, last_time) = times
            steps.update({f"{step} (extract pass)": seconds for step, seconds in feeding})
            steps[f"{last} (own: its figure minus the steps before it)"] = last_time - sum(s for _, s in feeding)
        else:
            steps[f"{name} pass"] = sum(seconds for _, seconds in times)
    return total, steps


def table(title: str, total: float, steps: dict[str, float]) -> list[str]:
    lines = [f"| {title} | seconds | share |", "|---|---:|---:|"]
    for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        lines.append(f"| {step} | {seconds:.1f} | {seconds / total:.1%} |")
    rest = total - sum(steps.values())
    lines += [f"| the rest (input, bookkeeping) | {rest:.1f} | {rest / total:.1%} |", f"| **whole build** | {total:.1f} | 100% |"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    options = parser.parse_args()
    if not bench_scale.CORPORA.exists():
        raise SystemExit(f"bench_time_split: {bench_scale.CORPORA} is absent (it is not part of the repository); nothing to measure.")
    try:
        bench_scale.datatrove_version()
    except Exception:
        raise SystemExit("bench_time_split: the baseline needs datatrove: pip install -r bench/requirements.txt (bench only).")
    with tempfile.TemporaryDirectory(prefix="nc-bench-split-") as tmp:
        tmp = Path(tmp)
        bench_scale.write_input(tmp / "input", 0, options.documents, bench_scale._pages(), options.documents)
        our_total, our_steps = ours(tmp / "input", tmp / "nc")
        their_total, their_steps = theirs(tmp / "input", tmp / "dt")
    print(f"{options.documents} documents, one worker each; wall seconds.\n")
    print("\n".join(table("newscorpus step", our_total, our_steps)) + "\n")
    print("\n".join(table(f"datatrove {bench_scale.datatrove_version()} step", their_total, their_steps)))
    print(f"\nwhole build, datatrove / newscorpus: {their_total / our_total:.2f}x")


if __name__ == "__main__":
    main()
