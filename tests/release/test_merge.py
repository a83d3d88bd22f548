"""The output merge: shards in, one stream sorted by (id, origin) out, in memory or spilled in ranges."""

import hashlib
import random

import pytest

from builder.release.merge import merged_groups
from builder.shards import write_documents


def _doc(number: int, origin: str) -> dict:
    text = f"Article {number}. " + "word " * random.Random(number).randrange(5, 400)
    return {"id": hashlib.blake2b(str(number % 37).encode(), digest_size=16).hexdigest(),  # shared ids: origin breaks ties
            "origin": origin, "text": text, "raw_hash": str(number), "text_hash": str(number)}


@pytest.fixture
def shards(tmp_path):
    """23 shards of random ids, like the extraction's shards: each sorted, together in no order."""
    rng = random.Random(7)
    numbers = list(range(300))
    rng.shuffle(numbers)
    paths = []
    for i in range(0, len(numbers), 13):
        path = tmp_path / "shards" / f"{i:04d}.parquet"
        path.parent.mkdir(exist_ok=True)
        write_documents([_doc(n, f"input/{n:04d}.html") for n in numbers[i:i + 13]], path)
        paths.append(path)
    return paths


def _rows(groups):
    return [[(row["id"], row["origin"], row["text"]) for row in group.to_pylist()] for group in groups]


def test_merge_in_memory_sorts_all_rows_into_groups(shards, tmp_path):
    groups = _rows(merged_groups(shards, 40, tmp_path / "spill"))
    flat = [row for group in groups for row in group]
    assert [len(g) for g in groups] == [40] * 7 + [20]
    assert len(flat) == 300 and len({row[1] for row in flat}) == 300
    assert flat == sorted(flat)
    assert not (tmp_path / "spill").exists()  # small enough: nothing spilled


@pytest.mark.parametrize("memory", [20_000, 60_000, 1])
def test_merge_spilled_in_ranges_gives_the_same_groups(shards, tmp_path, memory):
    in_memory = _rows(merged_groups(shards, 40, tmp_path / "spill"))
    spilled = merged_groups(shards, 40, tmp_path / "spill", memory=memory)
    first = next(spilled)
    assert len(list((tmp_path / "spill").glob("range-*.arrow"))) > 1  # it did spill, in several ranges
    assert _rows([first, *spilled]) == in_memory
    assert not (tmp_path / "spill").exists()  # the spill folder is removed at the end


@pytest.mark.parametrize("memory", [20_000, 10**9])  # spilled, in memory
def test_merge_removes_what_a_killed_merge_left(shards, tmp_path, memory):
    stale = tmp_path / "spill" / "range-00099.arrow"
    stale.parent.mkdir()
    stale.write_bytes(b"left by a killed build")
    groups = _rows(merged_groups(shards, 40, tmp_path / "spill", memory=memory))
    assert sum(map(len, groups)) == 300
    assert not stale.parent.exists()


def test_merge_of_no_rows_is_empty(tmp_path):
    empty = tmp_path / "empty.parquet"
    write_documents([], empty)
    assert list(merged_groups([], 40, tmp_path / "spill")) == []
    assert list(merged_groups([empty, empty], 40, tmp_path / "spill", memory=1)) == []  # would spill, but has no rows
