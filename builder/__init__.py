"""newscorpus: build annotated, deduplicated, reproducible news corpora.

Sub-packages, one per stage, in the order data flows through them:
ingest (files -> raw pages -> extracted documents), clean (boilerplate, normalisation, language),
dedup, annotate, review (human decisions), release; engine runs the stages; cli is the command line.
"""

__version__ = "0.1.0"
