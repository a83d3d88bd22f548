"""Extraction in a killable child: slow or memory-hungry pages become rejects and the next page works."""

import subprocess
import sys
from pathlib import Path

import pytest

from builder.ingest.config import IngestConfig
from builder.ingest.guard import GuardedExtractor
from builder.ingest.readers import page
from builder.ingest.stage import ExtractStage

GOOD = page("good.html", (b"<html><body><article><p>" + b"The ferry sailed again on Monday after three days. " * 5
                          + b"</p></article></body></html>"), "html")
# About 6 MB of real paragraphs: far longer to parse than the tiny limit below.
HEAVY = page("heavy.html", b"<html><body>" + b"<div><p>Long text of a very long page, sentence after sentence.</p></div>" * 80_000
             + b"</body></html>", "html")


def test_slow_page_times_out_and_the_child_is_replaced():
    # The heavy page needs about a minute; the good one well under a second even on a loaded machine.
    guard = GuardedExtractor(IngestConfig(timeout_seconds=5, max_page_bytes=50_000_000))
    try:
        slow, good = guard.extract_many([HEAVY, GOOD])
        assert slow["reason"] == "timeout" and slow["origin"] == "heavy.html"
        assert "ferry sailed" in good["text"]
        assert guard.restarts == 1
    finally:
        guard.close()


def test_memory_limit_turns_a_blow_up_into_a_reject():
    # The child starts at about 60 MB of address space; parsing the heavy page needs far more than 120.
    guard = GuardedExtractor(IngestConfig(max_memory_mb=120, timeout_seconds=60, max_page_bytes=50_000_000))
    try:
        blown, good = guard.extract_many([HEAVY, GOOD])
        assert blown["reason"] in ("too-much-memory", "extractor-crashed")
        assert "ferry sailed" in good["text"]
    finally:
        guard.close()


def test_guarded_results_equal_inline_results():
    from builder.ingest.extract import extract_page

    cfg = IngestConfig()
    guard = GuardedExtractor(cfg)
    try:
        assert guard.extract_many([GOOD]) == [extract_page(GOOD, cfg)]
    finally:
        guard.close()


@pytest.mark.parametrize("cfg, reasons", [
    (IngestConfig(timeout_seconds=5, max_page_bytes=50_000_000), {"timeout"}),
    (IngestConfig(max_memory_mb=120, timeout_seconds=60, max_page_bytes=50_000_000), {"too-much-memory", "extractor-crashed"}),
])
def test_a_released_stage_ends_its_child_and_the_next_one_keeps_the_limits(cfg, reasons):
    """The engine releases the extract stage when a later pass starts (MapStage.release): the child exits,
    and a page extracted after that gets a fresh child with the same time and memory limits."""
    stage = ExtractStage(cfg)
    stage.setup()
    try:
        assert stage.process([GOOD])[0]
        first = stage._guard.child.pid
        stage.release()
        assert not Path(f"/proc/{first}").exists()  # exited and reaped
        documents, rejects = stage.process([HEAVY, GOOD])
        assert [r["reason"] for r in rejects] in [[reason] for reason in reasons]
        assert [d["origin"] for d in documents] == ["good.html"]
    finally:
        stage.release()


def test_the_extractor_child_imports_no_pyarrow():
    """The guard child (one per worker) builds reject rows; pyarrow and numpy there cost ~40 MiB each child."""
    code = ("import sys, builder.ingest.guard, builder.ingest.extract; "
            "print(sorted(m for m in ('pyarrow', 'numpy') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"
