from pydantic import Field

from builder.config_section import Section


class LanguageConfig(Section):
    """Language identification with langdetect (seeded, so deterministic)."""

    keep: list[str] = Field(default_factory=list, description="ISO codes to keep; empty keeps every language")
    min_letters: int = Field(20, ge=1, description="texts with fewer letters are 'unknown', not a guess")
    min_score: float = Field(0.5, ge=0, le=1, description="below this probability the language is 'unknown'")
    sample_chars: int = Field(1000, ge=100, description="characters of text the detector reads (its cost grows with them)")
    trials: int = Field(3, ge=1, le=20, description="random restarts langdetect averages (its own default is 7; 3 gave "
                        "the same language on all 974 benchmark articles and the examples at 0.7x the time)")
    seed: int = 0


class CleanConfig(Section):
    """Boilerplate removal and normalisation."""

    keep_boilerplate: bool = Field(False, description="mark boilerplate in `removals` but leave it in the text")
    page_rules: bool = Field(True, description="single-page rules: navigation, trend headers, captions, related blocks, citation chips")
    phrase_languages: list[str] = Field(["en", "de", "es", "fr", "ko", "pt"], description="phrase files in annotations/boilerplate/ to use (merged)")
    site_lines: bool = Field(True, description="remove lines that recur across many pages of the same site")
    site_min_fraction: float = Field(0.5, gt=0, le=1, description="a line is site chrome when on at least this share of the site's pages")
    site_min_count: int = Field(3, ge=2, description="... and on at least this many of them (distinct texts)")
