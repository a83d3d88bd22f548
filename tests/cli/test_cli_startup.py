"""The command line starts fast: `--help` and a config error import no command module's library (issue 25)."""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import builder.cli
from builder.cli.main import COMMANDS

REPO = Path(__file__).resolve().parents[2]


def test_the_command_table_names_every_command_with_its_short_help():
    found = {}
    for module in pkgutil.iter_modules(builder.cli.__path__):
        if module.name.endswith("_commands"):
            loaded = importlib.import_module(f"builder.cli.{module.name}")
            for command in loaded.COMMANDS:
                attribute = next(name for name, value in vars(loaded).items() if value is command)
                found[command.name] = (module.name, attribute, command.get_short_help_str(limit=1_000))
    assert COMMANDS == found


def _fresh(code: str, tmp_path: Path) -> dict:
    """Run `code` in a new interpreter (from tmp_path); it prints a JSON object."""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


# Packages that take a second or more to import, and the build's own modules that import them.
LIBRARIES = {"spacy", "pyarrow", "datasets", "numpy", "trafilatura"}


def _loaded(modules: list[str], packages: set[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in packages or m == "builder.pipeline"]


def test_help_imports_no_command_module(tmp_path):
    result = _fresh(
        "import contextlib, io, json, sys\n"
        "from builder.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out): code = main(['--help'])\n"
        "print(json.dumps({'code': code, 'help': out.getvalue(), 'modules': sorted(sys.modules)}))", tmp_path)
    assert result["code"] == 0 and all(name in result["help"] for name in COMMANDS)
    assert not [m for m in result["modules"] if m.endswith("_commands")]
    assert not _loaded(result["modules"], LIBRARIES | {"rich", "pydantic"})


def test_a_config_error_answers_before_the_build_imports_the_library(tmp_path):
    (tmp_path / "newscorpus.toml").write_text("[build]\nwokers = 2\n")
    result = _fresh(
        "import contextlib, io, json, sys\n"
        "from builder.cli.main import main\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stderr(err): code = main(['build'])\n"
        "print(json.dumps({'code': code, 'err': err.getvalue(), 'modules': sorted(sys.modules)}))", tmp_path)
    assert result["code"] == 2 and "wokers" in result["err"]
    assert not _loaded(result["modules"], LIBRARIES)
