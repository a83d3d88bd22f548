"""brat standoff: <doc_id>.txt (the text) and <doc_id>.ann (T lines; a claim's speaker as AnnotatorNotes).

brat spans cannot cross a line break, so such spans are written as fragments ("0 5;6 9") and joined back
on import. annotation.conf declares the labels so brat opens the folder as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from builder.review.interchange import Imported, ImportReport, export_spans

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


def parse_ann(body: str, where: str, problems: list[str]) -> list[dict]:
    spans, notes = {}, {}
    for number, line in enumerate(body.splitlines(), 1):
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, _, offsets = parts[1].partition(" ")
            try:
                pieces = [tuple(map(int, piece.split())) for piece in offsets.split(";")]
            except ValueError:
                problems.append(f"{where}:{number}: bad offsets {offsets!r}")
                continue
            spans[parts[0]] = {"start": min(a for a, _ in pieces), "end": max(b for _, b in pieces),
                               "label": label, "extra": {}}
        elif line.startswith("#") and len(parts) >= 3 and parts[2].startswith(SPEAKER_NOTE):
            notes[parts[1].split()[-1]] = parts[2][len(SPEAKER_NOTE):]
        elif line.strip():
            problems.append(f"{where}:{number}: ignored {line.split(chr(9))[0]!r} (only text-bound annotations "
                            "and speaker notes are read)")
    for tid, speaker in notes.items():
        if tid in spans:
            spans[tid]["extra"]["speaker"] = speaker
    return list(spans.values())


def read(folder: Path, doc_ids: list[str]) -> ImportReport:
    """Read <doc>.ann (+ .txt) for every known document id that has a file in the folder."""
    report = ImportReport()
    by_stem = {file_stem(d): d for d in doc_ids}
    for ann in sorted(folder.glob("*.ann")):
        doc_id = by_stem.get(ann.stem)
        if doc_id is None:
            report.problems.append(f"{ann}: no document with this id in the build")
            continue
        txt = ann.with_suffix(".txt")
        text = txt.read_bytes().decode("utf-8") if txt.exists() else None  # bytes: keep \r as written
        spans = parse_ann(ann.read_text(encoding="utf-8"), str(ann), report.problems)
        report.imported.append(Imported(doc_id, None, spans, text))
    return report
