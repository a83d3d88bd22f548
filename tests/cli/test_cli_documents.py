"""Commands about documents: `ls` (list and filter), titles in `diff` and CHANGELOG.md, and
`export --format spacy` (DocBins that spaCy's training corpus reader loads, split as the release)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from builder.cli.main import main
from builder.pipeline import build
from builder.release.manifest import read_manifest
from builder.release.release import make_release
from release_helpers import project, write_pages

REPO = Path(__file__).resolve().parents[2]


def _documents(folder: Path) -> list[dict]:
    return [row for path in sorted((folder / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(path, columns=["id", "site", "published", "title", "language"]).to_pylist()]


def test_ls_lists_every_document_and_filters(examples_build, capsys):
    docs = _documents(examples_build)
    assert main(["ls", str(examples_build), "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["id"] for row in listed] == sorted(d["id"] for d in docs)
    by_id = {d["id"]: d for d in docs}
    for row in listed:
        assert row["title"] == by_id[row["id"]]["title"] and row["language"] == by_id[row["id"]]["language"]
    assert main(["ls", str(examples_build), "--language", "de", "--json"]) == 0
    german = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    assert german and sorted(german) == sorted(d["id"] for d in docs if d["language"] == "de")
    dated = [d for d in docs if d["published"]]
    day = sorted(d["published"] for d in dated)[len(dated) // 2]
    assert main(["ls", str(examples_build), "--since", day.isoformat(), "--json"]) == 0
    since = {json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()}
    assert since == {d["id"] for d in dated if d["published"] >= day}
    site = docs[0]["site"]
    assert main(["ls", str(examples_build), "--site", site]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == sum(d["site"] == site for d in docs)
    assert out.err.strip() == f"{len(out.out.splitlines())} documents"


def test_ls_of_a_release_shows_splits_and_bad_dates_are_one_line(examples_release, capsys):
    assert main(["ls", str(examples_release), "--split", "test", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == read_manifest(examples_release)["stats"]["splits"]["test"]
    assert {row["split"] for row in rows} == {"test"}
    assert main(["ls", str(examples_release), "--until", "yesterday"]) == 2
    assert capsys.readouterr().err.strip() == "error: --until 'yesterday' is not a date: use YYYY-MM-DD."


def test_diff_and_changelog_name_documents_by_title(tmp_path, capsys):
    pages = write_pages(tmp_path / "inputs", 3)
    config = project(tmp_path)
    build(config)
    make_release(config, "1.0.0")
    pages[0].unlink()
    write_pages(tmp_path / "inputs" / "more", 1, prefix="extra")
    build(config)
    new = make_release(config, "1.1.0").folder
    changelog = (new / "CHANGELOG.md").read_text()
    assert "1 added, 1 removed" in changelog
    added = changelog.split("### Added")[1].split("###")[0]
    removed = changelog.split("### Removed")[1].split("|")[0]
    assert "Council story number 0 of extra" in added and "Council story number 0 of page" in removed
    assert main(["diff", str(tmp_path / "releases" / "1.0.0"), str(new), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [result["documents"][i]["title"] for i in result["added"]] == ["Council story number 0 of extra"]


def test_spacy_export_loads_in_spacy_and_keeps_the_release_splits(tmp_path, examples_config, examples_build,
                                                                  examples_release, monkeypatch, capsys):
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Corpus

    monkeypatch.chdir(REPO)  # the examples project: its config and annotations, as the release had them
    out = tmp_path / "spacy"
    assert main(["export", str(out), "--format", "spacy", "--build", str(examples_build)]) == 0
    assert "entities" in capsys.readouterr().out
    nlp = spacy.blank("en")
    splits = read_manifest(examples_release)["stats"]["splits"]
    release_ids = {split: {r["id"] for r in pq.read_table(examples_release / "data" / "documents" /
                                                          f"{split}-00000-of-00001.parquet", columns=["id"]).to_pylist()}
                   for split in splits}
    by_text = {}
    for split in release_ids:
        for row in pq.read_table(examples_release / "data" / "documents" / f"{split}-00000-of-00001.parquet",
                                 columns=["id", "text"]).to_pylist():
            by_text[row["text"]] = (split, row["id"])
    for split, name in (("train", "train.spacy"), ("validation", "dev.spacy"), ("test", "test.spacy")):
        docs = list(DocBin().from_disk(out / name).get_docs(nlp.vocab))
        assert len(docs) == splits[split]
        assert {by_text[d.text] for d in docs} == {(split, i) for i in release_ids[split]}
        examples = list(Corpus(str(out / name))(nlp))  # what `spacy train` reads its paths.train/dev with
        assert len(examples) == len(docs)
        spans = [[(e.text, e.label_) for e in example.reference.ents] for example in examples]
        assert spans == [[(e.text, e.label_) for e in doc.ents] for doc in docs]
    assert sum(len(d.ents) for d in DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab)) > 50
