"""Content above the chunk threshold in the local object store: stored as chunks plus a chunk
list, answered for by the same calls as any object, streamed and verified on read."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from mlgit.storage import chunks, garbage, packs
from mlgit.storage.objects import CorruptObject, LocalODB

MiB = 1024 * 1024
CONTENT = random.Random(11).randbytes(6 * MiB)


@pytest.fixture
def odb(tmp_path: Path) -> Iterator[LocalODB]:
    store = LocalODB(str(tmp_path / "cache"), chunk_threshold=4 * MiB)
    yield store
    store.close()


def _put(odb: LocalODB, tmp_path: Path, content: bytes = CONTENT, name: str = "big") -> str:
    src = tmp_path / name
    src.write_bytes(content)
    oid, size = odb.put_file(str(src), len(content))
    assert (oid, size) == (hash_bytes(content), len(content))
    odb.finish()
    return oid


def _read(odb: LocalODB, oid: str) -> bytes:
    with odb.open(oid) as stream:
        return b"".join(iter(stream.read, b""))


def test_a_large_file_is_stored_as_chunks_and_read_back_whole(odb: LocalODB,
                                                              tmp_path: Path) -> None:
    oid = _put(odb, tmp_path)
    assert not os.path.exists(odb.path(oid))
    assert os.path.exists(odb.chunks_path(oid))
    assert odb.has(oid) and odb.is_chunked(oid)
    assert odb.missing([oid]) == set()
    assert odb.size(oid) == len(CONTENT)
    assert oid in set(odb.iter_oids())
    assert _read(odb, oid) == CONTENT
    assert odb.intact(oid)
    parts = odb.chunk_list(oid).chunks
    assert len(parts) > 3 and odb.missing(c for c, _ in parts) == set()


def test_files_below_the_threshold_stay_whole(odb: LocalODB, tmp_path: Path) -> None:
    oid = _put(odb, tmp_path, CONTENT[: 3 * MiB])
    assert os.path.exists(odb.path(oid)) and not odb.is_chunked(oid)


def test_two_files_sharing_most_bytes_share_most_chunks(odb: LocalODB,
                                                        tmp_path: Path) -> None:
    first = _put(odb, tmp_path)
    edited = CONTENT[: 3 * MiB] + b"new" * 1000 + CONTENT[3 * MiB:]
    second = _put(odb, tmp_path, edited, "edited")
    a = set(odb.chunk_list(first).chunks)
    b = odb.chunk_list(second).chunks
    new = sum(n for part in b if part not in a for n in [part[1]])
    assert new <= 2 * chunks.MAX_SIZE
    assert _read(odb, second) == edited


def test_a_corrupt_chunk_is_set_aside_and_the_read_fails(odb: LocalODB,
                                                         tmp_path: Path) -> None:
    oid = _put(odb, tmp_path)
    victim = odb.chunk_list(oid).chunks[2][0]
    pack, offset, _ = odb.packed[victim]
    os.chmod(pack, 0o644)
    with open(pack, "r+b") as f:
        f.seek(offset)
        f.write(b"X")
    with pytest.raises(CorruptObject):
        _read(odb, oid)
    assert odb.missing([victim]) == {victim}


def test_chunks_go_into_a_pack_of_chunks_whatever_their_size(odb: LocalODB,
                                                             tmp_path: Path) -> None:
    oid = _put(odb, tmp_path)
    parts = odb.chunk_list(oid).chunks
    assert any(n >= 1 * MiB for _, n in parts)  # would be loose under the small-file rule
    assert not any(os.path.exists(odb.path(c)) for c, _ in parts)
    indexes = odb.pack_indexes()
    assert len(indexes) == 1
    with open(indexes[0], "rb") as f:
        assert packs.holds_chunks(f.read())


def test_a_damaged_chunk_list_counts_as_corrupt_and_is_set_aside(odb: LocalODB,
                                                                 tmp_path: Path) -> None:
    oid = _put(odb, tmp_path)
    path = odb.chunks_path(oid)
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.seek(40)
        f.write(b"\xff")
    fresh = LocalODB(odb.root, chunk_threshold=4 * MiB)
    with pytest.raises(CorruptObject, match="damaged chunk list"):
        fresh.open(oid)
    assert fresh.missing([oid]) == {oid}
    assert os.listdir(fresh.quarantine_dir) == [oid + ".chunks"]


def test_gc_keeps_the_chunks_of_a_kept_list_and_drops_those_of_an_unkept_one(
        odb: LocalODB, tmp_path: Path) -> None:
    kept = _put(odb, tmp_path)
    dropped = _put(odb, tmp_path, random.Random(12).randbytes(5 * MiB), "other")
    dropped_parts = {c for c, _ in odb.chunk_list(dropped).chunks}
    garbage.delete_unreferenced(odb, {kept}, dry_run=False)
    fresh = LocalODB(odb.root, chunk_threshold=4 * MiB)
    assert _read(fresh, kept) == CONTENT
    assert fresh.missing([dropped]) == {dropped}
    assert fresh.missing(dropped_parts) == dropped_parts


def test_gc_rewrites_a_pack_of_chunks_as_a_pack_of_chunks(odb: LocalODB,
                                                          tmp_path: Path) -> None:
    other = random.Random(12).randbytes(5 * MiB)
    for name, content in (("big", CONTENT), ("other", other)):
        (tmp_path / name).write_bytes(content)
        odb.put_file(str(tmp_path / name), len(content))
    odb.finish()  # both files' chunks in one pack
    assert len(odb.pack_indexes()) == 1
    before = odb.pack_indexes()
    garbage.delete_unreferenced(odb, {hash_bytes(CONTENT)}, dry_run=False)
    fresh = LocalODB(odb.root, chunk_threshold=4 * MiB)
    assert _read(fresh, hash_bytes(CONTENT)) == CONTENT
    assert fresh.pack_indexes() != before
    for idx in fresh.pack_indexes():
        with open(idx, "rb") as f:
            assert packs.holds_chunks(f.read())


def test_a_chunked_object_is_present_when_many_are_asked_for(odb: LocalODB,
                                                             tmp_path: Path) -> None:
    oid = _put(odb, tmp_path)
    absent = {hash_bytes(str(n).encode()) for n in range(2500)}  # listed, not stat-ed
    assert odb.missing(absent | {oid}) == absent


def test_an_older_mlgit_cannot_read_a_pack_of_chunks_so_its_gc_leaves_it_alone(
        odb: LocalODB, tmp_path: Path) -> None:
    # The version before chunking read only indexes starting with this magic; one it could
    # not read it skipped in gc (docs/formats.md, "Chunked files", Compatibility).
    _put(odb, tmp_path)
    (idx,) = odb.pack_indexes()
    with open(idx, "rb") as f:
        raw = f.read()
    assert not raw.startswith(b"MLGIT-PACK-INDEX 1\n")
    assert packs.parse_index(raw)  # while this version reads it
