"""Prodigy JSONL: one task per document with tokens and spans (token offsets inclusive, as Prodigy has them).

Tokens come from spaCy's blank English tokenizer (what Prodigy uses for English), which is deterministic
and needs no model. A span whose edges do not fall on token edges is exported without token offsets and
reported: it is never snapped to the nearest tokens.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from builder.jsonl import file_lines, numbered_lines
from builder.review.interchange import ImportReport, Returned, annotator_name, describe, export_spans, span_id


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def tokens(text: str) -> list[dict]:
    return [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
            for t in _tokenizer()(text)]


def task(view: dict, layer: str, problems: list[str], export_id: str) -> dict:
    toks = tokens(view["text"])
    starts = {t["start"]: t["id"] for t in toks}
    ends = {t["end"]: t["id"] for t in toks}
    spans = []
    for n, span in enumerate(export_spans(view, layer)):
        item = {"id": span_id(layer, span, n), "start": span["start"], "end": span["end"], "label": span["label"],
                "text": span["text"]}
        if span["start"] in starts and span["end"] in ends:
            item["token_start"], item["token_end"] = starts[span["start"]], ends[span["end"]]
        else:
            problems.append(f"{view['id']}: {span['label']} {span['start']}-{span['end']} {span['text']!r} "
                            "does not fall on token boundaries (exported without token offsets)")
        if span.get("speaker"):
            item["speaker"] = span["speaker"]
        spans.append(item)
    return {"text": view["text"], "meta": {"doc_id": view["id"], "layer": layer, "export_id": export_id},
            "tokens": toks, "spans": spans}


def shown(view: dict, layer: str) -> list[dict]:
    """Each exported span as the tasks show it."""
    return [{k: s[k] for k in ("start", "end", "label", "speaker") if k in s} for s in export_spans(view, layer)]


def write(views: list[dict], layer: str, out: Path, export_id: str) -> list[str]:
    """Write the tasks; return the spans that are off token boundaries."""
    problems: list[str] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for view in views:
            handle.write(json.dumps(task(view, layer, problems, export_id), ensure_ascii=False) + "\n")
    return problems


# -- reading: the shapes of a Prodigy task we rely on, checked before anything is imported --------------------
class _Token(BaseModel):
    start: StrictInt = Field(ge=0)
    end: StrictInt = Field(ge=0)


class _Span(BaseModel):
    id: Optional[str] = None
    start: Optional[StrictInt] = Field(None, ge=0)
    end: Optional[StrictInt] = Field(None, ge=0)
    token_start: Optional[StrictInt] = Field(None, ge=0)
    token_end: Optional[StrictInt] = Field(None, ge=0)
    label: str
    speaker: Optional[str] = None

    @model_validator(mode="after")
    def _where(self):
        if (self.start is None or self.end is None) and (self.token_start is None or self.token_end is None):
            raise ValueError("a span needs start and end, or token_start and token_end")
        return self


class _Meta(BaseModel):
    doc_id: str
    export_id: Optional[str] = None


class _Task(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str
    meta: _Meta
    tokens: list[_Token] = []
    spans: list[_Span] = []
    answer: str = "accept"
    annotator_id: Optional[Union[str, StrictInt]] = Field(None, alias="_annotator_id")
    session_id: Optional[Union[str, StrictInt]] = Field(None, alias="_session_id")


def _span(item: _Span, toks: list[_Token], text: str) -> dict:
    start, end = item.start, item.end
    by_tokens = start is None or end is None
    if item.token_start is not None and item.token_end is not None and (toks or by_tokens):
        if item.token_end >= len(toks) or item.token_start > item.token_end:
            raise ValueError(f"tokens {item.token_start}-{item.token_end} are not tokens of this task "
                             f"(it has {len(toks)})")
        if by_tokens:  # a span given by tokens only
            start, end = toks[item.token_start].start, toks[item.token_end].end
    if not start < end <= len(text):
        raise ValueError(f"span {start}-{end} is not inside the text (0-{len(text)})")
    return {"id": item.id, "start": start, "end": end, "label": item.label, "text": text[start:end],
            "speaker": item.speaker}


# What Prodigy puts in `_annotator_id` for a session opened without a name (`?session=` not given).
UNNAMED_SESSION = re.compile(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}")


def person(raw, users: dict[str, str], dataset: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(annotator name, problem) from a task's `_annotator_id` (or `_session_id`).

    Prodigy writes it as "<dataset>-<session>" ("news_ner-ann"), and as "<dataset>-<date_time>" for a session
    opened without a name: the dataset part is no one's name and a timestamp is no one at all, and where the
    dataset part ends cannot be told from the id alone. So an id is named by `--user ID=NAME`, or by
    `--dataset` (the session part after "<dataset>-"); only an id without "-" (a tool of one's own) is a name
    as it is."""
    if raw is None:
        return None, None
    raw = str(raw)
    if raw in users:
        return users[raw], None
    session = raw
    if dataset is not None:
        if not raw.startswith(f"{dataset}-"):
            return None, (f"_annotator_id {raw!r} is not of the dataset {dataset!r} (<dataset>-<session>): "
                          f"name it with --user {raw}=NAME")
        session = raw[len(dataset) + 1:]
    elif "-" in raw:
        return None, (f"_annotator_id {raw!r} is Prodigy's <dataset>-<session>, and which part is the person cannot "
                      f"be told: pass --dataset DATASET (the Prodigy dataset's name), --user {raw}=NAME, or "
                      "--annotator NAME for one person's file")
    if UNNAMED_SESSION.fullmatch(session):
        return None, (f"_annotator_id {raw!r} is a session opened without a name (a timestamp, no person): "
                      f"name it with --user {raw}=NAME, or --annotator NAME for one person's file")
    return annotator_name(session), None


def read(path: Path, users: Optional[dict[str, str]] = None, annotator: Optional[str] = None,
         dataset: Optional[str] = None) -> ImportReport:
    """Accepted answers per person: `annotator` names the one person of a file of one person's work; else
    each task's `_annotator_id` is named as `person` says."""
    report = ImportReport()
    try:
        lines = file_lines(path)
    except UnicodeDecodeError as exc:
        report.failed.append(f"{path}: not UTF-8 ({exc})")
        return report
    seen: set[str] = set()  # the _annotator_id of every accepted task
    for number, raw in numbered_lines(lines):
        where = f"{path}:{number}"
        try:
            eg = _Task.model_validate(json.loads(raw))
            spans = [_span(s, eg.tokens, eg.text) for s in eg.spans]
        except (json.JSONDecodeError, RecursionError) as exc:
            report.failed.append(f"{where}: not JSON ({str(exc)[:120]})")
            continue
        except ValidationError as exc:
            report.failed.append(f"{where}: {describe(exc)}")
            continue
        except ValueError as exc:
            report.failed.append(f"{where}: {exc}")
            continue
        report.export_id = report.export_id or eg.meta.export_id
        if eg.answer != "accept":
            report.problems.append(f"{where}: skipped ({eg.meta.doc_id}, answer {eg.answer!r})")
            continue
        who = eg.annotator_id if eg.annotator_id is not None else eg.session_id
        if who is not None:
            seen.add(str(who))
        name, problem = (annotator, None) if annotator else person(who, users or {}, dataset)
        if problem:
            report.failed.append(f"{where}: {problem}")
            continue
        report.returned.append(Returned(eg.meta.doc_id, name, spans, eg.text, where))
    if annotator and len(seen) > 1:
        report.failed.append(f"{path}: holds the work of {len(seen)} sessions ({', '.join(sorted(seen))}); "
                             "--annotator would credit all of it to one. Name them with --user ID=NAME or --dataset instead")
    return report
