"""The review TUI, driven by Textual's pilot: keys in, decisions in the log and the merged view out."""

from __future__ import annotations

import asyncio
import shutil

from test_review_common import write_build

from builder.review.app import ReviewApp
from builder.review.decisions import DecisionLog, read_log
from builder.review.keys import pick_keys
from builder.review.merge import merged_layers
from builder.review.session import ReviewSession, load_documents

ANNOTATIONS = __import__("pathlib").Path(__file__).resolve().parents[1] / "annotations"


def test_accept_reject_relabel_add_undo_through_the_pilot(tmp_path):
    annotations = tmp_path / "annotations"
    shutil.copy(ANNOTATIONS / "keys.json", annotations.mkdir() or annotations / "keys.json")
    docs = load_documents(write_build(tmp_path / "build"))

    async def drive():
        with DecisionLog(annotations, "ann") as log:
            session = ReviewSession(docs, log, "entities", annotations)
            label_key = {label: key for key, label in pick_keys(session.labels).items()}
            app = ReviewApp(session, [d["id"] for d in docs], annotations)
            async with app.run_test() as pilot:
                await pilot.press("a")              # accept Alice Smith (PERSON), moves to Bob Jones
                await pilot.press("r", label_key["PERSON"])  # Bob Jones: ORG -> PERSON
                await pilot.press("j", "x")         # next is Paris: reject
                await pilot.press("j", "x")         # Kremlin: reject ...
                await pilot.press("z")              # ... and undo that
                for _ in range(8):                  # cursor to "Monday" (token 8)
                    await pilot.press("w")
                await pilot.press("c", label_key["DATE"])  # add Monday as DATE
                await pilot.pause()
                status = str(app.screen.query_one("#message").render())
                await pilot.press("q")
            return status

    status = asyncio.run(drive())
    assert "saved" in status and "add" in status

    decisions = read_log(annotations / "decisions" / "ann.jsonl").decisions
    assert [d.action for d in decisions] == ["accept", "relabel", "reject", "reject", "undo", "add"]
    assert decisions[4].undoes == decisions[3].seq
    merged = merged_layers(docs[0], decisions)
    got = {(e["text"], e["label"], e["origin"], tuple(e.get("verified_by") or ())) for e in merged["entities"]}
    assert got == {
        ("Alice Smith", "PERSON", "test-ner@1", ("ann",)),  # accepted: machine origin, verified
        ("Bob Jones", "PERSON", "human:ann", ("ann",)),      # relabelled by a person
        ("Monday", "DATE", "human:ann", ("ann",)),          # added
        ("Kremlin", "ORG", "test-ner@1", ()),               # rejection undone: machine span, unverified
    }                                                        # Paris: rejected


def test_boundaries_and_jump(tmp_path):
    annotations = tmp_path / "annotations"
    docs = load_documents(write_build(tmp_path / "build"))

    async def drive():
        with DecisionLog(annotations, "ann") as log:
            session = ReviewSession(docs, log, "entities", annotations)
            app = ReviewApp(session, [d["id"] for d in docs], annotations)
            async with app.run_test() as pilot:
                await pilot.press("g")
                await pilot.press(*"doc-c", "enter")  # jump to doc-c: Google, Berlin
                await pilot.press("o")                # Google: end one token later -> "Google and"
                await pilot.press("i")                # and back
                await pilot.press("j", "j", "y")      # (past the end stays on Berlin) start one token earlier
                await pilot.press("q")
        return read_log(annotations / "decisions" / "ann.jsonl").decisions

    decisions = asyncio.run(drive())
    assert [(d.action, d.doc_id, d.span["start"], d.span["end"], d.new_text) for d in decisions] == [
        ("edit", "doc-c", 0, 10, "Google and"),
        ("edit", "doc-c", 0, 6, "Google"),
        ("edit", "doc-c", 32, 41, "in Berlin"),
    ]
    view = merged_layers(docs[2], decisions)
    assert [(e["text"], e["label"]) for e in view["entities"]] == [("Google", "ORG"), ("in Berlin", "GPE")]
