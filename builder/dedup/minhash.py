"""MinHash signatures of word shingles, vectorised with numpy; LSH band keys from signatures.

Words are lower-cased `\\w+` tokens hashed with xxh3 (stable across processes and machines). A shingle
hash combines the hashes of `shingle_size` consecutive words by a polynomial in uint64 arithmetic, so
every shingle of a document is computed in a few array operations. Each of the `num_hashes`
permutations is a seeded multiply-shift hash h(x) = a*x + b (mod 2^32, a odd) of the shingle hash
folded to 32 bits (uint32 arithmetic is several times faster than uint64 in numpy); the signature keeps,
for every permutation, the low 16 bits of the smallest value: b-bit MinHash, 2 bytes per hash, so the
estimated Jaccard (share of equal positions) is biased upwards by at most 2^-16.
"""

from __future__ import annotations

import re

import numpy as np
import xxhash

_WORD = re.compile(r"\w+")
_POLY = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: combines word hashes into shingle hashes
_MIX = np.uint64(0xBF58476D1CE4E5B9)
EMPTY = None  # signature of a text with no words: it takes no part in LSH
_BLOCK = 1 << 14  # shingles per block of the signature products (7 MiB at 112 hashes)


def permutations(num_hashes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (a, b) of the multiply-shift hashes; a is odd so each is a bijection of uint32."""
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 2**32, size=num_hashes, dtype=np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, size=num_hashes, dtype=np.uint32)
    return a, b


def shingle_hashes(text: str, shingle_size: int) -> np.ndarray:
    """uint64 hash of every word n-gram (one shingle for texts shorter than n words)."""
    words = _WORD.findall(text.lower())
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashes = np.fromiter(map(xxhash.xxh3_64_intdigest, map(str.encode, words)), dtype=np.uint64, count=len(words))
    n = min(shingle_size, len(hashes))
    count = len(hashes) - n + 1
    combined = hashes[:count].copy()
    with np.errstate(over="ignore"):
        for offset in range(1, n):
            combined *= _POLY
            combined += hashes[offset:offset + count]
    return combined


def signature(text: str, shingle_size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """uint16 MinHash signature (len(a) values), or None for a text with no words."""
    shingles = shingle_hashes(text, shingle_size)
    if shingles.size == 0:
        return EMPTY
    folded = (shingles >> np.uint64(32)).astype(np.uint32) ^ shingles.astype(np.uint32)
    # Repeats cannot change a minimum. An article's few repeats are cheaper to keep than to sort out
    # (0.76 -> 0.60 s for 1,010 news texts); a long text may be one phrase over and over, so it is made unique.
    if len(folded) > _BLOCK:
        folded = np.unique(folded)
    lowest = np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(folded), _BLOCK):  # a block at a time: the products take len x num_hashes x 4 bytes
        block = folded[start:start + _BLOCK]
        np.minimum(lowest, (block[:, None] * a[None, :] + b[None, :]).min(axis=0), out=lowest)  # wraps mod 2^32 by design
    return (lowest & np.uint32(0xFFFF)).astype(np.uint16)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64 keys: two documents share key j iff their band j rows agree (up to 2^-64)."""
    grouped = signatures.reshape(len(signatures), bands, rows).astype(np.uint64)
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys = (keys << np.uint64(16)) | grouped[:, :, r] if rows * 16 <= 64 else keys * _POLY + grouped[:, :, r]
        keys ^= np.arange(bands, dtype=np.uint64) * _MIX  # the same rows in two bands must not meet
    return keys


def mix(keys: np.ndarray) -> np.ndarray:
    """A well-spread uint64 of a key (splitmix64 finaliser), for hash-partitioning band keys."""
    with np.errstate(over="ignore"):
        z = keys ^ (keys >> np.uint64(30))
        z = z * _MIX
        z ^= z >> np.uint64(27)
        z = z * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def estimated_jaccard(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Share of equal signature positions, row by row, for (n, k) arrays."""
    return (left == right).mean(axis=1)
