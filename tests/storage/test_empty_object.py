"""The empty object is implicit in the local store: never written, always present, and an empty
pack written by an earlier version reads as empty content."""

from __future__ import annotations

from pathlib import Path

from mlgit.hashing import EMPTY_OID, hash_bytes
from mlgit.storage import packs
from mlgit.storage.objects import LocalODB


def test_the_empty_oid_is_the_hash_of_no_bytes() -> None:
    assert hash_bytes(b"") == EMPTY_OID


def test_storing_empty_content_writes_nothing_and_it_is_always_there(tmp_path: Path) -> None:
    odb = LocalODB(str(tmp_path / "cache"))
    assert odb.has(EMPTY_OID) and odb.missing([EMPTY_OID, "0" * 32]) == {"0" * 32}
    assert odb.put_bytes(b"", pack=True) == EMPTY_OID
    assert odb.put_bytes(b"") == EMPTY_OID
    (tmp_path / "empty").write_bytes(b"")
    assert odb.put_file(str(tmp_path / "empty"), 0) == (EMPTY_OID, 0)
    odb.finish()
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert odb.read_verified(EMPTY_OID) == b"" and odb.size(EMPTY_OID) == 0
    assert list(odb.iter_oids()) == []


def test_a_pack_writer_given_only_empty_content_writes_no_pack(tmp_path: Path) -> None:
    writer = packs.PackWriter(str(tmp_path))
    writer.add(EMPTY_OID, b"")
    assert writer.finish() == [] and list(tmp_path.iterdir()) == []
    writer = packs.PackWriter(str(tmp_path))
    writer.add(EMPTY_OID, b"")
    writer.add(hash_bytes(b"x"), b"x")
    [idx] = writer.finish()
    assert set(packs.read_index(idx) or {}) == {hash_bytes(b"x")}


def test_an_empty_pack_from_an_earlier_version_reads_as_empty_content(tmp_path: Path) -> None:
    pack_dir = tmp_path / "cache" / packs.PACK_DIR
    pack_dir.mkdir(parents=True)
    name, index = packs.build_index({EMPTY_OID: (0, 0)})
    (pack_dir / f"{name}.pack").write_bytes(b"")
    (pack_dir / f"{name}.idx").write_bytes(index)
    odb = LocalODB(str(tmp_path / "cache"))
    where = odb.packed[EMPTY_OID]
    assert odb.read_packed(where) == b""
    assert packs.PackReader().read(where) == b""
