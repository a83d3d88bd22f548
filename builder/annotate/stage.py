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

import importlib.metadata
import json
from itertools import groupby
from typing import Iterable, Iterator

from builder.annotate.budget import AnnotationTimeout, Deadline, timeout_reject
from builder.annotate.chunks import char_batches, split_text
from builder.annotate.config import AnnotateConfig
from builder.annotate.claims import ClaimsAnnotator
from builder.annotate.entities import EntityAnnotator
from builder.annotate.limit import AnnotationLimit
from builder.annotate.sources import SourcesAnnotator
from builder.clean.config import LanguageConfig
from builder.clean.language import detect_language
from builder.errors import UserError
from builder.hashing import value_hash
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


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


class Annotation:
    """The annotators of one config and their spaCy pipelines, loaded once per process for all layers."""

    def __init__(self, config: AnnotateConfig):
        self.config = config
        self.annotators = build_annotators(config)
        self._key = json.dumps(config.model_dump(mode="json"), sort_keys=True)
        self._prepared = False

    def model_versions(self) -> list[str]:
        """"name==version" of each pipeline package ("None" when it is not installed), read from its metadata
        as spacy.util.get_package_version does, without importing spaCy: a build whose annotation shards are
        all cached never needs it in the main process."""
        return [f"{m}=={_package_version(m)}" for m in self.config.pipelines().values()]

    def pipelines(self) -> dict:
        """Language -> pipeline with the components of every configured layer (a run enables fewer)."""
        if self._key not in _PIPELINES:
            needed = {c for a in self.annotators for c in a.components}
            _PIPELINES[self._key] = {language: load_pipeline(model, needed)
                                     for language, model in self.config.pipelines().items()}
        loaded = _PIPELINES[self._key]
        if not self._prepared:
            # Also when another Annotation of the same config loaded them (a second build in one process):
            # prepare() fills these annotators' own state (the entity annotator's name index), not only the
            # pipeline's (it adds the ruler once).
            for nlp in loaded.values():
                for annotator in self.annotators:
                    annotator.prepare(nlp)
            self._prepared = True
        return loaded

    def __getstate__(self) -> dict:
        # In another process the pipelines are loaded and these annotators prepared afresh.
        return {**self.__dict__, "_prepared": False}

    def run(self, rows: list[dict], annotators: list, dropped: set | None = None) -> tuple[list[list[dict]], list[dict]]:
        """The rows after each of `annotators` (in order): copies, so a later layer leaves them as they were;
        and the rejects of documents over their time budget, which are in no output (their id() goes in
        `dropped` when given). Each document is parsed once, with the components these annotators need."""
        outputs: list[list[dict]] = [[] for _ in annotators]
        rejects: list[dict] = []
        if not annotators:
            return outputs, rejects
        pipelines = self.pipelines()
        needed = {c for a in annotators for c in a.components}
        by_language: dict[str, list[dict]] = {}
        for row in rows:
            by_language.setdefault(row.get("language") or "unknown", []).append(row)
        limit = self.config.time_limit

        def reject(row: dict, step: str) -> None:
            rejects.append(timeout_reject(row, limit, step))
            if dropped is not None:
                dropped.add(id(row))

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
                for row, doc, deadline in self._parsed(nlp, group):
                    if doc is None:
                        reject(row, "parse")
                        continue
                    copies, step = [], "annotators"
                    try:
                        with deadline.enforced():
                            for annotator in annotators:
                                step = annotator.name
                                annotator.annotate(doc, row, model)
                                copies.append(dict(row))
                    except AnnotationTimeout:
                        reject(row, step)
                        continue
                    for out, copy in zip(outputs, copies):
                        out.append(copy)
        return outputs, rejects

    def _parsed(self, nlp, rows: list[dict]) -> Iterator[tuple[dict, object, Deadline]]:
        """(row, its Doc, its deadline) for each row in order; the Doc is None when parsing a long text
        overran the budget. Texts up to chunk_chars go through batches bounded by characters; a longer
        one is parsed in pieces (chunks.py), its deadline checked between batches of them."""
        config = self.config
        for long, run in groupby(rows, key=lambda r: len(r["text"]) > config.chunk_chars):
            if not long:
                for batch in char_batches(run, lambda r: len(r["text"]), config.batch_size, config.batch_chars):
                    for row, doc in zip(batch, nlp.pipe([r["text"] for r in batch], batch_size=len(batch))):
                        yield row, doc, Deadline(config.time_limit)
                continue
            for row in run:
                deadline = Deadline(config.time_limit)
                try:
                    doc = self._parse_long(nlp, row["text"], deadline)
                except AnnotationTimeout:
                    doc = None
                yield row, doc, deadline

    def _parse_long(self, nlp, text: str, deadline: Deadline):
        """One Doc over `text`, parsed piece by piece and joined: offsets are the whole text's."""
        import numpy
        from spacy.tokens import Doc

        config, docs = self.config, []
        for batch in char_batches(split_text(text, config.chunk_chars), len, config.batch_size, config.batch_chars):
            deadline.check()
            for doc in nlp.pipe(batch, batch_size=len(batch)):
                doc.tensor = numpy.zeros((0,), dtype="float32")  # the layers never read it: free it now
                docs.append(doc)
        deadline.check()
        return Doc.from_docs(docs, ensure_whitespace=False, exclude=["tensor"])


class LayerStage(MapStage):
    """One annotator as a map stage of the build (see the module docstring)."""

    version = "1"

    def __init__(self, annotation: Annotation, annotator):
        super().__init__(annotation.config)
        self.annotation, self.annotator = annotation, annotator
        self.name = annotator.name

    def settings(self):
        # The budget decides which documents are rejected, the piece size how a long text is parsed.
        limits = [self.config.time_limit, self.config.chunk_chars]
        return [self.annotator.version, self.annotator.settings, self.config.pipelines(),
                self.annotation.model_versions(), limits]

    def worker_key(self) -> str:
        """The whole annotate config: its batch sizes are not in the outputs' names, but a worker must not
        run a build with the stage set up for another build's."""
        return value_hash([self.fingerprint(), self.config.model_dump(mode="json")])

    def setup(self) -> None:
        self.annotation.pipelines()

    def process(self, rows):
        outputs, rejects = self.annotation.run(rows, [self.annotator])
        return outputs[0], rejects

    def process_steps(self, stages, rows):
        """The leading layers of `stages` in one parse, then the stages after them. A document over its
        time budget is the first layer's reject and in no layer's output."""
        count = next((i for i, stage in enumerate(stages) if not isinstance(stage, LayerStage)), len(stages))
        outputs, rejects = self.annotation.run(rows, [stage.annotator for stage in stages[:count]])
        for i, out in enumerate(outputs):
            yield out, rejects if i == 0 else []
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
        rows, rejects = self.annotate_rows(rows)
        kept, over_limit = AnnotationLimit(self.config).process(rows)
        return kept, rejects + over_limit

    def annotate_rows(self, rows: list[dict]) -> tuple[list[dict], list[dict]]:
        """The rows, annotated in place and in their order, but for those over their time budget; and
        their rejects."""
        dropped: set[int] = set()
        _, rejects = self.annotation.run(rows, self.annotation.annotators, dropped)
        return [r for r in rows if id(r) not in dropped], rejects


def annotate_records(records: Iterable[dict], config: AnnotateConfig, language_config: LanguageConfig,
                     language: str | None = None, batch: int = 256, rejects: list | None = None) -> Iterator[dict]:
    """Annotate records outside a build ({"id", "text"}, optional "language"), in input order.

    The language is the record's own, else `language`, else detected as the build would. Records over
    their time budget are left out, their rejects appended to `rejects` when given."""
    stage = AnnotateStage(config)
    pending: list[dict] = []
    for record in records:
        lang = record.get("language") or language or detect_language(record["text"], language_config)[0]
        pending.append({**record, "language": lang})
        if len(pending) == batch:
            yield from _annotated(stage, pending, rejects)
            pending = []
    if pending:
        yield from _annotated(stage, pending, rejects)


def _annotated(stage: AnnotateStage, rows: list[dict], rejects: list | None) -> list[dict]:
    kept, dropped = stage.annotate_rows(rows)
    if rejects is not None:
        rejects.extend(dropped)
    return kept
