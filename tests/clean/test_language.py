"""Language identification: our QuickDetector must give langdetect's own answers, bit for bit."""

from __future__ import annotations

import pytest
from langdetect.detector import Detector

from builder.clean.config import LanguageConfig
from builder.clean.language import QuickDetector, detect_language, load_profiles

TEXTS = [
    "The harbour authority said on Friday that the new crane would be working by the end of the month.",
    "NASA AND THE ESA SAID the launch window opens in MARCH; Officials at the UN were not available.",
    "Der Stadtrat hat am Dienstag beschlossen, zwölf Kilometer neue Radwege zu bauen, sagte die Bürgermeisterin.",
    "El ayuntamiento aprobó el martes nuevas restricciones de agua por la sequía, según fuentes municipales.",
    "Le conseil municipal a voté jeudi un budget de 4,2 millions d'euros pour rénover la piscine.",
    "Read more at https://example.org/news/a-b?c=1 or write to desk@example.org  --  thanks!!  ",
    "Привет, как дела? Это короткий текст на русском языке о погоде в Москве.",
    "東京で会議が開かれ、新しい計画が発表された。これは日本語の文章です。",
    "Tiếng Việt có dấu và nhiều thanh điệu khác nhau trong một câu.",
    "a  b   c \n\n d\te",
    "Ünïcödé   ÀÉÎÕÜ   quotes “like” ‘these’ — and dashes – here… 2024-11-22 12:00",
]


@pytest.fixture(scope="module")
def factory():
    factory = load_profiles()
    factory.set_seed(0)
    return factory


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("trials", [1, 3, 7])
def test_quick_detector_matches_langdetect(factory, text, trials):
    answers = []
    for kind in (Detector, QuickDetector):
        detector = kind(factory)
        detector.n_trial = trials
        detector.append(text)
        probabilities = [(p.lang, p.prob) for p in detector.get_probabilities()]
        answers.append((detector.text, detector._extract_ngrams(), probabilities, detector.langprob))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("text, kept", [("word " * 5000, 10000), ("a  " * 5000, 6667)])
def test_quick_detector_cuts_before_collapsing_spaces_as_langdetect_does(factory, text, kept):
    plain, quick = Detector(factory), QuickDetector(factory)
    for detector in (plain, quick):
        detector.append(text)
    assert plain.text == quick.text and len(quick.text) == kept


def test_detect_language_is_deterministic_and_says_unknown_for_letterless_text():
    cfg = LanguageConfig()
    first = [detect_language(t, cfg) for t in TEXTS[:5]]
    assert [code for code, _ in first] == ["en", "en", "de", "es", "fr"]
    assert first == [detect_language(t, cfg) for t in TEXTS[:5]]
    assert detect_language("12 34 56 -- !!", cfg) == ("unknown", None)
