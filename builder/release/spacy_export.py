"""`newscorpus export DIR --format spacy`: the entity layer as spaCy DocBin files that `spacy train` reads
(train.spacy, dev.spacy, test.spacy), for people who train NER models on the corpus.

The documents are the ones a release holds (human decisions merged, duplicates left out unless
release.keep_duplicates) in the split a release puts them in (the same cluster hash), so a model trained on
train.spacy is never scored on a near-duplicate of its training text. Spans are placed on the tokens of a
blank pipeline of the document's language; a span that does not fall on token boundaries, or overlaps a
longer one (doc.ents cannot overlap), is left out and counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from builder.errors import UserError

# spaCy's own names: `spacy train` reads train and dev (paths.train, paths.dev); test is for `spacy evaluate`.
SPLIT_FILES = {"train": "train.spacy", "validation": "dev.spacy", "test": "test.spacy"}


@dataclass
class SpacyExport:
    documents: Counter = field(default_factory=Counter)  # split -> documents written
    entities: int = 0
    misaligned: int = 0
    overlapping: int = 0
    files: list[Path] = field(default_factory=list)


def _blank(lang: str, cache: dict):
    import spacy

    if lang not in cache:
        try:
            cache[lang] = spacy.blank(lang)
        except (ImportError, KeyError, ValueError):  # "unknown" or a code spaCy has no tokenizer for
            cache[lang] = cache.get("xx") or spacy.blank("xx")
    return cache[lang]


def export_spacy(config, out: Path, build_dir: Path | None = None) -> SpacyExport:
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    from builder.layout import build_documents
    from builder.release.release import _iter_documents, human_decisions
    from builder.release.splits import document_split

    files = build_documents(build_dir or config.path(config.build.output))
    decisions = human_decisions(config, files)
    ratios = config.release.splits.model_dump()
    bins = {split: DocBin(store_user_data=False) for split in SPLIT_FILES}
    result, pipelines = SpacyExport(), {}
    for doc in _iter_documents(files, decisions):
        if not (config.release.keep_duplicates or doc["is_canonical"]):
            continue
        split = document_split(doc, ratios)
        spacy_doc = _blank(doc["language"] or "xx", pipelines).make_doc(doc["text"])
        spans = []
        for entity in doc["entities"]:
            span = spacy_doc.char_span(entity["start"], entity["end"], label=entity["label"])
            if span is None:
                result.misaligned += 1
            else:
                spans.append(span)
        kept = filter_spans(spans)
        result.overlapping += len(spans) - len(kept)
        spacy_doc.ents = kept
        spacy_doc.user_data = {}
        result.entities += len(kept)
        bins[split].add(spacy_doc)
        result.documents[split] += 1
    if not result.documents:
        raise UserError(f"no documents to export in {files[0].parent.parent.parent}: build a corpus first.")
    out.mkdir(parents=True, exist_ok=True)
    for split, name in SPLIT_FILES.items():
        bins[split].to_disk(out / name)
        result.files.append(out / name)
    return result
