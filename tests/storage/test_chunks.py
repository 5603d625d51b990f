"""The chunker and the chunk list format (storage/chunks.py; docs/formats.md, Chunked files)."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit import hashing
from mlgit.storage import chunks

MiB = 1024 * 1024


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _cut(data: bytes) -> list[bytes]:
    return list(chunks.cut(io.BytesIO(data)))


def test_chunks_join_back_into_the_content_and_respect_the_size_bounds() -> None:
    data = _random_bytes(12 * MiB, 1)
    pieces = _cut(data)
    assert b"".join(pieces) == data
    assert all(chunks.MIN_SIZE <= len(p) <= chunks.MAX_SIZE for p in pieces[:-1])
    assert 0 < len(pieces[-1]) <= chunks.MAX_SIZE
    # about 640 KiB on average: FastCDC skips the minimum before looking for a cut
    assert 8 <= len(pieces) <= 40


def test_an_edit_in_the_middle_changes_only_the_chunks_around_it() -> None:
    data = _random_bytes(64 * MiB, 2)
    edited = data[:30 * MiB] + _random_bytes(MiB, 3) + data[31 * MiB:]
    before = {hashing.hash_bytes(p) for p in _cut(data)}
    after = _cut(edited)
    new_bytes = sum(len(p) for p in after if hashing.hash_bytes(p) not in before)
    assert new_bytes < 4 * MiB


def test_an_insertion_shifts_no_boundary_far_from_it() -> None:
    data = _random_bytes(16 * MiB, 4)
    inserted = data[:5 * MiB] + b"x" * 1000 + data[5 * MiB:]
    before = {hashing.hash_bytes(p) for p in _cut(data)}
    after = _cut(inserted)
    new_bytes = sum(len(p) for p in after if hashing.hash_bytes(p) not in before)
    assert new_bytes <= 2 * chunks.MAX_SIZE


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=3 * chunks.MAX_SIZE // 64).map(lambda b: b * 64))
def test_any_content_round_trips(data: bytes) -> None:
    assert b"".join(_cut(data)) == data


def _list_of(data: bytes) -> chunks.ChunkList:
    pieces = _cut(data)
    return chunks.ChunkList(hashing.hash_bytes(data), len(data),
                            [(hashing.hash_bytes(p), len(p)) for p in pieces])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.binary(min_size=16, max_size=16).map(bytes.hex),
                          st.integers(min_value=1, max_value=2**40)), max_size=50),
       st.binary(min_size=16, max_size=16).map(bytes.hex))
def test_a_chunk_list_round_trips(entries: list[tuple[str, int]], oid: str) -> None:
    chunk_list = chunks.ChunkList(oid, sum(n for _, n in entries), entries)
    data = chunks.encode(chunk_list)
    assert len(data) == chunks.FIXED_LEN + 24 * len(entries)
    assert chunks.decode(data, oid) == chunk_list


def test_a_chunk_list_starts_with_its_format_version() -> None:
    data = chunks.encode(_list_of(_random_bytes(3 * MiB, 5)))
    assert data.startswith(b"MLGIT-CHUNKS 1\n")


@pytest.mark.parametrize("damage, why", [
    (lambda d: d[:-1], "checksum"),
    (lambda d: d[:20] + bytes([d[20] ^ 1]) + d[21:], "checksum"),
    (lambda d: b"MLGIT-CHUNKS 2\n" + d[15:], "header"),
    (lambda d: b"", "header"),
])
def test_a_damaged_chunk_list_is_refused(damage, why: str) -> None:  # type: ignore[no-untyped-def]
    chunk_list = _list_of(_random_bytes(3 * MiB, 6))
    with pytest.raises(chunks.BadChunkList, match=why):
        chunks.decode(damage(chunks.encode(chunk_list)), chunk_list.oid)


def test_a_chunk_list_read_for_another_oid_is_refused() -> None:
    chunk_list = _list_of(_random_bytes(3 * MiB, 7))
    with pytest.raises(chunks.BadChunkList, match="describes"):
        chunks.decode(chunks.encode(chunk_list), "0" * 32)


def test_a_chunk_list_whose_sizes_do_not_add_up_is_refused() -> None:
    chunk_list = _list_of(_random_bytes(3 * MiB, 8))
    wrong = chunk_list._replace(size=chunk_list.size + 1)
    with pytest.raises(chunks.BadChunkList, match="add up"):
        chunks.decode(chunks.encode(wrong), chunk_list.oid)
