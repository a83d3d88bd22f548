"""The import rules of docs/ARCHITECTURE.md, read from the code: imports go one way.

cli -> pipeline -> engine and the stage packages -> the contracts (stage.py, records, shards, atomic I/O).
The engine knows only the contracts; a stage package knows neither the engine, nor the CLI, nor the build
recipe. Every import is counted, also one inside a function (an optional extra imported when chosen).
"""

import ast
from pathlib import Path

import builder

ROOT = Path(builder.__file__).parent
STAGES = {"ingest", "clean", "dedup", "annotate", "review", "release", "report"}


def _unit(module: str) -> str:
    """The package (builder.dedup) or top-level module (builder.pipeline) a module belongs to."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _imports() -> dict[str, set[str]]:
    """builder module -> the builder modules it imports."""
    found: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        names = found.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names)  # `from builder import shards`
        found[module] = {n for n in names if n.split(".")[0] == "builder" and n != "builder"}
    return found


def _unit_graph() -> dict[str, set[str]]:
    modules = set(_imports())
    graph: dict[str, set[str]] = {}
    for module, names in _imports().items():
        targets = {_unit(n) for n in names if n in modules or n.rpartition(".")[0] in modules or _unit(n) in modules}
        graph.setdefault(_unit(module), set()).update(t for t in targets if t != _unit(module))
    return graph


def _violations(source: set[str], forbidden: set[str]) -> list[str]:
    return sorted(f"{module} imports {name}" for module, names in _imports().items() if _unit(module) in source
                  for name in names if _unit(name) in forbidden)


def test_stage_packages_import_neither_the_engine_nor_the_cli_nor_the_recipe():
    stages = {f"builder.{s}" for s in STAGES}
    assert _violations(stages, {"builder.engine", "builder.cli", "builder.pipeline"}) == []


def test_the_engine_imports_no_stage_package():
    assert _violations({"builder.engine"}, {f"builder.{s}" for s in STAGES} | {"builder.cli", "builder.pipeline"}) == []


def test_only_the_cli_imports_the_cli():
    outside = {_unit(m) for m in _imports()} - {"builder.cli"}
    assert _violations(outside, {"builder.cli"}) == []


def test_no_package_import_cycles():
    graph = _unit_graph()
    cycles = []

    def visit(node, path):
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert cycles == []


def test_the_reader_sees_the_imports_it_checks():
    """The rules above must not pass on a reader that finds nothing."""
    graph = _unit_graph()
    assert {"builder.engine", "builder.dedup", "builder.clean"} <= graph["builder.pipeline"]
    assert "builder.stage" in graph["builder.engine"] and "builder.stage" in graph["builder.dedup"]
    assert "builder.engine" in graph["builder.cli"] or "builder.pipeline" in graph["builder.cli"]
