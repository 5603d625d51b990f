"""The local object store through its interface: the same calls answer for loose and packed
objects, every read is verified, and corrupt copies are set aside."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgit.hashing import EMPTY_OID, hash_bytes
from mlgit.storage import garbage, packs
from mlgit.storage.objects import CorruptObject, LocalODB

SMALL = b"small object"
LARGE = os.urandom(packs.MAX_PACKED + 10)


@pytest.fixture
def odb(tmp_path: Path) -> Iterator[LocalODB]:
    store = LocalODB(str(tmp_path / "cache"))
    yield store
    store.close()


def _loose_and_packed(odb: LocalODB, tmp_path: Path) -> tuple[str, str]:
    """(a packed oid, a loose oid), published and durable."""
    small = odb.put_bytes(SMALL, pack=True)
    big = tmp_path / "big"
    big.write_bytes(LARGE)
    large, size = odb.put_file(str(big), len(LARGE))
    assert size == len(LARGE)
    odb.finish()
    return small, large


def test_put_then_has_size_read_and_iterate_for_packed_and_loose(odb: LocalODB,
                                                                 tmp_path: Path) -> None:
    small, large = _loose_and_packed(odb, tmp_path)
    reopened = LocalODB(odb.root)
    for store in (odb, reopened):
        assert store.has(small) and store.has(large)
        assert store.missing([small, large, "0" * 32]) == {"0" * 32}
        assert store.size(small) == len(SMALL) and store.size(large) == len(LARGE)
        assert store.read_verified(small) == SMALL
        assert store.read_verified(large) == LARGE
        assert sorted(store.iter_oids()) == sorted([small, large])
    assert not odb.has_own_file(small) and odb.has_own_file(large)
    assert odb.own_file(small) is None
    assert odb.own_file(large) == (odb.path(large), len(LARGE))


def test_an_object_being_packed_is_there_before_it_is_published(odb: LocalODB) -> None:
    oid = odb.put_bytes(SMALL, pack=True)
    assert odb.has(oid) and odb.missing([oid]) == set()
    assert odb.read_verified(oid) == SMALL
    assert not odb.has_own_file(oid)
    assert not LocalODB(odb.root).has(oid)  # not published yet
    odb.publish()
    assert LocalODB(odb.root).has(oid)


def test_the_empty_object_is_always_there_and_never_written(odb: LocalODB) -> None:
    assert odb.put_bytes(b"", pack=True) == EMPTY_OID
    assert odb.has(EMPTY_OID) and odb.read_verified(EMPTY_OID) == b""
    assert not odb.has_own_file(EMPTY_OID)
    with odb.open(EMPTY_OID) as reader:
        assert reader.read() == b""
    odb.finish()
    assert list(odb.iter_oids()) == []


def test_open_streams_verified_bytes_for_packed_and_loose(odb: LocalODB,
                                                          tmp_path: Path) -> None:
    small, large = _loose_and_packed(odb, tmp_path)
    for oid, data in ((small, SMALL), (large, LARGE)):
        with odb.open(oid) as reader:
            chunks = []
            while chunk := reader.read(1000):
                chunks.append(chunk)
        assert b"".join(chunks) == data


def test_an_absent_object_raises_file_not_found(odb: LocalODB) -> None:
    absent = hash_bytes(b"never stored")
    assert not odb.has(absent) and odb.size(absent) is None
    for read in (odb.read_verified, odb.open, odb.link_source):
        with pytest.raises(FileNotFoundError):
            read(absent)


def _corrupt_loose(odb: LocalODB, oid: str) -> None:
    path = odb.path(oid)
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.write(b"XX")


def test_a_corrupt_loose_object_is_found_by_every_read_and_set_aside(odb: LocalODB,
                                                                      tmp_path: Path) -> None:
    _, large = _loose_and_packed(odb, tmp_path)
    _corrupt_loose(odb, large)
    assert not odb.intact(large)
    with pytest.raises(CorruptObject) as caught, odb.open(large) as reader:
        while reader.read(1 << 16):
            pass
    assert caught.value.oid == large and caught.value.set_aside
    assert not odb.has(large)  # set aside: missing, so that a fetch restores it
    assert odb.quarantine_usage() == (1, len(LARGE))
    assert odb.set_aside_files() == {os.path.realpath(odb.path(large))}


@pytest.mark.parametrize("read", ["read_verified", "link_source"])
def test_every_reader_refuses_a_corrupt_loose_object(odb: LocalODB, tmp_path: Path,
                                                     read: str) -> None:
    _, large = _loose_and_packed(odb, tmp_path)
    _corrupt_loose(odb, large)
    with pytest.raises(CorruptObject):
        getattr(odb, read)(large)
    assert not odb.has(large)


def test_a_corrupt_packed_object_is_set_aside_and_its_pack_kept(odb: LocalODB,
                                                                 tmp_path: Path) -> None:
    small, large = _loose_and_packed(odb, tmp_path)
    (pack,) = Path(odb.pack_dir).glob("*.pack")
    os.chmod(pack, 0o644)
    pack.write_bytes(b"X" + pack.read_bytes()[1:])
    reader = LocalODB(odb.root)
    with pytest.raises(CorruptObject):
        reader.read_verified(small)
    assert not reader.has(small) and reader.has(large)
    assert not LocalODB(odb.root).has(small)  # the mark is on disk, for every command
    assert pack.exists()


def test_link_source_unpacks_a_packed_object_into_a_file_of_its_own(odb: LocalODB,
                                                                     tmp_path: Path) -> None:
    small, _ = _loose_and_packed(odb, tmp_path)
    source = odb.link_source(small)
    assert Path(source).read_bytes() == SMALL
    assert not os.stat(source).st_mode & 0o222  # read-only: links must never write to it
    link = tmp_path / "link"
    os.link(source, link)
    assert odb.holds(str(link), small)
    assert not odb.holds(str(tmp_path / "big"), small)


def test_a_damaged_pack_index_hides_its_objects_and_is_named(odb: LocalODB,
                                                             tmp_path: Path) -> None:
    small, large = _loose_and_packed(odb, tmp_path)
    (idx,) = Path(odb.pack_dir).glob("*.idx")
    os.chmod(idx, 0o644)
    idx.write_bytes(idx.read_bytes()[:-1] + b"\x00")
    reader = LocalODB(odb.root)
    assert reader.missing([small, large]) == {small}
    assert reader.damaged_files == [str(idx)]


def test_collect_deletes_what_is_not_kept_loose_and_packed(odb: LocalODB,
                                                           tmp_path: Path) -> None:
    small, large = _loose_and_packed(odb, tmp_path)
    other = odb.put_bytes(b"another small one", pack=True)
    odb.finish()
    assert set(garbage.unreferenced(odb, {small})) == {large, other}
    assert garbage.delete_unreferenced(odb, {small}, dry_run=True) == (2, len(LARGE) + 17, 1)
    assert sorted(odb.iter_oids()) == sorted([small, large, other])
    assert garbage.delete_unreferenced(odb, {small}, dry_run=False) == (2, len(LARGE) + 17, 1)
    reopened = LocalODB(odb.root)
    assert list(reopened.iter_oids()) == [small]
    assert reopened.read_verified(small) == SMALL


def test_collect_removes_temp_files_of_every_naming(odb: LocalODB, tmp_path: Path) -> None:
    """Leftovers of killed commands, named as now and as older versions named them."""
    small, _ = _loose_and_packed(odb, tmp_path)
    prefix = Path(odb.root) / small[:2]
    prefix.mkdir(exist_ok=True)
    leftovers = [prefix / f".{small[2:]}.999-1.mlgit-tmp", prefix / ".999-1.tmp",
                 Path(odb.root) / "tmp" / ".object.999-2.mlgit-tmp",
                 Path(odb.pack_dir) / ".new.pack.999-3.mlgit-tmp",
                 Path(odb.pack_dir) / ".999-140000.pack.tmp",
                 Path(odb.pack_dir) / f".{'a' * 32}.idx.tmp"]
    for path in leftovers:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"torn")
    garbage.delete_unreferenced(odb, {small}, dry_run=False)
    assert [p for p in leftovers if p.exists()] == []
    assert LocalODB(odb.root).read_verified(small) == SMALL


def test_temp_files_are_named_by_the_one_rule(odb: LocalODB) -> None:
    from mlgit.fileio import is_temp_name

    tmp = odb.temp_path()
    assert os.path.dirname(tmp) == os.path.join(odb.root, "tmp")
    assert is_temp_name(os.path.basename(tmp))


def test_adopt_takes_a_good_download_and_refuses_a_bad_one(odb: LocalODB) -> None:
    good = odb.temp_path()
    Path(good).write_bytes(b"downloaded")
    oid = hash_bytes(b"downloaded")
    odb.adopt(good, oid)
    assert odb.read_verified(oid) == b"downloaded" and not os.path.exists(good)
    bad = odb.temp_path()
    Path(bad).write_bytes(b"tampered")
    wanted = hash_bytes(b"something else")
    with pytest.raises(CorruptObject):
        odb.adopt(bad, wanted)
    assert not odb.has(wanted) and not os.path.exists(bad)


def _fsyncs(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(paths fsynced, folders syncfs'd) from now on, by spying on the durable helpers."""
    from mlgit import fileio

    synced: list[str] = []
    whole: list[str] = []
    real_fsync, real_syncfs = fileio.fsync_path, fileio.sync_folder_fs

    def fsync_path(path: str) -> None:
        synced.append(path)
        real_fsync(path)

    def sync_folder_fs(folder: str) -> None:
        whole.append(folder)
        real_syncfs(folder)

    monkeypatch.setattr(fileio, "fsync_path", fsync_path)
    monkeypatch.setattr(fileio, "sync_folder_fs", sync_folder_fs)
    monkeypatch.setattr("mlgit.storage.batch.sync_folder_fs", sync_folder_fs)
    return synced, whole


def test_a_small_batch_is_made_durable_file_by_file(odb: LocalODB, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    small = odb.put_bytes(SMALL, pack=True)
    tmp = odb.temp_path()
    Path(tmp).write_bytes(b"fetched")
    fetched = hash_bytes(b"fetched")
    odb.adopt(tmp, fetched)
    odb.publish()
    synced, whole = _fsyncs(monkeypatch)
    odb.make_durable()
    (idx,) = Path(odb.pack_dir).glob("*.idx")
    assert whole == []
    assert set(synced) >= {odb.path(fetched), str(idx), str(idx.with_suffix(".pack")),
                           os.path.dirname(odb.path(fetched)), odb.pack_dir}
    synced.clear()
    odb.make_durable()
    assert synced == []  # nothing new since
    assert LocalODB(odb.root).read_verified(small) == SMALL


def test_finish_makes_the_whole_store_durable(odb: LocalODB,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    odb.put_bytes(SMALL, pack=True)
    synced, whole = _fsyncs(monkeypatch)
    odb.finish()
    assert whole == [odb.root] and synced == []
