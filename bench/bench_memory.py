"""Memory: where the peak of a build's process tree goes, per process role and per phase of the build.

The input is bench_scale's (replicas of the ../shared/corpora article pages, --files-per-worker x --workers
JSONL files); the build is bench_scale's (local engine, annotation off), run in a fresh child process with a
fresh work folder. The parent samples every process of the child's tree at 4 Hz (RSS and PSS from
/proc/PID/smaps_rollup) and names each by its role:

  main          the build process
  fork server   multiprocessing's fork server (it imports the preloads; workers are forked from it)
  worker N      the pool workers, children of the fork server, numbered as they appear
  guard of X    an extractor child (builder/ingest/guard.py) of process X
  tracker       multiprocessing's resource tracker

The child marks the phases of its main process (each map pass, each corpus-wide reduce, the output merge)
in a file, on the same monotonic clock as the samples, so every sample falls in a phase. Printed: the peak
RSS and PSS of every role in every phase, the tree's, and what each role held at the tree's peak. RSS
counts a page shared by forked processes once per process; PSS splits it between them (their sum is what
the tree really holds). No time figure is reported: memory does not depend on the machine's load.

    python bench/bench_memory.py --documents 3000 [--workers 2] [--keep-input DIR]
    python bench/bench_memory.py --digest INPUT... --out DIR   # build once; sha256 of every Parquet file
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402  (the same input)
from bench_build import _memory_kib  # noqa: E402  (the same /proc reading)

MIB = 1024


# ---------------------------------------------------------------- child: the build, its phases marked

def child(inputs: str, work: str, output: str, workers: int, phases: str) -> dict:
    from builder.heap import arrow_uses_malloc

    arrow_uses_malloc()  # as the command line does, before pyarrow is imported
    import builder.pipeline as pipeline
    import builder.release.merge as merge
    from builder.engine.local import ShardEngine

    log = open(phases, "a", encoding="utf-8")

    def mark(phase: str) -> None:
        log.write(json.dumps({"t": time.monotonic(), "phase": phase}) + "\n")
        log.flush()

    def wrap(owner, name: str, phase, after: str | None = None):
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            mark(phase(*args) if callable(phase) else phase)
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    mark(after)

        setattr(owner, name, wrapped)

    wrap(ShardEngine, "map_steps", lambda self, stages, *_: "map " + "+".join(s.name for s in stages), "between steps")
    wrap(pipeline, "keyed_tasks", lambda engine, step, *_: f"reduce {step.name}")
    wrap(pipeline, "write_build_output", "output: sort keys")
    wrap(merge, "_spill", "output: spill", "output: sort ranges + write")
    mark("start")
    figures = bench_scale.child_newscorpus(inputs, work, output, workers, False)
    mark("end")
    return figures


# ---------------------------------------------------------------- parent: sample the tree by role

def _processes() -> dict[int, int]:
    """pid -> parent pid of every process."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Roles:
    """Names the processes of a tree by role; a pid keeps the role it was first seen with."""

    def __init__(self, root: int):
        self.root, self.names, self.workers, self.guards = root, {root: "main"}, 0, {}

    def tree(self) -> list[int]:
        parents = _processes()
        children: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children.setdefault(parent, []).append(pid)
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in parents or pid == self.root:
                found.append(pid)
                if pid not in self.names:
                    self.names[pid] = self._role(pid, parents.get(pid))
                todo.extend(children.get(pid, []))
        return found

    def _role(self, pid: int, parent: int | None) -> str:
        command = _cmdline(pid)
        if "builder.ingest.guard" in command:
            owner = self.names.get(parent, "?")
            self.guards[owner] = self.guards.get(owner, 0) + 1
            return f"guard of {owner}" + (f" #{self.guards[owner]}" if self.guards[owner] > 1 else "")
        if self.names.get(parent) == "fork server":
            self.workers += 1
            return f"worker {self.workers}"
        if "resource_tracker" in command:
            return "tracker"
        if "forkserver" in command:
            return "fork server"
        return f"other ({command[:40]})"


class Sampler:
    """Samples the tree of process `root` by role at 4 Hz in a thread: (time, {role: (rss KiB, pss KiB)})."""

    def __init__(self, root: int):
        self.roles, self.samples, self.done = Roles(root), [], threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.done.is_set():
            now = time.monotonic()
            self.samples.append((now, {self.roles.names[pid]: _memory_kib(pid) for pid in self.roles.tree()}))
            self.done.wait(0.25)

    def stop(self) -> list[tuple]:
        self.done.set()
        self.thread.join()
        return self.samples


def run(args: list, script: str = __file__) -> tuple[dict, list[dict], list[tuple]]:
    """Run `script --child ARGS` (its last argument: the phase file); returns its figures, the phase marks
    and the samples (time, {role: (rss KiB, pss KiB)})."""
    phases = Path(args[-1])
    process = subprocess.Popen([sys.executable, script, "--child", json.dumps(args)], stdout=subprocess.PIPE, text=True)
    sampler = Sampler(process.pid)
    output = process.stdout.read()
    process.wait()
    samples = sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"bench_memory: the build failed with exit code {process.returncode}")
    marks = [json.loads(line) for line in phases.read_text().splitlines()]
    return json.loads(output.strip().splitlines()[-1]), marks, samples


def _phase_at(marks: list[dict], t: float) -> str:
    phase = "start-up"
    for mark in marks:
        if mark["t"] > t:
            break
        phase = mark["phase"]
    return phase


def report(figures: dict, marks: list[dict], samples: list[tuple], documents: int) -> str:
    def fmt(kib_pair):
        return f"{kib_pair[0] / MIB:.0f} / {kib_pair[1] / MIB:.0f}"

    phases: list[str] = []
    peak: dict[tuple[str, str], list[int]] = {}  # (phase, role) -> [rss, pss]
    tree: dict[str, list[int]] = {}
    at_peak = {"rss": (0, {}), "pss": (0, {})}
    for t, memory in samples:
        phase = _phase_at(marks, t)
        if phase not in phases:
            phases.append(phase)
        total = [sum(m[0] for m in memory.values()), sum(m[1] for m in memory.values())]
        best = tree.setdefault(phase, [0, 0])
        best[:] = [max(best[0], total[0]), max(best[1], total[1])]
        for role, (rss, pss) in memory.items():
            best = peak.setdefault((phase, role), [0, 0])
            best[:] = [max(best[0], rss), max(best[1], pss)]
        for i, kind in enumerate(("rss", "pss")):
            if total[i] > at_peak[kind][0]:
                at_peak[kind] = (total[i], memory)
    roles = sorted({role for _, role in peak}, key=lambda r: (r != "main", r.startswith("guard"), r))
    lines = [f"{documents} documents in, {figures['documents']} out ({figures['canonical']} canonical); "
             f"{len(samples)} samples at 4 Hz. Peak RSS / PSS in MiB.", "",
             "| phase of the main process | tree | " + " | ".join(roles) + " |",
             "|---|---:|" + "---:|" * len(roles)]
    for phase in phases:
        cells = [fmt(peak[(phase, role)]) if (phase, role) in peak else "" for role in roles]
        lines.append(f"| {phase} | **{fmt(tree[phase])}** | " + " | ".join(cells) + " |")
    overall = [fmt([max(peak[(p, role)][i] for p in phases if (p, role) in peak) for i in (0, 1)]) for role in roles]
    lines.append(f"| whole build | **{fmt([max(v[i] for v in tree.values()) for i in (0, 1)])}** | " + " | ".join(overall) + " |")
    for kind in ("rss", "pss"):
        total, memory = at_peak[kind]
        i = 0 if kind == "rss" else 1
        held = ", ".join(f"{role} {memory[role][i] / MIB:.0f}" for role in roles if role in memory)
        when = _phase_at(marks, next(t for t, m in samples if m is memory))
        lines.append(f"\nAt the tree's peak {kind.upper()} ({total / MIB:.0f} MiB, in '{when}'): {held}.")
    return "\n".join(lines)


def measure(options) -> str:
    with tempfile.TemporaryDirectory(prefix="nc-bench-memory-") as tmp:
        tmp = Path(tmp)
        folder = Path(options.keep_input) if options.keep_input else tmp / "input"
        if not folder.exists():
            files = options.files_per_worker * options.workers
            bench_scale.write_input(folder, 0, options.documents, bench_scale._pages(), -(-options.documents // files))
        figures, marks, samples = run([str(folder), str(tmp / "work"), str(tmp / "out"), options.workers, str(tmp / "phases.jsonl")])
        digest = _digests(tmp / "out")
    return report(figures, marks, samples, options.documents) + "\n\nOutput Parquet sha256:\n" + _lines(digest)


# ---------------------------------------------------------------- output bytes

def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.parquet"))}


def _lines(digests: dict[str, str]) -> str:
    return "\n".join(f"{sha}  {name}" for name, sha in digests.items())


def digest_build(inputs: list[str], out: Path, workers: int, bench_config: bool) -> str:
    """Build the inputs in a fresh work folder, with the default config or bench_build's (annotation off,
    every language kept); sha256 of every Parquet file."""
    from bench_build import _annotation_off
    from builder.config import parse_config
    from builder.pipeline import build

    settings = {"language": {"keep": []}, "annotate": _annotation_off()} if bench_config else {}
    with tempfile.TemporaryDirectory(prefix="nc-bench-digest-") as work:
        config = parse_config({**settings, "build": {"work_dir": work, "workers": workers}}, root=os.getcwd())
        build(config, inputs=[Path(p) for p in inputs], output=out)
    return _lines(_digests(out))


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(*json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--files-per-worker", type=int, default=4)
    parser.add_argument("--keep-input", metavar="DIR", help="write the input here once and reuse it on later runs")
    parser.add_argument("--digest", nargs="+", metavar="INPUT", help="instead: build these inputs, print every Parquet file's sha256")
    parser.add_argument("--out", type=Path, help="output folder of --digest")
    parser.add_argument("--watch", type=int, metavar="PID", help="instead: sample the tree of a running process until it ends")
    parser.add_argument("--bench-config", action="store_true", help="--digest with bench_build's config (annotation off)")
    options = parser.parse_args()
    if options.watch:  # a build someone else runs: roles only, its phases are not marked
        sampler = Sampler(options.watch)
        while Path(f"/proc/{options.watch}").exists():
            time.sleep(1)
        print(report({"documents": "?", "canonical": "?"}, [], sampler.stop(), options.documents))
        return
    if options.digest:
        print(digest_build(options.digest, options.out or Path(tempfile.mkdtemp(prefix="nc-digest-")), options.workers, options.bench_config))
        return
    if not bench_scale.CORPORA.exists():
        raise SystemExit(f"bench_memory: {bench_scale.CORPORA} is absent (it is not part of the repository); nothing to measure.")
    print(measure(options))


if __name__ == "__main__":
    main()
