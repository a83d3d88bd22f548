from typing import Literal, Optional

from pydantic import Field

from builder.config_section import Section


class IngestConfig(Section):
    """How inputs are read and turned into documents."""

    max_page_bytes: int = Field(10_000_000, gt=0, description="larger raw pages are rejected ('too-large')")
    max_decompressed_bytes: int = Field(
        2_000_000_000, gt=0, description="stop reading a .gz/.zst input past this many bytes (bombs)"
    )
    focus: Literal["recall", "balanced", "precision"] = Field(
        "recall", description="trafilatura's trade-off. 'recall' keeps more of the page and skips the readability "
        "comparison when its own extractor found a long text; our clean stage removes the chrome it keeps. Measured "
        "after the clean stage on 974 benchmark pages (bench/bench_clean.py (d)): F1 recall 0.932, balanced 0.933, "
        "precision 0.912, at 0.76x / 1.15x / 1.30x the CPU time of a default trafilatura.extract")
    fallback: bool = Field(True, description="let trafilatura compare with its fallback extractors "
                           "(readability, jusText): better recall on odd layouts, about a quarter of its time")
    second_opinion: bool = Field(True, description="when trafilatura's text holds under 30% of the page's words, ask "
                                 "trafilatura's default mode and readability-lxml too, and take a text that agrees with it and "
                                 "is 1.5x longer (builder/ingest/combine.py): recall mode stops short on some pages")
    extensive_date_search: bool = Field(False, description="search the page text for a date when the metadata "
                                        "has none (htmldate's extensive search: slow)")
    max_depth: int = Field(200, ge=10, description="pages nested deeper are rejected ('too-deep'); the HTML parser "
                           "itself flattens anything past 256 levels")
    max_links: int = Field(5000, ge=0, description="pages with more links in their main text are rejected ('too-many-links')")
    min_text_chars: int = Field(40, ge=0, description="documents with less clean text are rejected ('empty')")
    isolate: bool = Field(True, description="extract in a killable child process (time and memory limits)")
    timeout_seconds: float = Field(30.0, gt=0, description="a page whose extraction takes longer is rejected ('timeout')")
    max_memory_mb: int = Field(2048, ge=0, description="address-space limit of the extractor process (0: none)")
    allow_links_outside_inputs: bool = Field(
        False, description="read symlinks in input folders that lead outside the inputs (else rejected: "
        "'outside-inputs'); off so that a link to /etc/passwd never becomes a document")
    default_site: Optional[str] = Field(None, description="site for pages with no URL, canonical link, og:url, "
                                          "declared source (JSONL 'source') or majority host of their links; unset, such pages have no site "
                                          "and are left out of per-site line removal (a folder name is never taken as a site)")
