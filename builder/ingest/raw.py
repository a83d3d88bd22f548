"""Raw pages and rejects as plain dicts, as every reader makes them (fields: see readers.py)."""

from __future__ import annotations

from builder.rejects import reject_row


def reject(origin: str, reason: str, detail: str, url: str | None = None, stage: str = "ingest") -> dict:
    return reject_row(stage, origin, reason, detail, url)


def page(origin: str, data: bytes, kind: str, url=None, content_type=None, fetched_at=None, site=None) -> dict:
    return {
        "origin": origin,
        "url": url,
        "data": data,
        "kind": kind,
        "content_type": content_type,
        "fetched_at": fetched_at,
        "site": site,
    }
