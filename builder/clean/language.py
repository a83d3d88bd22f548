"""Language identification with langdetect, made deterministic.

langdetect draws random numbers; with the factory's seed set, each detection reseeds its own
generator, so the same text always gets the same answer in any process. Texts with too few letters
get 'unknown' instead of a guess, and so do texts where the best language is not clearly ahead.
"""

from __future__ import annotations

from builder.clean.config import LanguageConfig
from builder.ingest.extract import has_letters

UNKNOWN = "unknown"


def load_profiles():
    """langdetect's factory with its 55 language profiles (0.6 s to load; once per process, or once per
    fork server: see builder/clean/langdetect_preload.py)."""
    from langdetect import detector_factory

    if detector_factory._factory is None:
        detector_factory.init_factory()
    return detector_factory._factory


def _detector(seed: int):
    factory = load_profiles()
    factory.set_seed(seed)  # each detector copies the seed when created and reseeds its generator per text
    return factory.create()


def detect_language(text: str, cfg: LanguageConfig) -> tuple[str, float | None]:
    """(ISO 639-1 code or 'unknown', probability or None)."""
    from langdetect.lang_detect_exception import LangDetectException

    sample = text[: cfg.sample_chars]
    if not has_letters(sample, cfg.min_letters):
        return UNKNOWN, None
    detector = _detector(cfg.seed)
    detector.n_trial = cfg.trials  # langdetect has no setter; the attribute is what its loop reads
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNKNOWN, None
    score = round(best.prob, 4)
    if score < cfg.min_score:
        return UNKNOWN, score
    return best.lang.split("-")[0], score
