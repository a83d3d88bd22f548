"""Language identification with langdetect, made deterministic.

langdetect draws random numbers; with `DetectorFactory.seed` set, each detection reseeds its own
generator, so the same text always gets the same answer in any process. Texts with too few letters
get 'unknown' instead of a guess, and so do texts where the best language is not clearly ahead.
"""

from __future__ import annotations

from builder.clean.config import LanguageConfig

UNKNOWN = "unknown"
_factory_ready = False


def _detector_factory(seed: int):
    global _factory_ready
    from langdetect import DetectorFactory, detector_factory

    if not _factory_ready:
        DetectorFactory.seed = seed
        detector_factory.init_factory()
        _factory_ready = True
    return detector_factory._factory


def detect_language(text: str, cfg: LanguageConfig) -> tuple[str, float | None]:
    """(ISO 639-1 code or 'unknown', probability or None)."""
    from langdetect.lang_detect_exception import LangDetectException

    sample = text[: cfg.sample_chars]
    if sum(ch.isalpha() for ch in sample) < cfg.min_letters:
        return UNKNOWN, None
    detector = _detector_factory(cfg.seed).create()
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
