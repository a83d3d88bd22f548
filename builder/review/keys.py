"""Key bindings of the review TUI, read from annotations/keys.json (the project's, over the bundled one)."""

from __future__ import annotations

import json
from pathlib import Path

from builder.errors import UserError

ACTIONS = {
    "next_span": "next span", "prev_span": "previous span", "next_doc": "next document",
    "prev_doc": "previous document", "accept": "accept", "reject": "reject", "relabel": "relabel",
    "cursor_right": "cursor to next token", "cursor_left": "cursor to previous token", "mark": "mark start",
    "add": "add span (mark..cursor)", "start_left": "start earlier", "start_right": "start later",
    "end_left": "end earlier", "end_right": "end later", "set_speaker": "set speaker", "set_kind": "set kind",
    "link_source": "link/unlink source", "undo": "undo", "jump": "go to document", "help": "show the keys",
    "quit": "quit",
}
# Actions a project's keys.json may leave out (added after the first keys.json was written).
BUILT_IN = {"help": "question_mark,f1"}
# Named keys every terminal sends as they are; chords with shift/ctrl/alt often arrive as something else.
PLAIN_NAMES = {"left", "right", "up", "down", "pageup", "pagedown", "home", "end", "enter", "escape", "tab",
               "space", "question_mark", "f1"}
PICK_KEYS = "1234567890abcdefghijklmnopqrstuvwxyz"


def _bundled() -> Path:
    from builder.bundled import ANNOTATIONS

    return ANNOTATIONS / "keys.json"


def load_keys(annotations_dir: Path | None = None) -> dict[str, str]:
    """{action: 'key1,key2'} for every action; the project's keys.json overrides the bundled defaults."""
    keys: dict[str, str] = dict(BUILT_IN)
    for path in (_bundled(), (annotations_dir or _bundled().parent) / "keys.json"):
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            unknown = set(data) - set(ACTIONS) - {"_about"}
            if unknown:
                raise UserError(f"{path}: unknown actions {', '.join(sorted(unknown))}; known: {', '.join(ACTIONS)}")
            keys.update({k: v for k, v in data.items() if k in ACTIONS})
    missing = set(ACTIONS) - set(keys)
    if missing:
        raise UserError(f"no key for {', '.join(sorted(missing))}: add them to annotations/keys.json")
    return keys


def plain_key(keys: str) -> str:
    """The key of an action to show in the footer: the first one a plain terminal sends (else the first)."""
    options = [k.strip() for k in keys.split(",") if k.strip()]
    plain = [k for k in options if len(k) == 1 or k in PLAIN_NAMES]
    shown = (plain or options or [""])[0]
    return "?" if shown == "question_mark" else shown


def pick_keys(options: list) -> dict[str, object]:
    """Single keys for a picker: 1-9, 0, a-z; options past 36 get none (the list still shows them)."""
    return dict(zip(PICK_KEYS, options))
