"""The build at the command line: a live progress display on a terminal only, and counts that add up."""

from __future__ import annotations

import io

from rich.console import Console

from builder.cli.main import main
from builder.cli.progress import BuildProgress
from builder.pipeline import build
from release_helpers import project, write_pages


def test_progress_shows_each_step_with_counts_and_rates_on_a_terminal():
    screen = io.StringIO()
    with BuildProgress(Console(file=screen, force_terminal=True, width=120)) as progress:
        for _ in range(3):
            progress(16, "extract+boilerplate")
        progress(1, "clean")
        progress(1, "entities")
        progress(1, "annotate")
        progress.progress.refresh()
    text = screen.getvalue()
    assert "extracting" in text and "48 pages" in text and "pages/s" in text
    assert "cleaning" in text and "annotating" in text and "2 shards" in text  # every layer on one line


def test_progress_is_silent_when_not_a_terminal():
    screen = io.StringIO()
    with BuildProgress(Console(file=screen, force_terminal=False)) as progress:
        progress(16, "extract+boilerplate")
    assert screen.getvalue() == ""


def test_pages_read_equal_documents_plus_page_rejects(tmp_path, examples_build):
    import json

    summary = json.loads((examples_build / "build.json").read_text())
    by_stage = summary["rejects_by_stage"]
    assert sum(by_stage.values()) == summary["rejected"]
    assert by_stage["ingest"] > 0 and by_stage["extract"] > 0  # the examples have broken files and pages
    write_pages(tmp_path / "inputs", 4)
    (tmp_path / "inputs" / "blank.html").write_text("<html><body><p>too short</p></body></html>")
    (tmp_path / "inputs" / "notes.pdf").write_bytes(b"%PDF-1.4")
    result = build(project(tmp_path))
    stages = result.summary["rejects_by_stage"]
    assert result.pages_read == 5 and result.summary["documents"] == 4
    assert result.pages_read == result.summary["documents"] + sum(n for s, n in stages.items() if s != "ingest")
    assert stages["ingest"] == 1  # the .pdf gave no page


def test_build_command_prints_the_counts_and_no_progress_when_piped(tmp_path, capsys, monkeypatch):
    write_pages(tmp_path / "inputs", 2)
    (tmp_path / "newscorpus.toml").write_text('[build]\ninputs = ["inputs"]\nwork_dir = "work"\n'
                                              '[annotate]\nentities = false\nclaims = false\nsources = false\n')
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    err = capsys.readouterr().err
    assert "pages read" in err and "= documents" in err and "extracting" not in err


def test_unwritable_output_fails_before_any_work_with_one_line(tmp_path, capsys, monkeypatch):
    write_pages(tmp_path / "inputs", 2)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file where the output folder would go")
    cases = [(["build", "inputs", "--output", "taken/out"], "cannot write the output folder taken/out (in "),
             (["build", "inputs", "--output", "/proc/newscorpus-out"], "cannot write the output folder /proc/newscorpus-out"),
             (["release", "1.0.0", "--build", "build", "--releases", "/proc/releases"], "cannot write the releases folder")]
    for args, says in cases:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / ".newscorpus").exists()  # nothing was started: no work folder


def test_read_only_work_folder_is_named(tmp_path, capsys, monkeypatch):
    import os

    import pytest

    if os.geteuid() == 0:
        pytest.skip("root writes through permission bits; the /proc cases above cover root")
    write_pages(tmp_path / "inputs", 1)
    (tmp_path / ".newscorpus").mkdir(mode=0o555)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "inputs", "--output", "out"]) == 2
    assert "cannot write the work folder" in capsys.readouterr().err
