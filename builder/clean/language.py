"""Language identification with langdetect, made deterministic.

langdetect draws random numbers; with the factory's seed set, each detection reseeds its own
generator, so the same text always gets the same answer in any process. Texts with too few letters
get 'unknown' instead of a guess, and so do texts where the best language is not clearly ahead.
"""

from __future__ import annotations

import re
import threading

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

from builder.clean.config import LanguageConfig
from builder.ingest.extract import has_letters

UNKNOWN = "unknown"
_SPACES = re.compile(" {2,}")


_LOADING = threading.Lock()


def load_profiles():
    """langdetect's factory with its 55 language profiles (0.25 s and ~60 MB to load; once per process,
    or once per fork server: see builder/clean/langdetect_preload.py). Loading is safe from several
    threads: a one-worker build loads them in a thread while the first pages are extracted
    (builder/engine/local.py)."""
    from langdetect import detector_factory

    with _LOADING:  # langdetect sets its factory before filling it: nobody may see it half loaded
        if detector_factory._factory is None:
            factory = detector_factory.DetectorFactory()
            factory.load_profile(detector_factory.PROFILES_DIRECTORY)
            detector_factory._factory = factory
    return detector_factory._factory


class _Memo(dict):
    """A dict that makes a missing value with `make(key)` and keeps it (a plain dict lookup once made:
    these are read in the innermost loops)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


_NORMALIZED = _Memo(lambda code: NGram.normalize(chr(code)))  # str.translate table: langdetect's form of a character
_WORDS_KEPT = 1 << 16  # words whose n-grams are remembered (news repeats its vocabulary across documents)


def _word_ngrams(word: str, spaced: bool, known: dict) -> tuple[str, ...]:
    """The n-grams langdetect's NGram buffer yields over one normalised word (followed by a space or
    not), in its order; it yields nothing inside a word written in capitals. The buffer is reset at
    every space, so a text's n-grams are its words' n-grams in turn."""
    result: list[str] = []
    grams, capitals = " ", False
    for ch in word + " " if spaced else word:
        last = grams[-1]
        if len(grams) >= NGram.N_GRAM:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            capitals = capitals or last.isupper()
        else:
            capitals = False
        if capitals:
            continue
        for n in (1, 2, 3):
            if len(grams) < n:
                break
            gram = grams[-n:]
            if gram != " " and gram in known:
                result.append(gram)
    return tuple(result)


class _ProfileCache:
    """What QuickDetector works out once per profile set and reuses, per process (a build detects in one
    thread per process): the n-grams of each (word, followed by a space) seen, and each drawn n-gram's
    probabilities as an array (at most one per profile n-gram, ~50 MB; the 1,010 benchmark articles drew
    4,512, ~2.5 MB)."""

    def __init__(self, profiles: dict):
        self.profiles = profiles  # held, so its id() cannot name another dict while this cache lives
        self.ngrams = _Memo(lambda key: _word_ngrams(*key, profiles))
        self.vectors = _Memo(lambda gram: np.array(profiles[gram]))


_CACHES: dict[int, _ProfileCache] = {}  # by id() of the profile dict (one langdetect factory in practice)


def _cache_of(profiles: dict) -> _ProfileCache:
    cache = _CACHES.get(id(profiles))
    if cache is None or cache.profiles is not profiles:
        cache = _CACHES[id(profiles)] = _ProfileCache(profiles)
    return cache


class QuickDetector(Detector):
    """langdetect's Detector with its Python loops over characters and over languages replaced by code
    that does the same arithmetic in the same order: the same probabilities to the last bit, in about a
    third of the time. tests/clean/test_language.py compares it with langdetect's own Detector. The overridden
    methods are those of langdetect 1.0.9, its last release (2021), pinned in pyproject.toml."""

    def append(self, text: str) -> None:
        text = NGram.normalize_vi(self.MAIL_RE.sub(" ", self.URL_RE.sub(" ", text)))
        # langdetect drops a space that follows a space of the (cut) input: runs of spaces become one
        self.text += _SPACES.sub(" ", text[:self.max_text_length])

    def _extract_ngrams(self) -> list[str]:
        """The 1-3 character n-grams of the text that the profiles know, in langdetect's order."""
        ngrams = _cache_of(self.word_lang_prob_map).ngrams
        if len(ngrams) > _WORDS_KEPT:
            ngrams.clear()
        words = self.text.translate(_NORMALIZED).split(" ")
        last = len(words) - 1
        result: list[str] = []
        for i, word in enumerate(words):
            if word:
                result.extend(ngrams[word, i < last])
        return result

    def _detect_block(self) -> None:
        """langdetect's sampling loop with each trial's probabilities in a numpy array: the same random
        draws and, element by element, the same float operations (the normalising sum stays Python's
        left-to-right one), in a few array operations instead of a Python loop over 55 languages."""
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        vectors = _cache_of(self.word_lang_prob_map).vectors
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability())
            weight = (self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH) / self.BASE_FREQ
            step = 0
            while True:
                prob *= weight + vectors[self.random.choice(ngrams)]
                if step % 5 == 0:
                    prob /= sum(prob.tolist())
                    if prob.max() > self.CONV_THRESHOLD or step >= self.ITERATION_LIMIT:
                        break
                step += 1
            for j, p in enumerate(prob.tolist()):
                self.langprob[j] += p / self.n_trial


def _detector(seed: int) -> QuickDetector:
    factory = load_profiles()
    factory.set_seed(seed)  # each detector copies the seed when created and reseeds its generator per text
    return QuickDetector(factory)


def detect_language(text: str, cfg: LanguageConfig) -> tuple[str, float | None]:
    """(ISO 639-1 code or 'unknown', probability or None)."""
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
