"""The annotation layers: one spaCy pass per document, several annotators reading the same Doc.

An annotator is a small object with
  name, version    recorded in each span's origin
  components       the spaCy components it needs ("ner", "parser", ...); the rest are disabled
  settings         what its output depends on besides the text and the model (options, data file hashes)
  prepare(nlp)     once per worker, after loading (the entity annotator adds its ruler here)
  annotate(doc, row, model)   writes its fields into the row; later annotators see earlier ones' fields
  skip(row, reason)           the document's language has no pipeline: empty layer plus a note
Entities run first, so claims can link speakers to `row["entities"]`; claims also read `row["sources"]`.

In a build every annotator is a map stage of its own (LayerStage, in the order entities -> sources ->
claims), cached by its own settings and the shards before it, and AnnotationLimit ends the chain: a change
to the claims options re-runs claims (and the limit) only, not spaCy's NER. The layers a shard still
needs run in one job that parses each document once, with the components of those layers only
(LayerStage.process_steps). AnnotateStage runs every layer at once, for annotation outside a build.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from builder.annotate.config import AnnotateConfig
from builder.annotate.claims import ClaimsAnnotator
from builder.annotate.entities import EntityAnnotator
from builder.annotate.limit import AnnotationLimit
from builder.annotate.sources import SourcesAnnotator
from builder.clean.config import LanguageConfig
from builder.clean.language import detect_language
from builder.errors import UserError
from builder.stage import MapStage

# Components that other components may listen to: kept whenever a needed component listens to them.
SHARED_ENCODERS = ("tok2vec", "transformer")
# Loaded pipelines of this process, by configuration: the layer stages of one build share them.
_PIPELINES: dict[str, dict] = {}


def build_annotators(config: AnnotateConfig) -> list:
    """The configured annotators, in the order they run."""
    chosen = [(config.entities, EntityAnnotator), (config.sources, SourcesAnnotator), (config.claims, ClaimsAnnotator)]
    return [annotator(config) for wanted, annotator in chosen if wanted]


def components_to_run(nlp, needed: set[str]) -> list[str]:
    """The pipes that give the `needed` components their input: those and the shared encoders they
    listen to."""
    keep = set(needed)
    for name in SHARED_ENCODERS:
        if name in nlp.component_names and keep & set(getattr(nlp.get_pipe(name), "listener_map", {})):
            keep.add(name)
    return [name for name in nlp.component_names if name in keep]


def load_pipeline(model: str, needed: set[str]):
    """Load a spaCy pipeline with only the components `needed` (and the encoders they listen to) enabled."""
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError:
        raise UserError(f"spaCy pipeline '{model}' is not installed. Install it (see requirements/model.txt) "
                        f"or set annotate.model / annotate.models in newscorpus.toml.") from None
    keep = components_to_run(nlp, needed)
    nlp.select_pipes(disable=[name for name in nlp.pipe_names if name not in keep])
    return nlp


class Annotation:
    """The annotators of one config and their spaCy pipelines, loaded once per process for all layers."""

    def __init__(self, config: AnnotateConfig):
        self.config = config
        self.annotators = build_annotators(config)
        self._key = json.dumps(config.model_dump(mode="json"), sort_keys=True)

    def model_versions(self) -> list[str]:
        import spacy.util

        return [f"{m}=={spacy.util.get_package_version(m)}" for m in self.config.pipelines().values()]

    def pipelines(self) -> dict:
        """Language -> pipeline with the components of every configured layer (a run enables fewer)."""
        if self._key not in _PIPELINES:
            needed = {c for a in self.annotators for c in a.components}
            loaded = {}
            for language, model in self.config.pipelines().items():
                nlp = load_pipeline(model, needed)
                for annotator in self.annotators:
                    annotator.prepare(nlp)
                loaded[language] = nlp
            _PIPELINES[self._key] = loaded
        return _PIPELINES[self._key]

    def run(self, rows: list[dict], annotators: list) -> list[list[dict]]:
        """The rows after each of `annotators` (in order): copies, so a later layer leaves them as they were.
        Each document is parsed once, with the components these annotators need."""
        outputs: list[list[dict]] = [[] for _ in annotators]
        if not annotators:
            return outputs
        pipelines = self.pipelines()
        needed = {c for a in annotators for c in a.components}
        by_language: dict[str, list[dict]] = {}
        for row in rows:
            by_language.setdefault(row.get("language") or "unknown", []).append(row)
        for language, group in by_language.items():
            nlp = pipelines.get(language)
            if nlp is None:
                reason = (f"no spaCy pipeline for language '{language}' "
                          f"(configured: {', '.join(sorted(pipelines))}; see annotate.models)")
                for row in group:
                    for annotator, out in zip(annotators, outputs):
                        annotator.skip(row, reason)
                        out.append(dict(row))
                continue
            model = self.config.pipelines()[language]
            with nlp.select_pipes(enable=components_to_run(nlp, needed)):
                for row, doc in zip(group, nlp.pipe((r["text"] for r in group), batch_size=self.config.batch_size)):
                    for annotator, out in zip(annotators, outputs):
                        annotator.annotate(doc, row, model)
                        out.append(dict(row))
        return outputs


class LayerStage(MapStage):
    """One annotator as a map stage of the build (see the module docstring)."""

    version = "1"

    def __init__(self, annotation: Annotation, annotator):
        super().__init__(annotation.config)
        self.annotation, self.annotator = annotation, annotator
        self.name = annotator.name

    def settings(self):
        return [self.annotator.version, self.annotator.settings, self.config.pipelines(), self.annotation.model_versions()]

    def setup(self) -> None:
        self.annotation.pipelines()

    def process(self, rows):
        return self.annotation.run(rows, [self.annotator])[0], []

    def process_steps(self, stages, rows):
        """The leading layers of `stages` in one parse, then the stages after them."""
        count = next((i for i, stage in enumerate(stages) if not isinstance(stage, LayerStage)), len(stages))
        outputs = self.annotation.run(rows, [stage.annotator for stage in stages[:count]])
        for out in outputs:
            yield out, []
        if count < len(stages):
            yield from stages[count].process_steps(stages[count:], outputs[-1])


def annotation_stages(config: AnnotateConfig) -> list[MapStage]:
    """The build's annotation: one stage per configured layer, then the limit (run with engine.map_steps)."""
    annotation = Annotation(config)
    return [*(LayerStage(annotation, annotator) for annotator in annotation.annotators), AnnotationLimit(config)]


class AnnotateStage(MapStage):
    """Every layer and the limit in one stage: annotation outside a build (CLI, benches, tests)."""

    name = "annotate"

    def __init__(self, config: AnnotateConfig):
        super().__init__(config)
        self.annotation = Annotation(config)

    @property
    def pipelines(self) -> dict:
        return self.annotation.pipelines()

    def setup(self) -> None:
        if self.annotation.annotators:
            self.annotation.pipelines()

    def process(self, rows):
        return AnnotationLimit(self.config).process(self.annotate_rows(rows))

    def annotate_rows(self, rows: list[dict]) -> list[dict]:
        """The rows, annotated in place and in their order."""
        self.annotation.run(rows, self.annotation.annotators)
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
