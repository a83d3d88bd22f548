from typing import Optional

from pydantic import Field, model_validator

from builder.config_section import Section


class SplitRatios(Section):
    """Shares of dedup clusters per split; a cluster (and so every near-duplicate in it) goes to one split."""

    train: float = Field(0.8, ge=0, le=1)
    validation: float = Field(0.1, ge=0, le=1)
    test: float = Field(0.1, ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self):
        if abs(self.train + self.validation + self.test - 1) > 1e-9:
            raise ValueError("split ratios must add up to 1")
        return self


class ReleaseConfig(Section):
    """What a release holds and how it is described."""

    pretty_name: str = "newscorpus sample"
    license: str = Field("other", description="the licence of YOUR corpus (an SPDX-style id such as cc-by-4.0): "
                         "scraped news is rarely yours to license, so the default is `other` until you state it")
    output: str = Field("releases", description="folder that holds one sub-folder per released version")
    card_template: str = Field("dataset_card.md", description="card template rendered into each release's README.md")
    description: str = Field("News articles with clean main text, deduplicated, language-tagged and annotated "
                             "with entities, claims and source links.", description="one paragraph for the card")
    task_categories: Optional[list[str]] = Field(None, description="Hub task categories; default: from what the "
                                                 "release holds (token-classification when it has entities)")
    task_ids: Optional[list[str]] = Field(None, description="Hub task ids; default: named-entity-recognition with entities")
    tags: list[str] = Field(default_factory=lambda: ["news", "newscorpus"])
    citation: str = Field("", description="BibTeX for the card; empty says 'no citation yet'")
    splits: SplitRatios = SplitRatios()
    keep_duplicates: bool = Field(False, description="release every document with its dedup flags, not only canonical ones")
