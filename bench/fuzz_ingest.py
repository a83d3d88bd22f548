"""The long fuzz run of issue 10: the property tests of tests/ingest/test_fuzz.py with many more examples.

    python bench/fuzz_ingest.py [--examples N] [--tests tests/review/test_review_fuzz.py]

Random bytes under every input name, random HTML, random JSONL (plain and gzip) and random WARC records
(truncated at random points) go through ingest, extraction and page cleaning; the run passes when no
exception escapes and every input ends as a document or a reject with a reason. Needs no ../shared.
`--tests tests/review/test_review_fuzz.py` runs the interchange readers' and decision logs' properties instead.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per property (the suite uses 40)")
    parser.add_argument("--tests", default="tests/ingest/test_fuzz.py", help="the property tests to run longer")
    args = parser.parse_args()
    env = {**os.environ, "NEWSCORPUS_FUZZ_EXAMPLES": str(args.examples)}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-p", "no:warnings",
                             str(REPO / args.tests)], cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    tail = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()[-500:]
    print(f"{args.tests}, {args.examples} examples per property: {tail} in {seconds:.0f} s "
          f"(python {platform.python_version()}, {os.cpu_count()} cores)")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
