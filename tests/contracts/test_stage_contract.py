"""The stage contract (builder/stage.py), for every step of a build.

Each map stage pickles (engines send it to workers), its fingerprint is the same in another process
(outputs are found again by name), and the fingerprint changes with the stage's version and with each
setting the stage declares: a change to either must never reuse an output made before it. Each keyed
step pickles too (its key extraction runs in workers) and hands its index to a map stage that does.
"""

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from builder.annotate.config import AnnotateConfig
from builder.annotate.limit import AnnotationLimit
from builder.annotate.stage import AnnotateStage, annotation_stages
from builder.clean.boilerplate import BoilerplateStage
from builder.clean.config import CleanConfig, LanguageConfig
from builder.clean.site_index import SiteLines
from builder.clean.site_lines import CleanStage
from builder.clean.stage import LanguageStage
from builder.dedup.clusters import ApplyClusters, DedupStep, _Singletons
from builder.dedup.config import DedupConfig
from builder.ingest.config import IngestConfig
from builder.ingest.stage import ExtractStage
from builder.stage import Chain

WORK = Path("work")  # keyed steps only name files under it here; nothing is written


LAYERS = ["entities", "sources", "claims"]
MAKERS = {
    "extract": lambda: ExtractStage(IngestConfig()),
    "boilerplate": lambda: BoilerplateStage(CleanConfig()),
    "extract+boilerplate": lambda: Chain(ExtractStage(IngestConfig()), BoilerplateStage(CleanConfig())),
    "clean": lambda: CleanStage(CleanConfig(), {"example.org": ["0123456789abcdef"]}),
    "language": lambda: LanguageStage(LanguageConfig()),
    "dedup-apply": lambda: ApplyClusters(WORK / "assignments"),
    "dedup-off": lambda: _Singletons(),
    "annotate": lambda: AnnotateStage(AnnotateConfig()),
    "limit": lambda: AnnotationLimit(AnnotateConfig()),
    **{f"layer-{name}": (lambda name=name: _layer(name)) for name in LAYERS},
}
LABELS = sorted(MAKERS)


def _layer(name: str):
    return next(stage for stage in annotation_stages(AnnotateConfig()) if stage.name == name)


def make(label: str):
    """A fresh stage of `label`: every map stage a build runs, and AnnotateStage, which runs them all
    outside one."""
    return MAKERS[label]()


def _fingerprints() -> dict[str, str]:
    return {label: make(label).fingerprint() for label in LABELS}


def test_every_layer_is_covered():
    assert [stage.name for stage in annotation_stages(AnnotateConfig())[:-1]] == LAYERS


@pytest.mark.parametrize("label", LABELS)
def test_a_map_stage_pickles_with_its_fingerprint(label):
    stage = make(label)
    copy = pickle.loads(pickle.dumps(stage))
    assert type(copy) is type(stage) and copy.fingerprint() == stage.fingerprint()
    assert copy.worker_key() == stage.worker_key()


def test_fingerprints_are_the_same_in_another_process():
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from test_stage_contract import _fingerprints; "
            "print(json.dumps(_fingerprints()))")
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "random", **_env()})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == _fingerprints()


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}


@pytest.mark.parametrize("label", LABELS)
def test_the_fingerprint_changes_with_the_version(label):
    stage, other = make(label), make(label)
    target = other.stages[-1] if isinstance(other, Chain) else other  # a chain: any of its stages
    target.version = f"{target.version}-next"
    assert other.fingerprint() != stage.fingerprint()


def _changed(value):
    """Another value of a setting's type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "-other"
    if isinstance(value, list):
        return [*value, "xx"]
    if isinstance(value, dict):
        return {**value, "xx": "xx_core_news_sm"}
    if value is None:
        return "elsewhere"
    raise AssertionError(f"no other value for {value!r}")


# Settings of a stage's config section that its output does not depend on, and why; every other
# setting must change its fingerprint.
NOT_DECLARED = {
    "boilerplate": set(BoilerplateStage.CLEAN_STAGE_ONLY),  # the clean stage's own: must not re-run extraction
    "extract+boilerplate": set(BoilerplateStage.CLEAN_STAGE_ONLY),
    # the span limit reads max_annotations only
    "limit": set(AnnotateConfig.model_fields) - {"max_annotations"},
}


def _with_setting(label: str, field: str):
    """The stage of `label` built again with one setting of its config section changed."""
    stage = make(label)
    config = stage.stages[-1].config if isinstance(stage, Chain) else stage.config
    changed = config.model_copy(update={field: _changed(getattr(config, field))})
    if label == "extract+boilerplate":
        return Chain(stage.stages[0], BoilerplateStage(changed))
    if label == "clean":
        return CleanStage(changed, {"example.org": ["0123456789abcdef"]})
    return type(stage)(changed)


@pytest.mark.parametrize("label", ["extract", "boilerplate", "extract+boilerplate", "clean", "language", "limit"])
def test_the_fingerprint_changes_with_each_declared_setting(label):
    stage = make(label)
    config = stage.stages[-1].config if isinstance(stage, Chain) else stage.config
    unchanged = {field for field in type(config).model_fields
                 if _with_setting(label, field).fingerprint() == stage.fingerprint()}
    assert unchanged == NOT_DECLARED.get(label, set())


@pytest.mark.parametrize("label, library", [("extract", "trafilatura"), ("extract", "lxml"),
                                             ("language", "langdetect")])
def test_the_fingerprint_changes_with_a_shaping_library_version(label, library, monkeypatch):
    """A cached extraction made with another trafilatura must not be reused (nor recorded under the new
    version): the libraries' installed versions are part of the settings."""
    import importlib.metadata

    before = make(label).fingerprint()
    real = importlib.metadata.version
    monkeypatch.setattr("builder.libraries.version", lambda name: "0.0.0-other" if name == library else real(name))
    assert make(label).fingerprint() != before


def test_a_layer_fingerprint_changes_with_its_model_and_settings():
    base = {s.name: s.fingerprint() for s in annotation_stages(AnnotateConfig())[:-1]}
    for change in ({"model": "en_core_web_md"}, {"models": {"de": "de_core_news_sm"}}):
        other = {s.name: s.fingerprint() for s in annotation_stages(AnnotateConfig(**change))[:-1]}
        assert all(other[name] != base[name] for name in base), change
    no_ruler = {s.name: s.fingerprint() for s in annotation_stages(AnnotateConfig(ruler=False))[:-1]}
    assert no_ruler["entities"] != base["entities"]


def test_the_dedup_apply_stage_names_its_version():
    """The bug this contract closes: the apply step returned a constant, so a new version of its code
    reused the cluster fields (and every annotation layer) of the old one."""
    stage, other = ApplyClusters(WORK / "a"), ApplyClusters(WORK / "a")
    other.version = "next"
    assert stage.fingerprint() != other.fingerprint()
    assert ApplyClusters(WORK / "a").worker_key() != ApplyClusters(WORK / "b").worker_key()


@pytest.mark.parametrize("step", [SiteLines(CleanConfig(), WORK / "site-keys"), DedupStep(DedupConfig(), WORK)],
                         ids=["site-lines", "dedup"])
def test_a_keyed_step_pickles(step):
    copy = pickle.loads(pickle.dumps(step))
    assert type(copy) is type(step) and copy.config == step.config and copy.folder == step.folder


def test_no_stage_makes_its_own_fingerprint():
    """One way to name an output: a stage declares settings(); MapStage.fingerprint computes the name."""
    from builder.stage import MapStage

    for stage in map(make, LABELS):
        assert type(stage).fingerprint is MapStage.fingerprint, type(stage).__name__
