"""A real Label Studio round trip: export -> Label Studio (local, SQLite) -> annotate through its API -> export ->
`newscorpus import`. Checks that only the changes made in Label Studio become decisions, credited to the Label
Studio user who made them.

Label Studio has many pinned dependencies: install it in a virtualenv of its own, never in the project's:
    python -m venv ../venv-ls && ../venv-ls/bin/pip install 'label-studio==1.23.*' label-studio-sdk
Run (from the repository root, with the project's Python):
    python bench/labelstudio_roundtrip.py --label-studio ../venv-ls/bin/label-studio [--build BUILD]
It starts `label-studio start --no-browser` on 127.0.0.1 only, with its data in a temporary folder, and stops
it at the end. Without --build it builds examples/ first. Skips (exit 0, a message) when Label Studio is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TOKEN = "newscorpus-bench-token-0123456789"


def api(base: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_up(base: str, proc: subprocess.Popen, seconds: int = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"label-studio exited with {proc.returncode} before it answered")
        try:
            api(base, "GET", "/api/current-user/whoami")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(3)
    raise SystemExit(f"label-studio did not answer within {seconds} s")


def newscorpus(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "builder.cli.main", *map(str, args)], env=env, capture_output=True,
                          text=True)


def build_examples(work: Path) -> Path:
    from builder.config import load_config
    from builder.pipeline import build

    config = load_config(REPO)
    config = config.model_copy(update={"build": config.build.model_copy(update={"work_dir": str(work / "cache")})})
    build(config, output=work / "build")
    return work / "build"


def annotate(base: str, project: int, user_id: int) -> dict:
    """Submit an annotation per task: predictions as they are, except one relabel, one removal and one addition
    on the first tasks that have regions. Returns what was changed, for the check."""
    tasks = api(base, "GET", f"/api/tasks?project={project}&page_size=1000&fields=all")
    tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
    changes, plan = [], ["relabel", "remove_and_add"]
    for task in sorted(tasks, key=lambda t: t["id"]):
        full = api(base, "GET", f"/api/tasks/{task['id']}")
        result = json.loads(json.dumps(full["predictions"][0]["result"])) if full.get("predictions") else []
        regions = [r for r in result if r["type"] == "labels"]
        if regions and plan:
            what = plan.pop(0)
            region = regions[0]
            if what == "relabel":
                old = region["value"]["labels"][0]
                region["value"]["labels"] = ["NORP" if old != "NORP" else "ORG"]
                changes.append(("relabel", full["data"]["doc_id"], region["value"]["text"]))
            else:
                result.remove(region)
                changes.append(("reject", full["data"]["doc_id"], region["value"]["text"]))
                text = full["data"]["text"]
                word = next(w for w in ("the", "The", "a") if f" {w} " in text)
                start = text.index(f" {word} ") + 1
                result.append({"id": "bench-new", "from_name": "label", "to_name": "text", "type": "labels",
                               "value": {"start": start, "end": start + len(word), "text": word, "labels": ["ORG"]}})
                changes.append(("add", full["data"]["doc_id"], word))
        api(base, "POST", f"/api/tasks/{task['id']}/annotations", {"result": result, "was_cancelled": False})
    return {"changes": changes, "tasks": len(tasks), "user_id": user_id}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label-studio", default=str(REPO.parent / "venv-ls" / "bin" / "label-studio"))
    parser.add_argument("--build", type=Path)
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args()
    if not Path(args.label_studio).exists() and not shutil.which(args.label_studio):
        print(f"skipped: no label-studio at {args.label_studio} (see this script's docstring to install it)")
        return 0
    work = Path(tempfile.mkdtemp(prefix="ls-roundtrip-"))
    build = args.build or build_examples(work)
    annotations = work / "annotations"
    tasks_file = work / "tasks.json"
    common = ["--build", build, "--annotations", annotations]
    done = newscorpus("export", tasks_file, "--format", "labelstudio", *common)
    assert done.returncode == 0, done.stderr
    base = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(work / "ls-data"), "DJANGO_DB": "sqlite",
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}
    started = time.monotonic()
    proc = subprocess.Popen([args.label_studio, "start", "--no-browser", "--internal-host", "127.0.0.1",
                             "-p", str(args.port), "--data-dir", str(work / "ls-data"), "--username",
                             "bench@example.org", "--password", "bench-password", "--user-token", TOKEN,
                             "--enable-legacy-api-token"], env=env, stdout=open(work / "ls.log", "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_up(base, proc)
        up = time.monotonic() - started
        me = api(base, "GET", "/api/current-user/whoami")
        project = api(base, "POST", "/api/projects", {"title": "newscorpus round trip",
                                                      "label_config": tasks_file.with_suffix(".xml").read_text()})
        api(base, "POST", f"/api/projects/{project['id']}/import", json.loads(tasks_file.read_text()))
        plan = annotate(base, project["id"], me["id"])
        exported = api(base, "GET", f"/api/projects/{project['id']}/export?exportType=JSON")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    returned = work / "ls-export.json"
    returned.write_text(json.dumps(exported), encoding="utf-8")
    completed_by = sorted({json.dumps(a.get("completed_by")) for t in exported for a in t.get("annotations", [])})

    unnamed = newscorpus("import", returned, "--format", "labelstudio", *common)
    named = newscorpus("import", returned, "--format", "labelstudio", "--user", f"{me['id']}=lsbench", *common)
    again = newscorpus("import", returned, "--format", "labelstudio", "--user", f"{me['id']}=lsbench", *common)

    from builder.review.decisions import read_all

    decisions = read_all(annotations)[0]
    got = sorted((d.action, d.doc_id, d.text) for d in decisions)
    expected = sorted(plan["changes"])
    report = {
        "label_studio_up_seconds": round(up, 1),
        "tasks": plan["tasks"],
        "export_completed_by": completed_by,
        "import_without_names": {"exit": unnamed.returncode, "stderr": unnamed.stderr.strip()[-300:]},
        "import_with_user_name": {"exit": named.returncode, "stdout": named.stdout.strip()},
        "import_again": {"exit": again.returncode, "stdout": again.stdout.strip()},
        "decisions": [list(x) for x in got],
        "annotators": sorted({d.annotator for d in decisions}),
        "as_expected": got == expected and {d.annotator for d in decisions} == {"lsbench"},
    }
    print(json.dumps(report, indent=1))
    return 0 if report["as_expected"] else 1


if __name__ == "__main__":
    sys.exit(main())
