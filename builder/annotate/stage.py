"""The annotate stage: one spaCy pass per document, several annotators reading the same Doc.

An annotator is a small object with
  name, version    recorded in each span's origin
  components       the spaCy components it needs ("ner", "parser", ...); the rest are disabled
  prepare(nlp)     once per worker, after loading (the entity annotator adds its ruler here)
  annotate(doc, row, model)   writes its fields into the row; later annotators see earlier ones' fields
  skip(row, reason)           the document's language has no pipeline: empty layer plus a note
Entities run first, so claims and sources can link speakers and outlets to `row["entities"]`.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator

from builder.annotate import lexicons
from builder.annotate.config import AnnotateConfig
from builder.annotate.claims import ClaimsAnnotator
from builder.annotate.entities import EntityAnnotator
from builder.annotate.labels import LABELS_FILE
from builder.annotate.sources import SourcesAnnotator
from builder.clean.config import LanguageConfig
from builder.clean.language import detect_language
from builder.errors import UserError
from builder.stage import MapStage

# Components that other components may listen to: kept whenever a needed component listens to them.
SHARED_ENCODERS = ("tok2vec", "transformer")


def build_annotators(config: AnnotateConfig) -> list:
    """The configured annotators, in the order they run."""
    chosen = [(config.entities, EntityAnnotator), (config.sources, SourcesAnnotator), (config.claims, ClaimsAnnotator)]
    return [annotator(config) for wanted, annotator in chosen if wanted]


def load_pipeline(model: str, needed: set[str]):
    """Load a spaCy pipeline with only the components `needed` (and the encoders they listen to) enabled."""
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError:
        raise UserError(f"spaCy pipeline '{model}' is not installed. Install it (see requirements/model.txt) "
                        f"or set annotate.model / annotate.models in newscorpus.toml.") from None
    keep = set(needed)
    for name in SHARED_ENCODERS:
        if name in nlp.pipe_names:
            listeners = getattr(nlp.get_pipe(name), "listener_map", {})
            if keep & set(listeners):
                keep.add(name)
    nlp.select_pipes(disable=[name for name in nlp.pipe_names if name not in keep])
    return nlp


class AnnotateStage(MapStage):
    name = "annotate"
    version = "1"

    def __init__(self, config: AnnotateConfig):
        super().__init__(config)
        self.annotators = build_annotators(config)
        self.pipelines: dict = {}

    def fingerprint(self) -> str:
        # Asked for every task (output names): hash the lexicons and look up model versions once.
        if getattr(self, "_fingerprint", None) is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        import spacy.util

        # Outputs also depend on the lexicons, the label file and the installed model packages' versions.
        parts = [super().fingerprint(), lexicons.fingerprint(self.config.lexicons),
                 hashlib.blake2b(LABELS_FILE.read_bytes(), digest_size=8).hexdigest()]
        parts += [f"{m}=={spacy.util.get_package_version(m)}" for m in self.config.pipelines().values()]
        parts += [f"{a.name}@{a.version}" for a in self.annotators]
        return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest()

    def __getstate__(self):
        return {**self.__dict__, "pipelines": {}}  # workers load their own models in setup()

    def setup(self) -> None:
        if not self.annotators or self.pipelines:
            return
        needed = {c for a in self.annotators for c in a.components}
        for language, model in self.config.pipelines().items():
            nlp = load_pipeline(model, needed)
            for annotator in self.annotators:
                annotator.prepare(nlp)
            self.pipelines[language] = nlp

    def process(self, rows):
        """Annotate, then reject documents with implausibly many spans (in a build they must not vanish)."""
        rows = self.annotate_rows(rows)
        limit = self.config.max_annotations
        spans = {id(r): len(r.get("entities") or []) + len(r.get("claims") or []) + len(r.get("sources") or []) for r in rows}
        rejects = [{"origin": r["origin"], "url": r.get("url"), "stage": "annotate", "reason": "too-many-annotations",
                    "detail": f"{spans[id(r)]:,} spans, over annotate.max_annotations={limit}"} for r in rows if spans[id(r)] > limit]
        return [r for r in rows if spans[id(r)] <= limit], rejects

    def annotate_rows(self, rows: list[dict]) -> list[dict]:
        if not self.annotators:
            return rows
        self.setup()
        by_language: dict[str, list[dict]] = {}
        for row in rows:
            by_language.setdefault(row.get("language") or "unknown", []).append(row)
        for language, group in by_language.items():
            nlp = self.pipelines.get(language)
            if nlp is None:
                reason = (f"no spaCy pipeline for language '{language}' "
                          f"(configured: {', '.join(sorted(self.pipelines))}; see annotate.models)")
                for row in group:
                    for annotator in self.annotators:
                        annotator.skip(row, reason)
                continue
            model = self.config.pipelines()[language]
            for row, doc in zip(group, nlp.pipe((r["text"] for r in group), batch_size=self.config.batch_size)):
                for annotator in self.annotators:
                    annotator.annotate(doc, row, model)
        return rows


def annotate_records(records: Iterable[dict], config: AnnotateConfig, language_config: LanguageConfig,
                     language: str | None = None, batch: int = 256) -> Iterator[dict]:
    """Annotate records outside a build ({"id", "text"}, optional "language"), in input order.

    The language is the record's own, else `language`, else detected as the build would."""
    stage = AnnotateStage(config)
    pending: list[dict] = []
    for record in records:
        lang = record.get("language") or language or detect_language(record["text"], language_config)[0]
        pending.append({**record, "language": lang})
        if len(pending) == batch:
            yield from stage.annotate_rows(pending)
            pending = []
    if pending:
        yield from stage.annotate_rows(pending)
