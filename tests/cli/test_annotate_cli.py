"""`newscorpus annotate` and `newscorpus eval` end to end, on our own tiny files."""

import json

import pytest

from builder.annotate.evaluate import read_gold
from builder.cli.main import main
from builder.errors import UserError

TEXT = "Vladimir Putin met Emmanuel Macron in Moscow."
#       0         1         2         3         4
#       0123456789012345678901234567890123456789012345


def test_annotate_writes_records_and_reports_bad_lines(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([
        json.dumps({"id": "a", "text": "Bloomberg reported that Trump spoke to Steve Witkoff. Donald Trump left.", "extra": 1}),
        "{not json",
        json.dumps({"id": "b"}),
        json.dumps({"id": "c", "text": "Angela Merkel besuchte Paris.", "language": "de"}),
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["annotate", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "line 2" in err and "line 3" in err
    a, c = [json.loads(line) for line in out.read_text().splitlines()]
    assert a["id"] == "a" and a["extra"] == 1
    assert ("Bloomberg", "ORG") in {(e["text"], e["label"]) for e in a["entities"]}
    assert ("Trump", "Donald Trump") in {(e["text"], e["entity"]) for e in a["entities"]}
    assert c["entities"] == [] and "'de'" in c["entities_note"]


def test_annotate_reports_a_record_over_its_time_budget(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "slow", "text": TEXT}) + "\n")
    config = tmp_path / "newscorpus.toml"
    config.write_text("[annotate]\ntime_limit = 0.000001\nsources = false\nclaims = false\n")
    out = tmp_path / "out.jsonl"
    assert main(["annotate", str(source), "-o", str(out), "-c", str(config)]) == 0
    assert "skipped record slow: annotation-timeout" in capsys.readouterr().err
    assert out.read_text() == ""


def test_annotate_missing_input_is_a_user_error(tmp_path, capsys):
    assert main(["annotate", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "input not found" in capsys.readouterr().err


def test_eval_scores_exact_and_overlap_per_label(tmp_path, capsys):
    gold = {"doc_id": "g1", "text": TEXT, "entities": [
        {"start": 0, "end": 14, "label": "PERSON", "text": "Vladimir Putin"},
        {"start": 19, "end": 33, "label": "PERSON", "text": "Emmanuel Macro"},  # cut short: overlap only
        {"start": 37, "end": 43, "label": "LOC", "text": "Moscow"},  # wrong label on purpose
    ]}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold) + "\n")
    assert main(["eval", str(path), "--json", "--layer", "entities"]) == 0
    report = json.loads(capsys.readouterr().out)["entities"]
    person = report["exact"]["PERSON"]
    assert (person["tp"], person["fp"], person["fn"]) == (1, 1, 1)
    assert report["overlap"]["PERSON"]["f1"] == 1.0
    assert report["exact"]["GPE"]["fp"] == 1 and report["exact"]["LOC"]["fn"] == 1

    assert main(["eval", str(path)]) == 0
    table = capsys.readouterr().out
    assert "PERSON" in table and "micro" in table


def test_eval_names_a_bad_gold_line(tmp_path, capsys):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"doc_id": "g1"}) + "\n")
    assert main(["eval", str(path)]) == 2
    assert "gold.jsonl:1" in capsys.readouterr().err


def test_a_gold_line_keeps_the_line_separators_json_allows_in_its_strings(tmp_path):
    """U+2028, U+2029 and U+0085 may stand unescaped in a JSON string (ensure_ascii=False writes them so):
    the line is read whole, and the lines after it keep their numbers."""
    texts = ["Ann spoke first\u2028and Bob after her.", "Next\x85record\u2029here."]
    path = tmp_path / "gold.jsonl"
    lines = [json.dumps({"doc_id": f"g{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [doc["text"] for doc in read_gold(path)] == texts
    path.write_text("\n".join(lines + [json.dumps({"doc_id": "g2"})]) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="gold.jsonl:3:"):
        read_gold(path)
