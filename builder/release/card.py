"""The release README.md: YAML header generated from the Features, then the card rendered from the
project's template (`string.Template` placeholders such as ${documents}; see dataset_card.md)."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from string import Template

from datasets import ClassLabel, List, Value

from builder import __version__
from builder.errors import UserError
from builder.records import RECORD_MODELS
from builder.release.build_output import declared, empty_tables, empty_tables_note
from builder.release.splits import SPLITS
from builder.release.stats import ReleaseStats

_DESCRIPTIONS = {"documents": RECORD_MODELS["document"], "entities": RECORD_MODELS["entity"],
                 "claims": RECORD_MODELS["claim"], "sources": RECORD_MODELS["source_link"]}


def packaged_template() -> str:
    return (resources.files("builder") / "project_template" / "dataset_card.md").read_text(encoding="utf-8")


LICENSE_NOTE = ("The licence is `other`: set `[release] license` in newscorpus.toml to the licence of this corpus "
                "(scraped news is usually the publishers'; state what you may grant).")


def hub_fields(release, stats: ReleaseStats, languages: list[str]) -> dict:
    """The Hub's card fields that follow from what the release holds (config values win where set).

    Machine annotators made every span; a human-verified span adds expert-generated. Texts are found on
    the web. Entities make it a token-classification (NER) set; claims and sources have no Hub task, so
    they are tags. No document label: never text-classification.
    """
    creators = ["machine-generated"] + (["expert-generated"] if stats.human_spans else [])
    has_entities = bool(stats.entity_labels)
    tags = [tag for tag, counter in (("claim-detection", stats.claim_kinds), ("source-attribution", stats.source_kinds))
            if counter]
    return {
        "annotations_creators": creators if stats.spans or stats.source_kinds else ["no-annotation"],
        "language_creators": ["found"],
        "multilinguality": "multilingual" if len(languages) > 1 else "monolingual",
        "source_datasets": ["original"],
        "task_categories": release.task_categories if release.task_categories is not None else
        (["token-classification"] if has_entities else []),
        "task_ids": release.task_ids if release.task_ids is not None else
        (["named-entity-recognition"] if has_entities else []),
        **({"tags": [*release.tags, *[t for t in tags if t not in release.tags]]} if tags else {}),
    }


def size_category(n: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]
    return next((name for bound, name in bounds if n < bound), "n>100M")


def _table(counter: Counter, key: str, limit: int = 30) -> str:
    if not counter:
        return f"| {key} | documents |\n|---|---:|\n| (none) | 0 |"
    rows = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    lines = [f"| {key} | documents |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"| ({len(rows) - limit} more) | {sum(v for _, v in rows[limit:])} |")
    return "\n".join(lines)


def _type_name(feature) -> str:
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({feature.num_classes} names)"
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, List):
        inner = feature.feature
        return "list of struct" if isinstance(inner, dict) else f"list of {_type_name(inner)}"
    return type(feature).__name__


def column_descriptions(features: dict) -> dict[str, dict[str, str]]:
    """config -> column -> its description in the records (empty when it has none); for the card and croissant.json."""
    result = {}
    for config, feats in features.items():
        model = _DESCRIPTIONS[config].model_fields
        result[config] = {name: (model[name].description or "" if name in model else
                                 "id of the document the row belongs to" if name == "doc_id" else "")
                          for name in feats}
    return result


def _field_tables(features: dict) -> str:
    parts = []
    for config, texts in column_descriptions(features).items():
        lines = [f"**{config}**", "", "| field | type | description |", "|---|---|---|"]
        lines += [f"| `{name}` | {_type_name(features[config][name])} | {text} |" for name, text in texts.items()]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _split_table(counts: dict[str, dict[str, tuple[int, int]]]) -> str:
    lines = ["| config | " + " | ".join(SPLITS) + " |", "|---|" + "---:|" * len(SPLITS)]
    for config, per_split in counts.items():
        lines.append(f"| {config} | " + " | ".join(str(per_split.get(s, (0, 0))[0]) for s in SPLITS) + " |")
    empty = empty_tables(counts)
    if empty:
        lines += ["", empty_tables_note(empty, "release")]
    return "\n".join(lines)


def _config_examples(counts: dict) -> str:
    """One `load_dataset` line per flat table the release declares (the card's Direct Use snippet)."""
    lines = [f'{name} = datasets.load_dataset("path/to/this/folder", "{name}")'
             for name in declared(counts) if name != "documents"]
    return "\n".join(lines) or "# no other configs: this release has no annotations (see Dataset Structure)"


def _annotation_table(stats: ReleaseStats) -> str:
    lines = ["| layer | label | spans |", "|---|---|---:|"]
    for layer, counter in (("entities", stats.entity_labels), ("claims", stats.claim_kinds), ("sources", stats.source_kinds)):
        lines += [f"| {layer} | {label} | {n} |" for label, n in sorted(counter.items())]
    if len(lines) == 2:
        lines.append("| (none yet) | | 0 |")
    return "\n".join(lines)


def _summary(counter: Counter, unit: str) -> str:
    total = sum(counter.values())
    if not total:
        return f"0 {unit}"
    return f"{total} {unit} (" + ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) + ")"


def render_card(template: str, *, config, version: str, parent: str | None, stats: ReleaseStats,
                counts: dict, features: dict, labels: list[str], rejects: Counter) -> str:
    release = config.release
    values = {
        "pretty_name": release.pretty_name, "description": release.description,
        "license": release.license + ("\n\n" + LICENSE_NOTE if release.license == "other" else ""),
        "version": version, "parent": parent or "none, first release", "tool_version": __version__,
        "languages": ", ".join(f"{k} ({v})" for k, v in sorted(stats.languages.items())) or "none",
        "documents": str(sum(stats.splits.values())),
        "split_table": _split_table(counts), "config_examples": _config_examples(counts),
        "field_tables": _field_tables(features),
        "entity_labels": ", ".join(f"`{name}`" for name in labels),
        "site_table": _table(stats.sites, "site"), "month_table": _table(stats.months, "month"),
        "language_table": _table(stats.languages, "language"),
        "rejected": _summary(rejects, "inputs"),
        "duplicates": _summary(stats.duplicates_removed, "documents"),
        "boilerplate": f"{sum(stats.removal_rules.values())} removals in {stats.documents_with_removals} documents"
                       + (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(stats.removal_rules.items())) + ")"
                          if stats.removal_rules else ""),
        "annotation_table": _annotation_table(stats),
        "human_share": f"{stats.human_share:.1%} ({stats.human_spans} of {stats.spans} entity and claim spans)"
                       + (f"; by person (verified or made): {stats.human_by_line()}" if stats.human_spans_by else ""),
        "citation": f"```bibtex\n{release.citation.strip()}\n```" if release.citation.strip() else "No citation yet.",
    }
    try:
        return Template(template).substitute(values)
    except (KeyError, ValueError) as exc:
        raise UserError(f"dataset card template: unknown or malformed placeholder {exc}. "
                        f"Allowed: {', '.join('${' + k + '}' for k in values)}.") from None


def load_template(config) -> str:
    path = Path(config.path(config.release.card_template))
    return path.read_text(encoding="utf-8") if path.exists() else packaged_template()
