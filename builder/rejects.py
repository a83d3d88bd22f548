"""The one constructor of a reject row, in a module without pyarrow.

The extractor guard child (one per worker) builds rejects too; importing records.py there would load
pyarrow and numpy (~40 MiB of resident memory per child) for a five-key dict."""

from __future__ import annotations

from typing import Optional


def reject_row(stage: str, origin: str, reason: str, detail: str, url: Optional[str] = None) -> dict:
    """A `Reject` (builder.records) as the plain dict stages return (every stage builds its rejects here, so
    none lacks a field)."""
    return {"origin": origin, "url": url, "stage": stage, "reason": reason, "detail": detail}
