"""Clean-side map stages: language identification and the language filter."""

from builder.clean.language import detect_language
from builder.rejects import reject_row
from builder.libraries import library_versions
from builder.stage import MapStage


class LanguageStage(MapStage):
    name = "language"
    version = "1"

    def settings(self):
        # langdetect's profiles decide the tags: another version, other languages
        return {"config": super().settings(), "libraries": library_versions("language")}

    def process(self, rows):
        kept, rejects = [], []
        for row in rows:
            row["language"], row["language_score"] = detect_language(row["text"], self.config)
            if self.config.keep and row["language"] not in self.config.keep:
                rejects.append(reject_row("language", row["origin"], "language-filtered",
                                          f"language '{row['language']}' is not in language.keep {self.config.keep}", row["url"]))
            else:
                kept.append(row)
        return kept, rejects
