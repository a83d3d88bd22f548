"""Label Studio JSON: tasks with our spans as predictions out; exports with annotations (and completed_by) in.

Regions are `labels` results on the text; a claim's speaker rides along as a per-region `textarea` result
with the region's id (see `labeling_config`, which declares both).
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from builder.review.interchange import Imported, ImportReport, annotator_name, export_spans

LABELS, SPEAKER, TEXT = "label", "speaker", "text"


def labeling_config(layer: str, labels: list[str]) -> str:
    lines = ["<View>", f'  <Labels name="{LABELS}" toName="{TEXT}">']
    lines += [f"    <Label value={quoteattr(label)}/>" for label in labels]
    lines += ["  </Labels>", f'  <Text name="{TEXT}" value="$text"/>']
    if layer == "claims":
        lines.append(f'  <TextArea name="{SPEAKER}" toName="{TEXT}" perRegion="true" maxSubmissions="1"/>')
    return "\n".join(lines + ["</View>"]) + "\n"


def _regions(spans: list[dict]) -> list[dict]:
    result = []
    for n, span in enumerate(spans):
        region_id = span["id"] or f"r{n}"
        region = {"id": region_id, "from_name": LABELS, "to_name": TEXT, "type": "labels",
                  "value": {"start": span["start"], "end": span["end"], "text": span["text"], "labels": [span["label"]]}}
        if span["confidence"] is not None:
            region["score"] = span["confidence"]
        result.append(region)
        if span.get("speaker"):
            result.append({"id": region_id, "from_name": SPEAKER, "to_name": TEXT, "type": "textarea",
                           "value": {"start": span["start"], "end": span["end"], "text": [span["speaker"]]}})
    return result


def export_tasks(views: list[dict], layer: str) -> list[dict]:
    tasks = []
    for n, view in enumerate(views, 1):
        spans = export_spans(view, layer)
        scores = [s["confidence"] for s in spans if s["confidence"] is not None]
        prediction = {"model_version": "newscorpus", "result": _regions(spans)}
        if scores:
            prediction["score"] = min(scores)
        tasks.append({"id": n, "data": {"text": view["text"], "doc_id": view["id"], "layer": layer},
                      "predictions": [prediction]})
    return tasks


def write(views: list[dict], layer: str, labels: list[str], out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(export_tasks(views, layer), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    config = out.with_suffix(".xml")
    config.write_text(labeling_config(layer, labels), encoding="utf-8")
    return [out, config]


def spans_of(result: list[dict]) -> list[dict]:
    speakers = {r["id"]: (r["value"].get("text") or [None])[0] for r in result if r.get("type") == "textarea"}
    spans = []
    for region in result:
        if region.get("type") != "labels":
            continue
        value = region["value"]
        extra = {"speaker": speakers[region["id"]]} if region.get("id") in speakers else {}
        for label in value.get("labels") or []:
            spans.append({"start": value["start"], "end": value["end"], "label": label, "extra": extra})
    return spans


def read(path: Path) -> ImportReport:
    report = ImportReport()
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        report.problems.append(f"{path}: not JSON ({exc}); export from Label Studio as JSON")
        return report
    for task in tasks if isinstance(tasks, list) else [tasks]:
        data = task.get("data") or {}
        if not data.get("doc_id"):
            report.problems.append(f"{path}: task {task.get('id')} has no data.doc_id; it was not exported by newscorpus")
            continue
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                report.problems.append(f"{path}: task {task.get('id')}: skipped a cancelled annotation")
                continue
            report.imported.append(Imported(data["doc_id"], annotator_name(annotation.get("completed_by")),
                                            spans_of(annotation.get("result") or []), data.get("text")))
    return report
