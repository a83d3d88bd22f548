"""The extract stage: raw pages -> documents (or rejects)."""

from builder.stage import MapStage
from builder.ingest.extract import extract_page


class ExtractStage(MapStage):
    name = "extract"
    version = "1"

    def process(self, rows):
        documents, rejects = [], []
        for raw in rows:
            result = extract_page(raw, self.config)
            (documents if "id" in result else rejects).append(result)
        return documents, rejects
