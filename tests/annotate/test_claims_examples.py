"""The examples corpus through the whole build: every English quote of examples/expected.json comes out as a
direct_quote with its speaker (the expected quotes are hand-written ground truth)."""

from __future__ import annotations

import pyarrow.parquet as pq


def test_expected_quotes_and_speakers(examples_build, expected):
    rows = pq.read_table(examples_build / "data" / "documents").to_pylist()
    checked = 0
    for item in expected["quotes"]:
        path, _, url = item["path"].partition("#")
        docs = [r for r in rows if (r["url"] == url if url else r["origin"].endswith(path)) and r["language"] == "en"]
        if not docs:
            continue  # another language (no English pipeline for it) or a page the build rejects on purpose
        words = item["quote"].rstrip(",. ")
        speakers = {c["speaker"] for d in docs for c in d["claims"] if c["kind"] == "direct_quote" and c["text"] == words}
        assert item["speaker"] in speakers, (item["path"], words, speakers)
        checked += 1
    assert checked >= 15
