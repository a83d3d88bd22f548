"""Split assignment, label sets and release settings, without a build."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from builder.config import parse_config
from builder.errors import UserError
from builder.labels import class_label_names, entity_labels
from builder.release.splits import split_of
from builder.review.layers import layer_labels

RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def test_split_follows_ratios_and_depends_only_on_the_cluster():
    clusters = [f"cluster-{i}" for i in range(20_000)]
    counts = Counter(split_of(c, RATIOS) for c in clusters)
    assert abs(counts["train"] / 20_000 - 0.8) < 0.02
    assert abs(counts["validation"] / 20_000 - 0.1) < 0.02
    assert [split_of(c, RATIOS) for c in clusters[:100]] == [split_of(c, RATIOS) for c in clusters[:100]]
    assert {split_of(c, {"train": 1.0, "validation": 0.0, "test": 0.0}) for c in clusters[:500]} == {"train"}


def test_split_ratios_must_add_up(tmp_path):
    with pytest.raises(UserError, match="add up to 1"):
        parse_config({"release": {"splits": {"train": 0.5, "validation": 0.1, "test": 0.1}}})
    with pytest.raises(UserError, match="unknown key 'release.spilts'"):
        parse_config({"release": {"spilts": {}}})


def test_label_sets(tmp_path):
    ontonotes = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
                 "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"]
    assert class_label_names(tmp_path) == list(entity_labels(numeric=True)) == ontonotes
    (tmp_path / "labels.json").write_text(json.dumps(
        {"entities": {"names": [{"label": "PERSON"}, {"label": "ORG"}], "numeric": [{"label": "DATE"}]},
         "claims": ["direct_quote"]}))
    assert class_label_names(tmp_path) == ["PERSON", "ORG", "DATE"]
    # The review tools read the same file the same way, a layer at a time; a layer it leaves out has the defaults.
    assert layer_labels("entities", tmp_path) == ["PERSON", "ORG", "DATE"]
    assert layer_labels("claims", tmp_path) == ["direct_quote"]
    assert layer_labels("sources", tmp_path) == layer_labels("sources") == ["hyperlink", "citation", "reference", "mention"]
    assert layer_labels("entities") == ontonotes
    (tmp_path / "labels.json").write_text(json.dumps(["ORG", "ORG"]))
    with pytest.raises(UserError, match="distinct"):
        class_label_names(tmp_path)
    (tmp_path / "labels.json").write_text('{"entities": {"names": [{"label": "PERSON"}')
    for read in (class_label_names, lambda folder: layer_labels("entities", folder)):
        with pytest.raises(UserError, match="labels.json: cannot read"):
            read(tmp_path)
