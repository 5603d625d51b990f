"""Property tests of the local object store: random sets of objects (empty, tiny, around the
pack limit, around a small chunk threshold, several chunks; with duplicates) stored by every
route, published in one batch or several, read back verified, checked, and collected; pack
indexes and chunk lists round-trip through their byte formats; chunking reassembles."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgit.hashing import EMPTY_OID, hash_bytes
from mlgit.storage import chunks, garbage, packs
from mlgit.storage.check import check_cache
from mlgit.storage.objects import LocalODB

KiB, MiB = 1024, 1024 * 1024
THRESHOLD = MiB + 64 * KiB
"""A small chunk threshold: a few MiB make chunked objects (chunks are 128 KiB to 2 MiB)."""
SLOW = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SIZES = st.one_of(
    st.integers(0, 64),
    st.integers(0, 8 * KiB),
    st.integers(packs.MAX_PACKED - 2, packs.MAX_PACKED + 1),
    st.integers(THRESHOLD - 1, THRESHOLD + 1),
    st.integers(THRESHOLD, 3 * MiB),
)
ROUTES = st.sampled_from(["file", "packed bytes", "loose bytes"])
# (size, seed, how it is stored, publish the batch after it); few seeds: many duplicates
OBJECTS = st.lists(st.tuples(SIZES, st.integers(0, 2), ROUTES, st.booleans()), max_size=10)


def content(size: int, seed: int) -> bytes:
    return random.Random(seed * 7919 + size).randbytes(size)


def store_all(odb: LocalODB, folder: Path, objects: list[tuple[int, int, str, bool]]
              ) -> dict[str, bytes]:
    stored: dict[str, bytes] = {}
    for n, (size, seed, route, publish) in enumerate(objects):
        data = content(size, seed)
        if route == "file":
            src = folder / f"src{n}"
            src.write_bytes(data)
            oid, got = odb.put_file(str(src), size)
            assert got == size
        else:
            oid = odb.put_bytes(data, pack=route == "packed bytes")
        assert oid == hash_bytes(data)
        stored[oid] = data
        if publish:
            odb.publish()
    odb.finish()
    return stored


def read(odb: LocalODB, oid: str) -> bytes:
    with odb.open(oid) as stream:
        return b"".join(iter(stream.read, b""))


@SLOW
@given(OBJECTS)
def test_every_object_stored_reads_back_verified(objects: list[tuple[int, int, str, bool]]
                                                 ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        writer = LocalODB(str(root / "cache"), chunk_threshold=THRESHOLD)
        stored = store_all(writer, root, objects)
        writer.close()
        odb = LocalODB(str(root / "cache"), chunk_threshold=THRESHOLD)  # listings read afresh
        try:
            for oid, data in stored.items():
                assert odb.has(oid) and odb.size(oid) == len(data)
                assert read(odb, oid) == data
            assert odb.missing(stored) == set()
            assert set(stored) - {EMPTY_OID} <= set(odb.iter_oids())
            assert EMPTY_OID not in set(odb.iter_oids())  # implicit: never stored
            assert check_cache(odb, 1).problems == []
        finally:
            odb.close()


@SLOW
@given(OBJECTS, st.data())
def test_gc_keeps_exactly_what_is_kept_and_its_chunks(
        objects: list[tuple[int, int, str, bool]], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        odb = LocalODB(str(root / "cache"), chunk_threshold=THRESHOLD)
        try:
            stored = store_all(odb, root, objects)
            keep = set(data.draw(st.lists(st.sampled_from(sorted(stored)), unique=True))
                       if stored else [])
            kept = garbage.with_chunks(odb, keep)
            garbage.delete_unreferenced(odb, keep, dry_run=False)
            odb.reread()
            for oid, content_bytes in stored.items():
                if oid in keep:
                    assert read(odb, oid) == content_bytes
                elif oid != EMPTY_OID and oid not in kept:
                    assert not odb.has(oid)
            assert set(odb.iter_oids()) <= kept
            assert check_cache(odb, 1).problems == []
        finally:
            odb.close()


OIDS = st.binary(min_size=16, max_size=16).map(bytes.hex)


@given(st.dictionaries(OIDS, st.tuples(st.integers(0, 2**63), st.integers(0, 2**40)),
                       max_size=50))
def test_a_pack_index_round_trips_and_is_named_by_its_content(
        entries: dict[str, tuple[int, int]]) -> None:
    name, raw = packs.build_index(entries)
    assert packs.index_name(raw) == name
    assert {oid: (off, size) for oid, off, size in packs.parse_index(raw) or []} == entries
    assert packs.build_index(dict(reversed(list(entries.items())))) == (name, raw)


@given(st.dictionaries(OIDS, st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)),
                       min_size=1, max_size=20), st.data())
def test_any_changed_byte_of_a_pack_index_is_refused(entries: dict[str, tuple[int, int]],
                                                     data: st.DataObject) -> None:
    _, raw = packs.build_index(entries)
    at = data.draw(st.integers(0, len(raw) - 1))
    flip = data.draw(st.integers(1, 255))
    damaged = raw[:at] + bytes([raw[at] ^ flip]) + raw[at + 1:]
    assert packs.parse_index(damaged) is None
    assert packs.parse_index(raw[:-1]) is None


CHUNK_LISTS = st.lists(st.tuples(OIDS, st.integers(1, 2**40)), max_size=40).flatmap(
    lambda parts: st.builds(chunks.ChunkList, OIDS, st.just(sum(n for _, n in parts)),
                            st.just(parts)))


@given(CHUNK_LISTS, st.data())
def test_a_chunk_list_round_trips_and_refuses_any_change(chunk_list: chunks.ChunkList,
                                                         data: st.DataObject) -> None:
    raw = chunks.encode(chunk_list)
    assert len(raw) == chunks.FIXED_LEN + 24 * len(chunk_list.chunks)
    assert chunks.decode(raw, chunk_list.oid) == chunk_list
    at = data.draw(st.integers(0, len(raw) - 1))
    damaged = raw[:at] + bytes([raw[at] ^ data.draw(st.integers(1, 255))]) + raw[at + 1:]
    for bad in (damaged, raw[:-1], raw + b"\0"):
        try:
            chunks.decode(bad, chunk_list.oid)
        except chunks.BadChunkList:
            continue
        raise AssertionError(f"accepted a changed list (byte {at})")


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 5 * MiB), st.integers(0, 1000))
def test_chunks_reassemble_the_content_within_their_size_bounds(size: int, seed: int) -> None:
    data = content(size, seed)
    parts = list(chunks.cut(io.BytesIO(data)))
    assert b"".join(parts) == data
    assert all(0 < len(p) <= chunks.MAX_SIZE for p in parts)
    assert all(len(p) >= chunks.MIN_SIZE for p in parts[:-1])
