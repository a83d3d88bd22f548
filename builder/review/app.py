"""The annotators' full-screen app (Textual): one annotator, one layer, every decision one key away.

The screen shows the document text with the layer's spans highlighted and labelled, the current span in
reverse video and the token cursor underlined. Every key maps to a ReviewSession operation, which writes
the decision to the annotator's log (fsync'd) before the status line confirms it. `?` lists the keys; the
footer shows, per action, a key that every terminal sends (no shift/ctrl chords). An unexpected error ends
the app with a non-zero code and one line (`ReviewApp.failure`); the log holds every confirmed decision.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Callable, Optional

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from builder.errors import UserError
from builder.review.keys import ACTIONS, load_keys, pick_keys, plain_key
from builder.review.layers import LABEL_FIELD, reviewable, span_identity, with_chips
from builder.review.prodigy import tokens as tokenize
from builder.review.session import ReviewSession

COLOURS = ["dark_green", "dark_blue", "dark_magenta", "dark_red", "dark_cyan", "purple4", "dark_orange3",
           "deep_pink4", "navy_blue", "green4", "red3", "blue3"]


def label_colour(label: str) -> str:
    return COLOURS[zlib.crc32((label or "").encode()) % len(COLOURS)]


class PickScreen(ModalScreen):
    """Choose one of a few options with a single key (escape cancels)."""

    def __init__(self, title: str, options: list[tuple[object, str]]):
        super().__init__()
        self.title_text = title
        self.by_key = pick_keys(options)

    def compose(self) -> ComposeResult:
        lines = [self.title_text, ""] + [f"  {key}  {shown}" for key, (_, shown) in self.by_key.items()]
        yield Vertical(Static("\n".join(lines + ["", "  escape  cancel"])), id="picker")

    def on_key(self, event) -> None:
        event.stop()
        if event.key == "escape":
            self.dismiss(None)
        elif event.key in self.by_key:
            self.dismiss(self.by_key[event.key][0])


class AskScreen(ModalScreen):
    """Type one line (enter confirms, escape cancels)."""

    def __init__(self, prompt: str, value: str = ""):
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        yield Vertical(Static(self.prompt), Input(value=self.value, id="answer"), id="picker")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_key(self, event) -> None:
        if event.key == "escape":
            event.stop()
            self.dismiss(None)


class HelpScreen(ModalScreen):
    """Every action and its keys (any key closes it)."""

    def __init__(self, keys: dict[str, str]):
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        lines = ["keys (any key closes this)", ""]
        lines += [f"  {self.keys[a].replace(',', ', '):<28} {ACTIONS[a]}" for a in ACTIONS]
        yield Vertical(Static("\n".join(lines)), id="picker")

    def on_key(self, event) -> None:
        event.stop()
        self.dismiss(None)


class ReviewScreen(Screen):
    def __init__(self, session: ReviewSession, doc_ids: list[str], keys: dict[str, str], start_doc: Optional[str]):
        super().__init__()
        self.session, self.doc_ids = session, doc_ids
        self.actions = {key.strip(): action for action, keys_ in keys.items() for key in keys_.split(",")}
        self.keys = keys
        self.help_line = "  ".join(f"{plain_key(keys[a])} {ACTIONS[a]}" for a in ACTIONS)
        self.doc_index, self.span_index, self.cursor, self.mark = 0, 0, 0, None
        stale = session.stale()
        self.message = (f"[red]{len(stale)} of your decisions apply nowhere now: the text they were made on changed "
                        "(`newscorpus release` lists each one); review those spans again" if stale else "ready")
        self.machine_total = sum(len(reviewable(session.layer, with_chips(session.layer, session.document(d))))
                                 for d in doc_ids)
        if start_doc:
            self.jump(start_doc)

    # -- state ------------------------------------------------------------------------------------
    @property
    def doc_id(self) -> str:
        return self.doc_ids[self.doc_index]

    def current(self) -> tuple[list[dict], Optional[dict]]:
        spans = self.session.spans(self.doc_id)
        self.span_index = max(0, min(self.span_index, len(spans) - 1))
        return spans, spans[self.span_index] if spans else None

    def tokens(self) -> list[dict]:
        return tokenize(self.session.document(self.doc_id)["text"]) or [{"start": 0, "end": 0}]

    # -- drawing ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield VerticalScroll(Static(id="text"), id="body")
        yield Static(id="detail")
        yield Static(id="message")
        yield Static(self.help_line, id="help")

    def on_mount(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        spans, span = self.current()
        reviewed = self.session.reviewed()
        done_here = sum(self.is_reviewed(s, reviewed) for s in spans)
        self.query_one("#status", Static).update(
            f"{self.session.log.annotator} · {self.session.layer} · doc {self.doc_index + 1}/{len(self.doc_ids)} "
            f"{self.doc_id} · span {self.span_index + 1 if span else 0}/{len(spans)} · reviewed here "
            f"{done_here}/{len(spans)} · all: {len(reviewed)} decisions on {self.machine_total} machine spans")
        self.query_one("#text", Static).update(self.render_text(spans, span, reviewed))
        self.query_one("#detail", Static).update(self.describe(span, reviewed))
        self.query_one("#message", Static).update(self.message)

    def is_reviewed(self, span: dict, reviewed: set) -> bool:
        return (self.doc_id, span_identity(self.session.layer, span)) in reviewed

    def render_text(self, spans: list[dict], current: Optional[dict], reviewed: set) -> Text:
        text = self.session.document(self.doc_id)["text"]
        field = LABEL_FIELD[self.session.layer]
        # (end, tag, position): two spans may end at one offset with one label; the position breaks the tie
        tags = sorted((s["end"], f"[{s.get(field)}]", n) for n, s in enumerate(spans))
        shown = Text()
        position = 0
        for end, tag, _ in tags:
            shown.append(text[position:end])
            shown.append(tag, style="dim italic")
            position = end
        shown.append(text[position:])

        def shift(i: int) -> int:  # display offset of text offset i (tags sit after their span's end)
            return i + sum(len(tag) for end, tag, _ in tags if end <= i)

        for s in spans:
            done = self.is_reviewed(s, reviewed)
            style = f"on {label_colour(s.get(field))}" + (" bold" if done else "")
            if s is current:
                style = "reverse bold"
            shown.stylize(style, shift(s["start"]), shift(s["end"] - 1) + 1)
        toks = self.tokens()
        cursor = toks[min(self.cursor, len(toks) - 1)]
        if cursor["end"] > cursor["start"]:
            shown.stylize("underline", shift(cursor["start"]), shift(cursor["end"] - 1) + 1)
        if self.mark is not None:
            mark = toks[min(self.mark, len(toks) - 1)]
            shown.stylize("underline2 bold", shift(mark["start"]), shift(mark["start"]) + 1)
        return shown

    def describe(self, span: Optional[dict], reviewed: set) -> str:
        if span is None:
            return "no spans in this layer here: n/p for other documents, w/b/m/c to add one"
        field = LABEL_FIELD[self.session.layer]
        state = "reviewed" if self.is_reviewed(span, reviewed) else "not reviewed"
        parts = [f"{span.get(field)} {span['start']}-{span['end']}",
                 repr(self.session.document(self.doc_id)["text"][span["start"]:span["end"]])[:80],
                 f"origin {span.get('origin')}", f"confidence {span.get('confidence')}", state]
        if span.get("chip") is not None:
            parts.insert(1, f"citation chip {span.get('name')} (backs this sentence)")
        if self.session.layer == "claims":
            parts += [f"cue {span.get('cue')}", f"speaker {span.get('speaker')}", f"sources {', '.join(span.get('source_ids') or []) or '-'}"]
        return " · ".join(parts)

    # -- keys -------------------------------------------------------------------------------------
    def on_key(self, event) -> None:
        action = self.actions.get(event.key)
        if action is None:
            return
        event.stop()
        try:
            getattr(self, f"do_{action}")()
        except UserError as exc:
            self.message = f"[red]{exc}"
        self.redraw()

    def confirm(self, decision) -> None:
        self.message = (f"saved #{decision.seq} {decision.action} {decision.start}-{decision.end} "
                        f"{decision.text!r}"[:200])

    def with_span(self, then: Callable[[dict], None]) -> None:
        _, span = self.current()
        if span is None:
            raise UserError("no span selected")
        then(span)

    def do_next_span(self):
        self.span_index += 1

    def do_prev_span(self):
        self.span_index = max(0, self.span_index - 1)

    def _go(self, index: int):
        self.doc_index = max(0, min(index, len(self.doc_ids) - 1))
        self.span_index, self.cursor, self.mark = 0, 0, None

    def do_next_doc(self):
        self._go(self.doc_index + 1)

    def do_prev_doc(self):
        self._go(self.doc_index - 1)

    def do_accept(self):
        self.with_span(lambda s: self.confirm(self.session.accept(self.doc_id, s)))
        self.span_index += 1

    def do_reject(self):
        self.with_span(lambda s: self.confirm(self.session.reject(self.doc_id, s)))

    def pick_label(self, then: Callable[[str], None]) -> None:
        options = [(label, label) for label in self.session.labels]

        def chosen(label):
            if label is not None:
                self.run_decision(lambda: then(label))
        self.app.push_screen(PickScreen(f"label for the {self.session.layer} span", options), chosen)

    def run_decision(self, decide: Callable[[], object]) -> None:
        try:
            decision = decide()
            if decision is not None:
                self.confirm(decision)
        except UserError as exc:
            self.message = f"[red]{exc}"
        self.redraw()

    def do_relabel(self):
        self.with_span(lambda s: self.pick_label(lambda label: self.session.relabel(self.doc_id, s, label)))

    do_set_kind = do_relabel

    def do_cursor_right(self):
        self.cursor = min(self.cursor + 1, len(self.tokens()) - 1)

    def do_cursor_left(self):
        self.cursor = max(0, self.cursor - 1)

    def do_mark(self):
        self.mark = self.cursor
        self.message = "start marked: move the cursor to the last token and add"

    def do_add(self):
        toks = self.tokens()
        first, last = sorted((self.mark if self.mark is not None else self.cursor, self.cursor))
        start, end = toks[first]["start"], toks[last]["end"]

        def add(label):
            decision = self.session.add(self.doc_id, start, end, label)
            self.mark = None
            self.span_index = self.index_of(decision.after)
            return decision
        self.pick_label(add)

    def index_of(self, ident: tuple) -> int:
        """Position of the span with this identity in the current document (0 when it is not there)."""
        idents = [span_identity(self.session.layer, s) for s in self.session.spans(self.doc_id)]
        return idents.index(ident) if ident in idents else 0

    def _move(self, edge: str, step: int):
        def move(span):
            toks = self.tokens()
            starts = [t["start"] for t in toks]
            ends = [t["end"] for t in toks]
            start, end = span["start"], span["end"]
            if edge == "start":
                options = [s for s in starts if (s < start if step < 0 else s > start) and s < end]
                start = (max(options) if step < 0 else min(options)) if options else start
            else:
                options = [e for e in ends if (e < end if step < 0 else e > end) and e > start]
                end = (max(options) if step < 0 else min(options)) if options else end
            if (start, end) == (span["start"], span["end"]):
                raise UserError(f"the {edge} cannot move further that way")
            decision = self.session.edit(self.doc_id, span, start, end)
            self.confirm(decision)
            self.span_index = self.index_of(decision.after)
        self.with_span(move)

    def do_start_left(self):
        self._move("start", -1)

    def do_start_right(self):
        self._move("start", 1)

    def do_end_left(self):
        self._move("end", -1)

    def do_end_right(self):
        self._move("end", 1)

    def do_set_speaker(self):
        def ask(span):
            def answered(value):
                if value is not None:
                    self.run_decision(lambda: self.session.set_speaker(self.doc_id, span, value.strip()))
            self.app.push_screen(AskScreen("speaker (empty for none):", span.get("speaker") or ""), answered)
        self.session._claims_only("a speaker")
        self.with_span(ask)

    def do_link_source(self):
        self.session._claims_only("a source link")
        sources = [s for s in self.session.view(self.doc_id).get("sources") or []]
        if not sources:
            raise UserError("this document has no sources to link")

        def pick(span):
            linked = set(span.get("source_ids") or [])
            options = [(s["id"], f"{'[x]' if s['id'] in linked else '[ ]'} {s['kind']} {s['name']}") for s in sources]

            def chosen(source_id):
                if source_id is not None:
                    self.run_decision(lambda: self.session.link_source(self.doc_id, span, source_id))
            self.app.push_screen(PickScreen("link or unlink a source", options), chosen)
        self.with_span(pick)

    def do_undo(self):
        undone = self.session.undo()
        self.message = "nothing to undo" if undone is None else f"undid #{undone.seq} {undone.action} ({undone.doc_id})"
        home = undone and self.session.home(undone.doc_id)
        if home in self.doc_ids:
            self.doc_index = self.doc_ids.index(home)

    def jump(self, prefix: str) -> None:
        matches = [i for i, d in enumerate(self.doc_ids) if d.startswith(prefix)]
        if prefix.isdigit() and not matches and 1 <= int(prefix) <= len(self.doc_ids):
            matches = [int(prefix) - 1]
        if len(matches) != 1:
            raise UserError(f"{len(matches)} documents match {prefix!r}: give a document number or more of the id")
        self._go(matches[0])

    def do_jump(self):
        def answered(value):
            if value:
                self.run_decision(lambda: self.jump(value.strip()))
        self.app.push_screen(AskScreen("document number or id prefix:"), answered)

    def do_help(self):
        self.app.push_screen(HelpScreen(self.keys))

    def do_quit(self):
        self.app.exit()


class ReviewApp(App):
    CSS = """
    #status { background: $primary; color: $text; height: 1; }
    #body { height: 1fr; padding: 0 1; }
    #detail { background: $surface; height: auto; }
    #message { height: 1; color: $success; }
    #help { color: $text-muted; height: auto; }
    #picker { width: 70; height: auto; max-height: 90%; border: thick $primary; background: $surface; padding: 1; }
    PickScreen, AskScreen { align: center middle; }
    """

    def __init__(self, session: ReviewSession, doc_ids: list[str], annotations_dir: Path, start_doc: Optional[str] = None):
        super().__init__()
        self.failure: Optional[str] = None  # one line on what stopped the app, when something did
        self.review = ReviewScreen(session, doc_ids, load_keys(annotations_dir), start_doc)

    def on_mount(self) -> None:
        self.push_screen(self.review)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's own handler prints a full-screen traceback; an annotator needs one line, a non-zero exit,
        # and the log as it is (every decision was fsync'd when made).
        self.failure = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]
        self._exception_event.set()  # lets a test pilot waiting on the screen see that the app is done
        self.exit(return_code=1)
