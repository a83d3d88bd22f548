"""brat standoff: <doc_id>.txt (the text) and <doc_id>.ann (T lines; a claim's speaker as AnnotatorNotes).

brat spans cannot cross a line break, so such spans are written as fragments ("0 5;6 9") and joined back
on import. annotation.conf declares the labels so brat opens the folder as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field, StrictInt, ValidationError, model_validator

from builder.review.interchange import ImportReport, Returned, describe, export_spans

_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")
SPEAKER_NOTE = "speaker: "


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, offset = [], start
    for line in text[start:end].split("\n"):
        if line:
            pieces.append((offset, offset + len(line)))
        offset += len(line) + 1
    return pieces


def ann_lines(view: dict, layer: str) -> list[str]:
    lines = []
    for n, span in enumerate(export_spans(view, layer), 1):
        pieces = _fragments(view["text"], span["start"], span["end"])
        where = ";".join(f"{a} {b}" for a, b in pieces)
        surface = " ".join(view["text"][a:b] for a, b in pieces)
        lines.append(f"T{n}\t{span['label']} {where}\t{surface}")
        if span.get("speaker"):
            lines.append(f"#{n}\tAnnotatorNotes T{n}\t{SPEAKER_NOTE}{span['speaker']}")
    return lines


def shown(view: dict, layer: str) -> list[dict]:
    """Each exported span as the .ann file shows it: T<n>, offsets of its first and last fragment."""
    out = []
    for n, span in enumerate(export_spans(view, layer), 1):
        pieces = _fragments(view["text"], span["start"], span["end"]) or [(span["start"], span["end"])]
        item = {"id": f"T{n}", "start": pieces[0][0], "end": pieces[-1][1], "label": span["label"]}
        if layer == "claims":
            item["speaker"] = span.get("speaker")
        out.append(item)
    return out


def file_stem(doc_id: str) -> str:
    return _SAFE_ID.sub("_", doc_id)


def write(views: list[dict], layer: str, labels: list[str], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for view in views:
        stem = out / file_stem(view["id"])
        stem.with_suffix(".txt").write_text(view["text"], encoding="utf-8", newline="")
        body = "\n".join(ann_lines(view, layer))
        stem.with_suffix(".ann").write_text(body + ("\n" if body else ""), encoding="utf-8", newline="")
        written.append(stem.with_suffix(".ann"))
    conf = "[entities]\n" + "\n".join(labels) + "\n[relations]\n[events]\n[attributes]\n"
    (out / "annotation.conf").write_text(conf, encoding="utf-8")
    return written


class _TextBound(BaseModel):
    """One T line: `T<n> TAB <label> <start> <end>[;<start> <end>...] TAB <text>`."""

    id: str = Field(pattern=r"T[0-9]+")
    label: str = Field(pattern=r"\S+")
    pieces: list[tuple[StrictInt, StrictInt]] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self):
        previous = 0
        for a, b in self.pieces:
            if not previous <= a < b:
                raise ValueError(f"fragment {a} {b} is empty, negative or before the one ahead of it")
            previous = b
        return self


def _pieces(offsets: str) -> list[tuple[int, int]]:
    pieces = []
    for piece in offsets.split(";"):
        numbers = piece.split()
        if len(numbers) != 2 or not all(n.isdigit() for n in numbers):
            raise ValueError(f"offsets {piece.strip()!r} are not two whole numbers (start end)")
        pieces.append((int(numbers[0]), int(numbers[1])))
    return pieces


def parse_ann(body: str, where: str, text: str) -> tuple[list[dict], list[str]]:
    """(spans, problems) of one .ann; problems are whole-file failures."""
    spans, notes, problems = {}, {}, []
    for number, line in enumerate(body.splitlines(), 1):
        parts = line.split("\t")
        try:
            if line.startswith("T"):
                if len(parts) != 3:
                    raise ValueError("a T line has three tab-separated fields: id, label and offsets, text")
                label, _, offsets = parts[1].partition(" ")
                bound = _TextBound(id=parts[0], label=label, pieces=_pieces(offsets))
                if bound.pieces[-1][1] > len(text):
                    raise ValueError(f"offsets end at {bound.pieces[-1][1]}, past the text ({len(text)} characters)")
                surface = " ".join(text[a:b] for a, b in bound.pieces)
                if surface != parts[2]:
                    raise ValueError(f"its text {parts[2]!r} is not the document's {surface!r} at those offsets")
                spans[bound.id] = {"id": bound.id, "start": bound.pieces[0][0], "end": bound.pieces[-1][1],
                                   "label": bound.label, "speaker": None}
            elif line.startswith("#") and len(parts) >= 3 and parts[2].startswith(SPEAKER_NOTE):
                notes[parts[1].split()[-1]] = parts[2][len(SPEAKER_NOTE):]
            elif line.strip():
                problems.append(f"{where}:{number}: {line.split(chr(9))[0]!r} is not read (only text-bound "
                                "annotations and speaker notes are); remove it")
        except ValidationError as exc:
            problems.append(f"{where}:{number}: {describe(exc)}")
        except ValueError as exc:
            problems.append(f"{where}:{number}: {exc}")
    for tid, speaker in notes.items():
        if tid in spans:
            spans[tid]["speaker"] = speaker
    return list(spans.values()), problems


def read(folder: Path, documents: dict[str, dict]) -> ImportReport:
    """Read <doc>.ann for every known document that has one in the folder (offsets against our text)."""
    report = ImportReport()
    by_stem = {file_stem(d): d for d in documents}
    for ann in sorted(folder.glob("*.ann")):
        doc_id = by_stem.get(ann.stem)
        if doc_id is None:
            report.problems.append(f"{ann}: no document with this id in the build; skipped")
            continue
        try:
            body = ann.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            report.failed.append(f"{ann}: not UTF-8 ({exc}); save it as UTF-8")
            continue
        txt = ann.with_suffix(".txt")
        text = txt.read_bytes().decode("utf-8", "replace") if txt.exists() else None  # bytes: keep \r as written
        spans, problems = parse_ann(body, str(ann), documents[doc_id]["text"])
        if problems:
            report.failed.extend(problems)
            continue
        report.returned.append(Returned(doc_id, None, spans, text, str(ann)))
    return report
