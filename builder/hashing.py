"""Stable hashes: the same bytes give the same digest in every process and on every machine."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def stable_hash(data: bytes | str, size: int = 16) -> str:
    """blake2b hex digest: stable across processes and machines (unlike Python's hash())."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=size).hexdigest()


def value_hash(value: Any, size: int = 8) -> str:
    """Hash of a JSON value, key order aside: what stage fingerprints are made of."""
    return hashlib.blake2b(json.dumps(value, sort_keys=True, default=str).encode(), digest_size=size).hexdigest()
