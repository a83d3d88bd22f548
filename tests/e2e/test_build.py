"""The whole build on the examples corpus: rejects, datasets loading, identical rebuilds, config errors."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from builder.config import load_config, parse_config
from builder.pipeline import build
from builder.errors import UserError

REPO = Path(__file__).resolve().parents[2]
DOCS = "data/documents/train-00000-of-00001.parquet"
REJECTS = "data/rejects/train-00000-of-00001.parquet"

# Our reason codes for the hand-written descriptions in examples/expected.json "broken".
REASON_CODES = {
    "invalid json": {"invalid-json"},
    "binary": {"binary"},
    "empty": {"empty"},
    "truncated": {"no-main-text", "truncated-archive", "empty"},
    "undecodable": {"undecodable"},
    "unsupported file type": {"unsupported-file-type"},
    "no text field": {"no-content"},
    "not a json object": {"not-an-object"},
    "http status 404": {"http-404"},
    "unsupported content type": {"unsupported-content-type"},
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _with(config, **build_options):
    return config.model_copy(update={"build": config.build.model_copy(update=build_options)})


def test_every_broken_input_is_rejected_with_a_reason(examples_build, expected):
    rejects = pq.read_table(examples_build / REJECTS).to_pylist()
    by_input: dict[str, set] = {}
    for row in rejects:
        assert row["reason"] and row["detail"]
        name = row["origin"]
        if "crawl.warc.gz#" in name:  # expected.json names WARC records by URL, we by offset
            name = name.split("#")[0] + "#" + row["url"]
        if "truncated.warc.gz#" in name:
            name = name.split("#")[0]
        by_input.setdefault(name, set()).add(row["reason"])
    for name, description in expected["broken"].items():
        assert name in by_input, f"{name} ({description}) is not in the rejects table"
        assert by_input[name] & REASON_CODES[description], (name, by_input[name])


def test_good_inputs_all_become_documents(examples_build, expected):
    origins = set(pq.read_table(examples_build / DOCS, columns=["origin"]).column("origin").to_pylist())
    for paths in expected["sites"].values():
        for path in paths:
            if path.startswith("examples/warc/") or path in expected["broken"]:
                continue  # WARC records are named by offset in our origins
            assert path in origins, path
    assert "examples/broken/latin1.html" in origins  # undeclared Windows-1252 is decoded, not rejected


def test_languages_are_tagged(examples_build, expected):
    rows = pq.read_table(examples_build / DOCS, columns=["origin", "language", "language_score"]).to_pylist()
    language = {r["origin"]: r["language"] for r in rows}
    for path, code in expected["languages"].items():
        assert language[path] == code
    english = [r for r in rows if r["origin"] not in expected["languages"] and r["language"] == "en"]
    assert len(english) >= len(rows) - len(expected["languages"]) - 2
    assert all(0 < r["language_score"] <= 1 for r in english)


def test_load_dataset_map_style_and_streaming(examples_build):
    docs = datasets.load_dataset(str(examples_build), split="train")
    table = pq.read_table(examples_build / DOCS)
    assert docs.num_rows == table.num_rows > 30
    features = docs.features
    assert features["published"].dtype == "date32"
    assert features["fetched_at"].dtype == "timestamp[us, tz=UTC]"
    assert features["links"].feature["start"].dtype == "int64"
    assert docs["id"] == sorted(docs["id"])
    assert len(set(docs["id"])) == docs.num_rows  # ids are unique even for URL duplicates
    streamed = list(datasets.load_dataset(str(examples_build), split="train", streaming=True))
    assert [r["id"] for r in streamed] == docs["id"]
    rejects = datasets.load_dataset(str(examples_build), "rejects", split="train")
    assert rejects.num_rows == pq.read_table(examples_build / REJECTS).num_rows


def test_link_offsets_point_at_anchor_text(examples_build):
    rows = pq.read_table(examples_build / DOCS, columns=["text", "links"]).to_pylist()
    links = [(r["text"], link) for r in rows for link in r["links"]]
    assert links, "the examples have hyperlinks in their article bodies"
    for text, link in links:
        assert text[link["start"]:link["end"]] == link["text"]


def test_rebuild_is_byte_identical_and_reuses_the_cache(examples_config, examples_build, tmp_path):
    config = _with(examples_config, work_dir=str(tmp_path / "work"))
    first = build(config, output=tmp_path / "a")
    second = build(config, output=tmp_path / "b")
    assert second.shards_reused > 0 and first.shards_reused == 0
    # the library API returns the same rejects the table holds (cached or not)
    table = pq.read_table(examples_build / REJECTS).to_pylist()
    for result in (first, second):
        assert sorted((r["origin"], r["reason"]) for r in result.rejects) == sorted((r["origin"], r["reason"]) for r in table)
        assert result.rejects
    for table in (DOCS, REJECTS):
        assert sha256(tmp_path / "a" / table) == sha256(tmp_path / "b" / table) == sha256(examples_build / table)


def test_two_workers_give_the_same_bytes(examples_config, examples_build, tmp_path):
    config = _with(examples_config, work_dir=str(tmp_path / "work"), workers=2, shard_size=8)
    build(config, output=tmp_path / "out")
    for table in (DOCS, REJECTS):
        assert sha256(tmp_path / "out" / table) == sha256(examples_build / table)


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(UserError, match=r"unknown key 'build.wokers'. Allowed here: inputs, output"):
        parse_config({"build": {"wokers": 2}})
    with pytest.raises(UserError, match=r"'build.workers' .*integer"):
        parse_config({"build": {"workers": "many"}})
    with pytest.raises(UserError, match="No newscorpus.toml"):
        load_config(tmp_path)
    (tmp_path / "newscorpus.toml").write_text("[build\n", encoding="utf-8")
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(tmp_path)


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "builder.cli.main", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_user_mistakes_are_one_line(tmp_path):
    (tmp_path / "newscorpus.toml").write_text("[language]\nkeep = 'en'\n", encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "language.keep" in result.stderr
    missing = run_cli("build", "no-such-folder", "-o", "out", cwd=tmp_path)
    assert missing.returncode == 2 and "input not found: no-such-folder" in missing.stderr


def test_cli_init_build_show(tmp_path):
    assert run_cli("init", "corpus", cwd=tmp_path).returncode == 0
    project = tmp_path / "corpus"
    (project / "inputs" / "story.txt").write_text(
        "Harbour crane arrives\n\nA new crane arrived at the harbour on Friday, the port authority said, "
        "after a two-week voyage from the shipyard.\n", encoding="utf-8")
    built = run_cli("build", cwd=project)
    assert built.returncode == 0, built.stderr
    assert "output:" in built.stdout
    doc_id = pq.read_table(project / "build" / DOCS, columns=["id"]).column("id")[0].as_py()
    shown = run_cli("show", doc_id[:10], cwd=project)
    assert shown.returncode == 0 and "A new crane arrived" in shown.stdout


def test_a_build_without_annotation_imports_neither_spacy_nor_datasets(tmp_path):
    """spaCy takes most of a second to import, datasets half a second: a build that annotates nothing
    must not pay for spaCy, and no build needs datasets (its Features are stored: build_features.json)."""
    script = (
        "import sys\n"
        "from builder.config import parse_config\n"
        "from builder.pipeline import build\n"
        "from builder.annotate.config import AnnotateConfig\n"
        "off = {k: False for k, f in AnnotateConfig.model_fields.items() if f.annotation is bool}\n"
        f"config = parse_config({{'build': {{'inputs': [{str(REPO / 'examples' / 'text')!r}], 'output': {str(tmp_path / 'out')!r},"
        f" 'work_dir': {str(tmp_path / 'work')!r}}}, 'annotate': off}})\n"
        "result = build(config)\n"
        "assert result.summary['documents'] > 0, result.summary\n"
        "print('spacy' in sys.modules, 'datasets' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "False False"
