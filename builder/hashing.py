"""Stable hashes: the same bytes give the same digest in every process and on every machine."""

from __future__ import annotations

import hashlib


def stable_hash(data: bytes | str, size: int = 16) -> str:
    """blake2b hex digest: stable across processes and machines (unlike Python's hash())."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=size).hexdigest()
