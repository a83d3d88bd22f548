from pydantic import Field, model_validator

from builder.config_section import Section


class DedupConfig(Section):
    """Duplicate detection: exact text, canonical URL, then MinHash-LSH near-duplicates.

    Defaults measured in bench/bench_dedup.py (bench/README.md, "Issue 4: dedup"): 112 hashes in 28 bands
    of 4 rows put the LSH S-curve's midpoint near Jaccard 0.44, so edited reprints (Jaccard 0.55-0.9)
    almost always meet in a band; candidates are merged only when their estimated Jaccard reaches
    `threshold`, which keeps other articles on the same event apart.
    """

    enabled: bool = Field(True, description="assign duplicate clusters at all (off: every document is its own cluster)")
    near: bool = Field(True, description="look for near-duplicates with MinHash LSH (exact and URL duplicates are always found)")
    shingle_size: int = Field(5, ge=1, le=20, description="words per shingle")
    num_hashes: int = Field(112, ge=8, le=1024, description="MinHash permutations; must equal bands x rows")
    bands: int = Field(28, ge=1, description="LSH bands")
    rows: int = Field(4, ge=1, description="hashes per band; 4 rows of 16 bits make one 64-bit band key")
    threshold: float = Field(0.5, ge=0.0, le=1.0, description="estimated Jaccard a candidate pair needs to be merged")
    seed: int = Field(1, description="seed of the MinHash permutations (change it and every signature changes)")
    buckets: int = Field(16, ge=1, le=4096, description="hash partitions of the band-key exchange files")
    max_bucket_pairs: int = Field(64, ge=2, description="band groups larger than this emit a star, not all pairs")

    @model_validator(mode="after")
    def _bands_times_rows(self):
        if self.bands * self.rows != self.num_hashes:
            raise ValueError(f"dedup.bands x dedup.rows must equal dedup.num_hashes ({self.bands} x {self.rows} != {self.num_hashes})")
        return self
