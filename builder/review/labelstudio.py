"""Label Studio JSON: tasks with our spans as predictions out; exports with annotations (and completed_by) in.

Regions are `labels` results on the text, with our span ids as region ids; a claim's speaker rides along as a
per-region `textarea` result with the region's id (see `labeling_config`, which declares both).
Only submitted annotations count (not cancelled ones, not drafts, not predictions), one person per
`completed_by` (an annotation another user changed since, `updated_by`, is reported and left out: whose changes
are whose cannot be told); Label Studio gives a numeric user id there unless the export includes user details, so a
number is resolved through the user details elsewhere in the same file, `--user ID=NAME` or `--annotator`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Union
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from builder.review.interchange import ImportReport, Returned, annotator_name, describe, export_spans, span_id

LABELS, SPEAKER, TEXT = "label", "speaker", "text"


def labeling_config(layer: str, labels: list[str]) -> str:
    lines = ["<View>", f'  <Labels name="{LABELS}" toName="{TEXT}">']
    lines += [f"    <Label value={quoteattr(label)}/>" for label in labels]
    lines += ["  </Labels>", f'  <Text name="{TEXT}" value="$text"/>']
    if layer == "claims":
        lines.append(f'  <TextArea name="{SPEAKER}" toName="{TEXT}" perRegion="true" maxSubmissions="1"/>')
    return "\n".join(lines + ["</View>"]) + "\n"


def shown(view: dict, layer: str) -> list[dict]:
    """Each exported span as the tasks show it."""
    return [{k: s[k] for k in ("start", "end", "label", "speaker") if k in s} for s in export_spans(view, layer)]


def _regions(layer: str, spans: list[dict]) -> list[dict]:
    result = []
    for n, span in enumerate(spans):
        region_id = span_id(layer, span, n)
        region = {"id": region_id, "from_name": LABELS, "to_name": TEXT, "type": "labels",
                  "value": {"start": span["start"], "end": span["end"], "text": span["text"], "labels": [span["label"]]}}
        if span["confidence"] is not None:
            region["score"] = span["confidence"]
        result.append(region)
        if span.get("speaker"):
            result.append({"id": region_id, "from_name": SPEAKER, "to_name": TEXT, "type": "textarea",
                           "value": {"start": span["start"], "end": span["end"], "text": [span["speaker"]]}})
    return result


def export_tasks(views: list[dict], layer: str, export_id: str) -> list[dict]:
    tasks = []
    for n, view in enumerate(views, 1):
        spans = export_spans(view, layer)
        scores = [s["confidence"] for s in spans if s["confidence"] is not None]
        prediction = {"model_version": "newscorpus", "result": _regions(layer, spans)}
        if scores:
            prediction["score"] = min(scores)
        tasks.append({"id": n, "data": {"text": view["text"], "doc_id": view["id"], "layer": layer,
                                        "export_id": export_id}, "predictions": [prediction]})
    return tasks


def write(views: list[dict], layer: str, labels: list[str], out: Path, export_id: str) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(export_tasks(views, layer, export_id), ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")
    config = out.with_suffix(".xml")
    config.write_text(labeling_config(layer, labels), encoding="utf-8")
    return [out, config]


# -- reading: the shapes of a Label Studio JSON export we rely on, checked before anything is imported -------
class _Value(BaseModel):
    start: Optional[StrictInt] = Field(None, ge=0)
    end: Optional[StrictInt] = Field(None, ge=0)
    text: Union[str, list[Optional[str]], None] = None
    labels: Optional[list[str]] = None


class _Result(BaseModel):
    id: Optional[Union[str, StrictInt]] = None
    type: str
    from_name: Optional[str] = None
    value: _Value

    @model_validator(mode="after")
    def _offsets(self):
        if self.type == "labels" and (self.value.start is None or self.value.end is None
                                      or self.value.end <= self.value.start or not self.value.labels):
            raise ValueError("a labels region needs integer value.start < value.end and value.labels")
        return self


class _User(BaseModel):
    id: Optional[StrictInt] = None
    email: Optional[str] = None
    username: Optional[str] = None


class _Annotation(BaseModel):
    id: Optional[StrictInt] = None
    completed_by: Union[StrictInt, _User, None] = None
    updated_by: Union[StrictInt, _User, None] = None  # the last person who changed it (Label Studio 1.x)
    result: list[_Result] = []
    was_cancelled: bool = False


class _Data(BaseModel):
    doc_id: str
    text: str
    export_id: Optional[str] = None


class _Task(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Optional[StrictInt] = None
    data: _Data
    annotations: list[_Annotation] = []


def spans_of(result: list[_Result]) -> list[dict]:
    speakers = {r.id: (r.value.text or [None])[0] if isinstance(r.value.text, list) else r.value.text
                for r in result if r.type == "textarea"}
    spans = []
    for region in result:
        if region.type != "labels":
            continue
        value = region.value
        extra = {"speaker": speakers.get(region.id)}
        for label in value.labels:
            spans.append({"id": None if region.id is None else str(region.id), "start": value.start,
                          "end": value.end, "label": label, "text": value.text, **extra})
    return spans


def read(path: Path, users: dict[str, str], annotator: Optional[str]) -> ImportReport:
    """Submitted annotations per person. `users` maps Label Studio user ids to names (--user); `annotator`
    names the one person of a file that holds one person's work only."""
    report = ImportReport()
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        report.failed.append(f"{path}: not a JSON file ({str(exc)[:120]}); export from Label Studio as JSON")
        return report
    raw = raw if isinstance(raw, list) else [raw]
    tasks = []
    for index, item in enumerate(raw):
        try:
            tasks.append(_Task.model_validate(item))
        except ValidationError as exc:
            report.failed.append(f"{path}: task #{index} (id {item.get('id') if isinstance(item, dict) else '?'}): "
                                 f"{describe(exc)}")
    if report.failed:
        return report
    known = {str(a.completed_by.id): annotator_name(a.completed_by.model_dump()) for t in tasks for a in t.annotations
             if isinstance(a.completed_by, _User) and a.completed_by.id is not None}
    known.update(users)
    people = {_user_key(a.completed_by) for t in tasks for a in t.annotations if not a.was_cancelled}
    if annotator and len(people) > 1:
        report.failed.append(f"{path}: holds the work of {len(people)} people (user ids "
                             f"{', '.join(sorted(map(str, people)))}); --annotator would credit all of it to one. "
                             "Name them with --user ID=NAME instead")
        return report
    report.export_id = next((t.data.export_id for t in tasks if t.data.export_id), None)
    for index, task in enumerate(tasks):
        latest: dict[str, _Annotation] = {}
        for annotation in task.annotations:
            if annotation.was_cancelled:
                continue
            latest[_user_key(annotation.completed_by)] = annotation  # a later submission replaces an earlier one
        for key, annotation in latest.items():
            where = f"{path}: task #{index} (id {task.id})"
            if annotation.updated_by is not None and _user_key(annotation.updated_by) != key:
                report.problems.append(f"{where}: annotation {annotation.id} was made by user {key} and last changed "
                                       f"by user {_user_key(annotation.updated_by)}; which of its changes are whose "
                                       "cannot be told, so it is not imported (let its author submit it again, or "
                                       "export the other person's own annotation)")
                continue
            name = annotator or known.get(key) or (annotator_name(annotation.completed_by.model_dump())
                                                   if isinstance(annotation.completed_by, _User) else None)
            if name is None:
                report.failed.append(f"{where}: completed_by is user {key}, whose name this export does not hold; "
                                     "pass --user ID=NAME (or export with user details)")
                continue
            report.returned.append(Returned(task.data.doc_id, name, spans_of(annotation.result), task.data.text, where))
    return report


def _user_key(completed_by) -> str:
    if isinstance(completed_by, _User):
        return str(completed_by.id if completed_by.id is not None else completed_by.email)
    return str(completed_by)
