"""Review decisions as events, and the append-only log that holds one annotator's decisions.

One JSON line per decision in <annotations>/decisions/<annotator>.jsonl. A decision is written, flushed
and fsync'd before `append` returns, so whatever the screen confirmed survives a crash; a process killed
mid-write leaves at most one torn last line, which reading reports and the next writer trims (saying so).
`seq` numbers a log's decisions; a number seen twice (two copies of one log merged by git) is an error, never
merged silently, since an undo names the decision it undoes by it. A lock (flock, released by the kernel when
the process dies) keeps two sessions from writing the same file; it lives in the work folder, not beside the
logs that people commit.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from builder.errors import UserError
from builder.jsonl import numbered_lines, unterminated
from builder.review.layers import identity, span_identity

Action = Literal["accept", "reject", "relabel", "add", "edit", "set_speaker", "set_kind", "link_source", "undo"]
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # used with fullmatch: `$` would let "ann\n" through


class Decision(BaseModel):
    """One thing an annotator decided about one span (or the undoing of an earlier decision)."""

    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=1, description="position in the annotator's log, from 1")
    annotator: str
    role: Literal["annotator", "adjudicator"] = "annotator"
    at: Optional[dt.datetime] = Field(None, description="when it was made (information only; order is seq)")
    action: Action
    doc_id: str = ""
    layer: Literal["entities", "claims", "sources"] = "entities"
    start: Optional[int] = Field(None, ge=0, description="the span decided on, as the annotator saw it")
    target: Optional[dict] = Field(None, description="identity fields of that span (label; kind, cue; name, chip)")
    end: Optional[int] = None
    text: Optional[str] = Field(None, description="its text then: re-checked against the document at merge")
    span: Optional[dict] = Field(None, description="the span's content after the decision; null for reject")
    new_text: Optional[str] = Field(None, description="for edit: the text at the span's new offsets")
    context: Optional[list[str]] = Field(None, description="the text just before and after the span decided on "
                                         "(see anchor.py): finds it again when a later build moved it")
    new_context: Optional[list[str]] = Field(None, description="for edit: the same around the new offsets")
    undoes: Optional[int] = Field(None, description="for undo: the seq of the decision undone")
    via: Optional[str] = Field(None, description="where it came from: tui, apply, labelstudio, prodigy, brat")

    @model_validator(mode="after")
    def _complete(self):
        if self.action == "undo":
            if self.undoes is None:
                raise ValueError("an undo names the decision it undoes (undoes: seq)")
            return self
        if self.start is None or self.end is None or self.text is None or self.end < self.start:
            raise ValueError(f"{self.action} needs start <= end and the span text")
        if self.action != "reject" and not self.span:
            raise ValueError(f"{self.action} needs the span's content after the decision")
        if self.action != "add" and self.target is None:
            raise ValueError(f"{self.action} needs the identity of the span decided on (target)")
        if self.action == "edit" and (self.new_text is None or "start" not in self.span or "end" not in self.span):
            raise ValueError("edit needs the new offsets in span and the text there in new_text")
        return self

    @property
    def before(self) -> Optional[tuple]:
        """Identity of the span the decision was made on; None for an add (there was none)."""
        if self.action in ("add", "undo"):
            return None
        return identity(self.layer, self.start, self.end, self.target)

    @property
    def after(self) -> Optional[tuple]:
        """Identity of the span as the decision leaves it; None for a reject."""
        if self.span is None:
            return None
        return span_identity(self.layer, self.span)


def check_name(annotator: str) -> str:
    if not isinstance(annotator, str) or not NAME_RE.fullmatch(annotator):
        raise UserError(f"annotator name {annotator!r} must be letters, digits, '.', '_' or '-' "
                        "(it names the log file)")
    return annotator


def log_path(annotations_dir: Path, annotator: str) -> Path:
    return annotations_dir / "decisions" / f"{check_name(annotator)}.jsonl"


def name_key(annotator: str) -> str:
    """What makes two spellings of a name one person: case, and '.', '_', '-' or spaces between its parts."""
    return re.sub(r"[-_. ]+", "-", annotator.casefold()).strip("-")


def known_name(annotations_dir: Path, annotator: str) -> str:
    """The name a person's log already has when they give it in another case or with other separators
    ("Ann-Lee", "ann_lee", "ann lee" from another tool): their work goes to their one log, under one name."""
    check_name(annotator)
    folder = Path(annotations_dir) / "decisions"
    same = sorted({p.stem for p in folder.glob("*.jsonl") if name_key(p.stem) == name_key(annotator)}) \
        if folder.is_dir() else []
    if annotator in same or not same:
        return annotator
    if len(same) > 1:
        raise UserError(f"{annotator!r} could be any of the logs {', '.join(same)} (names that differ only in case "
                        "or separators): keep one of them, then give that name")
    return same[0]


@dataclass
class LogContents:
    decisions: list[Decision] = field(default_factory=list)
    torn_tail: Optional[str] = None  # the unreadable last line, if the last write was interrupted
    good_bytes: int = 0              # length of the file up to the last complete decision
    repeated: list[int] = field(default_factory=list)  # lines that repeat an earlier line's decision exactly


def read_log(path: Path) -> LogContents:
    """Every decision of one log. A torn last line is reported in `torn_tail`; a bad line elsewhere is an error."""
    out = LogContents()
    if not path.exists():
        return out
    data = path.read_bytes()
    lines = data.split(b"\n")
    out.good_bytes = len(data)
    seen: dict[int, tuple[int, int]] = {}  # seq -> (line, index in out.decisions)
    for number, raw in numbered_lines(lines):
        try:
            decision = parse_line(raw)
        except (ValidationError, ValueError) as exc:
            if unterminated(number, lines):  # no newline after it: the write never finished
                out.torn_tail = raw.decode("utf-8", "replace")
                out.good_bytes -= len(raw)
                break
            raise UserError(f"{path}:{number} is not a valid decision ({_first_error(exc)}); "
                            "fix or delete that line") from None
        if decision.seq in seen and decision == out.decisions[seen[decision.seq][1]]:
            out.repeated.append(number)  # the same line twice (a merge kept both copies): one decision
            continue
        if decision.seq in seen:
            raise UserError(f"{path}:{number} repeats seq {decision.seq} of line {seen[decision.seq][0]} with another decision: two "
                            "copies of this log were joined (e.g. by a git merge). Keep one copy's lines, or "
                            "move the other copy's lines to a log of another name") from None
        seen[decision.seq] = (number, len(out.decisions))
        out.decisions.append(decision)
    return out


def _check(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8"), digest_size=8).hexdigest()


def format_line(decision: Decision) -> bytes:
    """One JSON line with a checksum of its content, so a damaged line is found, not misread."""
    body = decision.model_dump_json(exclude_none=True)
    return (body[:-1] + f',"check":"{_check(body)}"}}\n').encode("utf-8")


def parse_line(raw: bytes) -> Decision:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    check = value.pop("check", None)  # logs written before checksums have none
    decision = Decision.model_validate(value)
    if check is not None and check != _check(decision.model_dump_json(exclude_none=True)):
        raise ValueError("checksum mismatch: the line was changed or damaged after it was written")
    return decision


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}"
    return str(exc).splitlines()[0]


def read_all(annotations_dir: Path) -> tuple[list[Decision], list[str]]:
    """The decisions of every annotator under <annotations>/decisions, and warnings about torn lines."""
    decisions, warnings = [], []
    paths = sorted((annotations_dir / "decisions").glob("*.jsonl"))
    spellings: dict[str, list[str]] = {}
    for path in paths:
        spellings.setdefault(name_key(path.stem), []).append(path.name)
    warnings += [f"{' and '.join(names)} look like one person's logs (the names differ only in case or "
                 "separators) but count as different people, each credited apart"
                 for names in spellings.values() if len(names) > 1]
    holders: dict[str, list[str]] = {}  # annotator named in the lines -> the logs holding them
    for path in paths:
        contents = read_log(path)
        decisions.extend(contents.decisions)
        for name in sorted({d.annotator for d in contents.decisions}):
            holders.setdefault(name, []).append(path.name)
        if {d.annotator for d in contents.decisions} - {path.stem}:
            warnings.append(f"{path} holds decisions of {', '.join(sorted({d.annotator for d in contents.decisions}))}"
                            f", not of {path.stem}: they are credited to the name in each line (a log renamed, or "
                            "lines copied into it?); the app refuses to write to it")
        if contents.repeated:
            warnings.append(f"{path}: lines {', '.join(map(str, contents.repeated))} repeat earlier lines exactly "
                            "(two copies of the log joined): each decision counts once")
        if contents.torn_tail is not None:
            warnings.append(f"{path}: ignored an unfinished last line (a session was interrupted mid-write): "
                            f"{contents.torn_tail[:80]!r}")
    warnings += [f"{name}'s decisions are in {len(logs)} logs ({', '.join(logs)}): they are merged as one person's, "
                 "their seq numbers mixed; keep them in one log" for name, logs in holders.items() if len(logs) > 1]
    return decisions, warnings


class DecisionLog:
    """The one writer of an annotator's log. Use as a context manager: it holds the annotator's lock."""

    def __init__(self, annotations_dir: Path, annotator: str, role: str = "annotator",
                 lock_dir: Optional[Path] = None):
        self.annotator = known_name(annotations_dir, annotator)
        self.role = role
        self.path = log_path(annotations_dir, self.annotator)
        self.lock_path = lock_file(self.path, lock_dir or default_lock_dir(annotations_dir))
        self.decisions: list[Decision] = []
        self._top_seq = 0  # the largest seq in the log (next_seq)
        self.by_doc: dict[str, list[Decision]] = {}  # the same decisions per document, for quick views
        self.repaired: Optional[str] = None
        self.dry_run = False
        self._lock = self._file = None

    def __enter__(self) -> "DecisionLog":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.lock_path, "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise UserError(f"{self.annotator}'s log is open in another session ({self.lock_path}); "
                            "close that session first") from None
        contents = read_log(self.path)
        strangers = {d.annotator for d in contents.decisions} - {self.annotator}
        if strangers:
            self.close()
            raise UserError(f"{self.path} holds decisions of {', '.join(sorted(strangers))}: "
                            "each annotator writes only their own log")
        self.decisions = contents.decisions
        self._top_seq = max((d.seq for d in self.decisions), default=0)
        for decision in self.decisions:
            self.by_doc.setdefault(decision.doc_id, []).append(decision)
        if contents.torn_tail is not None:  # trim the unconfirmed fragment so the next line starts clean
            self.repaired = contents.torn_tail
            os.truncate(self.path, contents.good_bytes)
        return self

    def _open_for_append(self):
        """The log file, opened (and created) at the first decision: opening a session writes nothing."""
        if self._file is None:
            needs_newline = self.path.exists() and self.path.stat().st_size > 0 and \
                not self.path.read_bytes().endswith(b"\n")
            self._file = open(self.path, "ab")
            if needs_newline:
                self._file.write(b"\n")
        return self._file

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for handle in (self._file, self._lock):
            if handle is not None:
                handle.close()
        self._file = self._lock = None

    @property
    def next_seq(self) -> int:
        # After the largest, not the last line's: lines a git merge put out of order must not make a seq used
        # twice. Kept as a number, not a max over the log per decision: that made a long apply quadratic.
        return self._top_seq + 1

    def append(self, **fields) -> Decision:
        """Validate, write, flush and fsync one decision; return it once it is on disk."""
        decision = Decision(seq=self.next_seq, annotator=self.annotator, role=self.role,
                            at=fields.pop("at", None) or dt.datetime.now(dt.timezone.utc), **fields)
        if not self.dry_run:
            handle = self._open_for_append()
            handle.write(format_line(decision))
            handle.flush()
            os.fsync(handle.fileno())
        self.decisions.append(decision)
        self._top_seq = max(self._top_seq, decision.seq)
        self.by_doc.setdefault(decision.doc_id, []).append(decision)
        return decision

    def rehearse(self) -> "Rehearsal":
        """A copy of this log in memory: decisions made on it are checked but never written."""
        return Rehearsal(self)

    def undoable(self) -> Optional[Decision]:
        """The latest decision not yet undone (undo is not itself undoable: redo by deciding again)."""
        undone = {d.undoes for d in self.decisions if d.action == "undo"}
        for decision in sorted(self.decisions, key=lambda d: d.seq, reverse=True):
            if decision.action != "undo" and decision.seq not in undone:
                return decision
        return None


class Rehearsal(DecisionLog):
    """What a log would become, in memory only: `review apply` and imports try a whole file on it first, so a
    file with a bad line writes nothing."""

    def __init__(self, log: DecisionLog):  # not DecisionLog.__init__: a rehearsal takes no lock, opens no file
        self.annotator, self.role, self.path, self.lock_path = log.annotator, log.role, log.path, log.lock_path
        self.decisions, self._top_seq = list(log.decisions), log._top_seq
        self.by_doc = {doc_id: list(ds) for doc_id, ds in log.by_doc.items()}
        self.repaired, self.dry_run = None, True
        self._lock = self._file = None


def default_lock_dir(annotations_dir: Path) -> Path:
    """The project's work folder (build.work_dir's default), beside the annotations folder."""
    return Path(annotations_dir).resolve().parent / ".newscorpus" / "review-locks"


def lock_file(log: Path, lock_dir: Path) -> Path:
    """One lock per log file, named so that two projects sharing a work folder never share a lock."""
    tag = hashlib.blake2b(str(log.resolve()).encode(), digest_size=4).hexdigest()
    return Path(lock_dir) / f"{log.stem}-{tag}.lock"


def effective(decisions: list[Decision]) -> list[Decision]:
    """Decisions minus undos and what they undid, in log order, per annotator."""
    undone = {(d.annotator, d.undoes) for d in decisions if d.action == "undo"}
    return [d for d in decisions if d.action != "undo" and (d.annotator, d.seq) not in undone]
