"""The extract stage: raw pages -> documents (or rejects)."""

from builder.ingest.extract import extract_page
from builder.ingest.guard import GuardedExtractor
from builder.libraries import library_versions
from builder.stage import MapStage


class ExtractStage(MapStage):
    name = "extract"
    version = "2"  # 2: paragraphs split at an inline link are put back together (text_tree.rejoin_split_paragraphs)

    def settings(self):
        # the libraries' versions too: an upgraded trafilatura extracts other text, so its cached
        # extractions must not be reused (or recorded under the new version in build.json)
        return {"config": super().settings(), "libraries": library_versions("read", "extract")}

    def setup(self) -> None:
        # One killable child per worker when isolation is on (the default): hangs become rejects.
        self._guard = GuardedExtractor(self.config) if self.config.isolate else None

    def release(self) -> None:
        # The child (~110-160 MiB) served the extract pass only: it ends with it, and the next page
        # extracted here, if any, starts a fresh one (GuardedExtractor.extract_many).
        guard = getattr(self, "_guard", None)
        if guard is not None:
            guard.close()

    def process(self, rows):
        guard = getattr(self, "_guard", None)
        results = guard.extract_many(rows) if guard else [extract_page(raw, self.config) for raw in rows]
        documents = [r for r in results if "id" in r]
        rejects = [r for r in results if "id" not in r]
        return documents, rejects
