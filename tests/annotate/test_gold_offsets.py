"""A gold file of offsets and hashes, rehydrated from a corpus folder by `newscorpus eval` (our own tiny corpus)."""

import hashlib
import json

import pytest

from builder.annotate.evaluate import read_gold
from builder.cli.main import main
from builder.errors import UserError

TEXT = "Mara Olsen runs the Larkfield Dairy.\n\n\"We sell milk,\" Olsen told the Hollow Gazette."


def short_hash(piece: str) -> str:
    return hashlib.sha256(piece.encode()).hexdigest()[:8]


def write_corpus(root, text=TEXT):
    page = root / "tinycorpus" / "gold" / "p1.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"ground_truth": {"main_content": text}}))


def gold_lines(corpus_root="corpora", text=TEXT):
    span = lambda s, e: {"start": s, "end": e, "hash": short_hash(TEXT[s:e])}  # noqa: E731
    doc = {"doc_id": "t-p1", "corpus": "tinycorpus", "id": "p1", "file": "gold/p1.json",
           "field": "ground_truth.main_content", "sha256": hashlib.sha256(text.encode()).hexdigest(),
           "entities": [{**span(0, 10), "label": "PERSON"}, {**span(20, 35), "label": "ORG"},
                        {**span(54, 59), "label": "PERSON"}, {**span(69, 83), "label": "ORG"}],
           "claims": [{**span(39, 51), "kind": "direct_quote", "cue": "told", "speaker": [0, 10],
                       "sources": [[69, 83]]}],
           "sources": [{**span(69, 83), "kind": "mention"}]}
    header = {"gold_format": "offsets", "version": 1, "corpus_root": corpus_root}
    return [json.dumps(header), json.dumps(doc)]


def test_rehydrates_texts_spans_speakers_and_sources(tmp_path):
    write_corpus(tmp_path / "corpora")
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(gold_lines()) + "\n")
    [doc] = read_gold(path)  # the header's corpus_root, relative to the gold file
    assert doc["text"] == TEXT and doc["doc_id"] == "t-p1"
    assert [(e["text"], e["label"]) for e in doc["entities"]] == [
        ("Mara Olsen", "PERSON"), ("Larkfield Dairy", "ORG"), ("Olsen", "PERSON"), ("Hollow Gazette", "ORG")]
    [claim] = doc["claims"]
    assert (claim["text"], claim["speaker"], claim["sources"]) == ("We sell milk", "Mara Olsen", ["Hollow Gazette"])
    assert [(s["name"], s["kind"]) for s in doc["sources"]] == [("Hollow Gazette", "mention")]


def test_corpus_root_option_overrides_the_header(tmp_path):
    write_corpus(tmp_path / "elsewhere")
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(gold_lines("missing")) + "\n")
    with pytest.raises(UserError, match="--corpus-root"):
        read_gold(path)
    assert read_gold(path, tmp_path / "elsewhere")[0]["text"] == TEXT


def test_changed_text_and_wrong_span_hash_are_one_line_errors(tmp_path):
    write_corpus(tmp_path / "corpora", TEXT.replace("milk", "eggs"))
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(gold_lines()) + "\n")
    with pytest.raises(UserError, match="sha256 differs"):
        read_gold(path)

    # The text matches its sha256, but a span was shifted by one character after hashing.
    header, doc = gold_lines()
    record = json.loads(doc)
    record["entities"][0]["start"] = 1
    path.write_text("\n".join([header, json.dumps(record)]) + "\n")
    write_corpus(tmp_path / "other")
    with pytest.raises(UserError, match="span 1-10 does not match its hash"):
        read_gold(path, tmp_path / "other")


def test_eval_scores_an_offsets_gold_file_and_fails_cleanly_without_its_corpus(tmp_path, capsys):
    write_corpus(tmp_path / "corpora")
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(gold_lines()) + "\n")
    assert main(["eval", str(path), "--json", "--layer", "sources"]) == 0
    report = json.loads(capsys.readouterr().out)["sources"]
    assert report["micro"]["tp"] + report["micro"]["fn"] == 1  # the gold's one mention was scored

    assert main(["eval", str(path), "--corpus-root", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not at" in err and "--corpus-root" in err and len(err.splitlines()) == 1


def test_a_top_level_text_field_is_read_like_a_dotted_one(tmp_path):
    # A corpus whose pages keep the text at the top level ({"id", "url", "articleBody"}), not under ground_truth.
    page = tmp_path / "corpora" / "tinycorpus" / "gold" / "p1.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"id": "p1", "url": None, "articleBody": TEXT}))
    header, doc = gold_lines()
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join([header, json.dumps({**json.loads(doc), "field": "articleBody"})]) + "\n")
    [gold] = read_gold(path)
    assert gold["text"] == TEXT and gold["claims"][0]["speaker"] == "Mara Olsen"

    # The same page read at the other corpus's field has no text there: a one-line error, not a crash.
    path.write_text("\n".join(gold_lines()) + "\n")
    with pytest.raises(UserError, match="sha256 differs"):
        read_gold(path)
