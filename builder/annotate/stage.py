"""The annotation layers: one spaCy pass per document, several annotators reading the same Doc.

An annotator is a small object with
  name, version    recorded in each span's origin
  components       the spaCy components it needs ("ner", "parser", ...); the rest are disabled
  settings         what its output depends on besides the text and the model (options, data file hashes)
  places(row, nlp) optional: the character ranges where it reads its components' output (None: everywhere).
                   An annotator with places gets its components only over the sentences holding them
                   (candidates.py, partial_parse.py); the others' components run over the whole text.
  context_words    optional, with places: lowercase words whose meaning it reads in the sentence before
                   ("he", "the mayor"); that sentence is parsed too only where a place's sentence holds
                   one (without the attribute: before every place)
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
from builder.annotate.partial_parse import Layout, context_pattern, parse_steps, parse_units
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
# Pipeline languages whose parse runs only where annotators place it: the places are found with an English
# lexicon and English verb endings (candidates.py); other languages are parsed everywhere.
PARTIAL_PARSE_LANGUAGES = frozenset({"en"})
# Recorded in the fingerprint of every layer with places: bump when the choice of parsed sentences changes.
PARTIAL_PARSE_VERSION = "2"


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
        self._steps: dict[tuple, list] = {}  # (id(pipeline), component names) -> the parse steps over places

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
        return {**self.__dict__, "_prepared": False, "_steps": {}}

    def run(self, rows: list[dict], annotators: list, dropped: set | None = None) -> tuple[list[list[dict]], list[dict]]:
        """The rows after each of `annotators` (in order): copies, so a later layer leaves them as they were;
        and the rejects of documents over their time budget, which are in no output (their id() goes in
        `dropped` when given). Each document is parsed once, with the components these annotators need."""
        outputs: list[list[dict]] = [[] for _ in annotators]
        rejects: list[dict] = []
        if not annotators:
            return outputs, rejects
        pipelines = self.pipelines()
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
            whole, partial = self._plan(nlp, annotators)
            with nlp.select_pipes(enable=whole):
                for row, doc, deadline in self._parsed(nlp, group, partial):
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

    def _plan(self, nlp, annotators: list) -> tuple[list[str], tuple | None]:
        """The components to run over whole texts, and (annotators with places, steps over their sentences,
        the context_pattern of those annotators),
        or None when everything runs over whole texts: annotate.partial_parse is off, the language is not one
        of PARTIAL_PARSE_LANGUAGES, no annotator has places, or a whole-text component listens to the encoder
        the parse steps need."""
        everywhere = {c for a in annotators if not hasattr(a, "places") for c in a.components}
        placed = [a for a in annotators if hasattr(a, "places")]
        rest = {c for a in placed for c in a.components} - everywhere
        whole = components_to_run(nlp, everywhere)
        if not (rest and self.config.partial_parse and nlp.lang in PARTIAL_PARSE_LANGUAGES) or \
                set(whole) & set(SHARED_ENCODERS):
            return components_to_run(nlp, everywhere | rest), None
        names = tuple(n for n in components_to_run(nlp, rest) if n not in whole)
        key = (id(nlp), names)
        if key not in self._steps:
            self._steps[key] = parse_steps(nlp, list(names))
        return whole, (placed, self._steps[key], context_pattern(placed))

    def _parsed(self, nlp, rows: list[dict], partial: tuple | None) -> Iterator[tuple[dict, object, Deadline]]:
        """(row, its Doc, its deadline) for each row in order; the Doc is None when parsing a long text
        overran the budget. Texts up to chunk_chars go through batches bounded by characters; a longer
        one is parsed in pieces (chunks.py), its deadline checked between batches of them."""
        config = self.config
        for long, run in groupby(rows, key=lambda r: len(r["text"]) > config.chunk_chars):
            if not long:
                for batch in char_batches(run, lambda r: len(r["text"]), config.batch_size, config.batch_chars):
                    places = [self._places(nlp, partial, row) for row in batch]
                    for row, doc in zip(batch, self._analyse(nlp, [r["text"] for r in batch], places, partial)):
                        yield row, doc, Deadline(config.time_limit)
                continue
            for row in run:
                deadline = Deadline(config.time_limit)
                try:
                    doc = self._parse_long(nlp, row["text"], self._places(nlp, partial, row), partial, deadline)
                except AnnotationTimeout:
                    doc = None
                yield row, doc, deadline

    @staticmethod
    def _places(nlp, partial: tuple | None, row: dict) -> list[tuple[int, int]]:
        """Where the annotators with places read the parse in the row's text (everywhere when one says None)."""
        if partial is None:
            return []
        found = [annotator.places(row, nlp) for annotator in partial[0]]
        return [(0, len(row["text"]))] if None in found else [p for ranges in found for p in ranges]

    def _analyse(self, nlp, texts: list[str], places: list[list[tuple[int, int]]], partial: tuple | None,
                 check=None) -> list:
        """Docs of `texts` through the enabled (whole-text) components. With `partial` (see _plan), the parse
        steps run first over the sentences holding each text's `places`: the NER then sees the sentence
        starts it would see after a full parse there (an entity never crosses one)."""
        if partial is None:
            return list(nlp.pipe(texts, batch_size=len(texts)))
        layouts = [Layout(nlp.make_doc(text), text) for text in texts]
        parse_units([(layout, layout.units(found, partial[2])) for layout, found in zip(layouts, places)], partial[1],
                    self.config.batch_size, self.config.batch_chars, check)
        return list(nlp.pipe([layout.doc for layout in layouts], batch_size=len(layouts)))

    def _parse_long(self, nlp, text: str, places: list[tuple[int, int]], partial: tuple | None, deadline: Deadline):
        """One Doc over `text`, parsed piece by piece and joined: offsets are the whole text's."""
        import numpy
        from spacy.tokens import Doc

        config, docs, offset = self.config, [], 0
        for batch in char_batches(split_text(text, config.chunk_chars), len, config.batch_size, config.batch_chars):
            deadline.check()
            pieces = []
            for piece in batch:  # the places inside each piece, in its own offsets
                pieces.append([(max(s, offset) - offset, min(e, offset + len(piece)) - offset)
                               for s, e in places if s < offset + len(piece) and e > offset])
                offset += len(piece)
            for doc in self._analyse(nlp, batch, pieces, partial, deadline.check):
                doc.tensor = numpy.zeros((0,), dtype="float32")  # the layers never read it: free it now
                docs.append(doc)
        deadline.check()
        joined = Doc.from_docs(docs, ensure_whitespace=False, exclude=["tensor"])
        if partial is not None:  # from_docs sets sentence starts from the heads: the rule's outside the units
            joined.from_array(["SENT_START"], numpy.concatenate([doc.to_array(["SENT_START"]) for doc in docs]))
        return joined


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
        settings = [self.annotator.version, self.annotator.settings, self.config.pipelines(),
                    self.annotation.model_versions(), limits]
        # A layer read over part of the parse changes when the choice of parsed sentences does.
        if not hasattr(self.annotator, "places"):
            return settings
        return settings + [{"partial_parse": PARTIAL_PARSE_VERSION if self.config.partial_parse else None}]

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
