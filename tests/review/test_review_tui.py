"""The review TUI, driven by Textual's pilot: keys in, decisions in the log and the merged view out."""

from __future__ import annotations

import asyncio
import shutil

from test_review_common import write_build

from textual.widgets import Static

from builder.review.app import ReviewApp
from builder.review.decisions import DecisionLog, read_log
from builder.review.keys import pick_keys
from builder.review.merge import merged_layers
from builder.review.session import ReviewSession, load_documents

ANNOTATIONS = __import__("pathlib").Path(__file__).resolve().parents[2] / "annotations"


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


def test_every_document_of_every_layer_of_the_examples_build(examples_build, tmp_path):
    """The app draws and walks every document of every layer (claims: every span too); it never fails."""
    docs = load_documents(examples_build)
    annotations = tmp_path / "annotations"

    async def drive(layer):
        with DecisionLog(annotations, "ann") as log:
            session = ReviewSession(docs, log, layer, annotations)
            app = ReviewApp(session, [d["id"] for d in docs], ANNOTATIONS)
            seen = []
            async with app.run_test() as pilot:
                for n in range(len(docs)):
                    screen = app.review
                    seen.append(screen.doc_id)
                    assert f"doc {n + 1}/{len(docs)}" in str(screen.query_one("#status").render())
                    if layer == "claims":
                        await pilot.press(*["j"] * len(session.spans(screen.doc_id)))
                    await pilot.press("n")
                await pilot.press("q")
            return seen, app.failure, app.return_code

    for layer in ("entities", "claims", "sources"):
        seen, failure, code = asyncio.run(drive(layer))
        assert failure is None and code == 0, failure
        assert seen == [d["id"] for d in docs]


def test_question_mark_shows_the_keys_and_the_footer_has_plain_keys(tmp_path):
    docs = load_documents(write_build(tmp_path / "build"))

    async def drive():
        with DecisionLog(tmp_path / "annotations", "ann") as log:
            app = ReviewApp(ReviewSession(docs, log, "entities", tmp_path), [d["id"] for d in docs], ANNOTATIONS)
            async with app.run_test() as pilot:
                footer = str(app.review.query_one("#help").render())
                await pilot.press("question_mark")
                shown = type(app.screen).__name__, str(app.screen.query_one(Static).render())
                await pilot.press("x")                 # any key closes the list (and decides nothing)
                back = type(app.screen).__name__
                await pilot.press("q")
            return footer, shown, back

    footer, (screen, keys), back = asyncio.run(drive())
    assert screen == "HelpScreen" and "shift+left, y" in keys and "start earlier" in keys
    assert back == "ReviewScreen"
    assert "y start earlier" in footer and "shift+" not in footer and "ctrl+" not in footer and "? show the keys" in footer
    assert read_log(tmp_path / "annotations" / "decisions" / "ann.jsonl").decisions == []


def test_an_error_inside_the_app_exits_non_zero_with_one_line_and_the_log_intact(tmp_path):
    docs = load_documents(write_build(tmp_path / "build"))
    annotations = tmp_path / "annotations"

    async def drive():
        with DecisionLog(annotations, "ann") as log:
            session = ReviewSession(docs, log, "entities", annotations)
            app = ReviewApp(session, [d["id"] for d in docs], ANNOTATIONS)
            async with app.run_test() as pilot:
                await pilot.press("a")                          # one decision, on disk
                session.document = lambda doc_id: 1 / 0         # then something breaks inside the app
                await pilot.press("j")
                await pilot.pause()
            return app

    app = asyncio.run(drive())
    assert app.return_code == 1 and app.failure == "ZeroDivisionError: division by zero"
    assert [d.action for d in read_log(annotations / "decisions" / "ann.jsonl").decisions] == ["accept"]


def test_review_command_exits_non_zero_when_the_app_fails(tmp_path, monkeypatch, capsys):
    """The CLI turns the app's failure into one line and exit code 2, after saying where the log is."""
    from builder.cli.main import main

    build = write_build(tmp_path / "build")

    def failing_run(self):  # what ReviewApp.run leaves when an error stopped the app (tested above)
        self.failure = "RuntimeError: boom"
    monkeypatch.setattr(ReviewApp, "run", failing_run)
    code = main(["review", "--annotator", "ann", "--build", str(build), "--annotations", str(tmp_path / "annotations")])
    assert code == 2
    assert "error: the review app stopped: RuntimeError: boom" in capsys.readouterr().err
