"""Pack files: the index format, what a damaged index means, and the writer's crash safety."""

from __future__ import annotations

import os
from pathlib import Path

from mlgit.hashing import hash_bytes
from mlgit.storage import packs

OBJECTS = {hash_bytes(d): d for d in (b"one", b"two", b"three")}


def _write_pack(pack_dir: Path) -> Path:
    writer = packs.PackWriter(str(pack_dir))
    for oid, data in OBJECTS.items():
        writer.add(oid, data)
    (idx,) = writer.finish()
    return Path(idx)


def test_a_published_pack_lists_and_reads_every_object(tmp_path: Path) -> None:
    idx = _write_pack(tmp_path)
    assert idx.name == packs.index_name(idx.read_bytes()) + ".idx"
    found = packs.load_all(str(tmp_path))
    assert set(found) == set(OBJECTS)
    reader = packs.PackReader()
    assert {oid: reader.read(where) for oid, where in found.items()} == OBJECTS
    reader.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temps


def test_the_index_format_round_trips(tmp_path: Path) -> None:
    entries = {oid: (i * 10, len(d)) for i, (oid, d) in enumerate(sorted(OBJECTS.items()))}
    name, raw = packs.build_index(entries)
    assert raw.startswith(b"MLGIT-PACK-INDEX 1\n") and len(raw) == 19 + 32 * 3 + 16
    assert packs.index_name(raw) == name
    assert packs.parse_index(raw) == [(oid, off, size) for oid, (off, size)
                                      in sorted(entries.items())]


def test_a_damaged_index_is_skipped_and_named(tmp_path: Path) -> None:
    idx = _write_pack(tmp_path)
    raw = idx.read_bytes()
    for damaged in (raw[:-1] + bytes([raw[-1] ^ 1]), raw[:40], b""):
        assert packs.parse_index(damaged) is None
        os.chmod(idx, 0o644)
        idx.write_bytes(damaged)
        named: list[str] = []
        assert packs.load_all(str(tmp_path), named) == {}
        assert named == [f"{packs.PACK_DIR}/{idx.name}"]


def test_an_index_without_its_pack_is_skipped_and_named(tmp_path: Path) -> None:
    idx = _write_pack(tmp_path)
    idx.with_suffix(".pack").unlink()
    named: list[str] = []
    assert packs.load_all(str(tmp_path), named) == {}
    assert named == [f"{packs.PACK_DIR}/{idx.name}"]


def test_an_entry_set_aside_is_skipped_in_that_pack_only(tmp_path: Path) -> None:
    idx = _write_pack(tmp_path)
    bad = sorted(OBJECTS)[0]
    packs.mark_set_aside(str(idx.with_suffix(".pack")), bad)
    assert set(packs.load_all(str(tmp_path))) == set(OBJECTS) - {bad}


def test_an_aborted_pack_leaves_nothing(tmp_path: Path) -> None:
    writer = packs.PackWriter(str(tmp_path))
    writer.add(hash_bytes(b"x"), b"x")
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_a_pack_is_written_under_a_temp_name_until_its_index_exists(tmp_path: Path) -> None:
    from mlgit.fileio import is_temp_name

    writer = packs.PackWriter(str(tmp_path))
    writer.add(hash_bytes(b"x"), b"x")
    (temp,) = tmp_path.iterdir()
    assert is_temp_name(temp.name)
    assert packs.load_all(str(tmp_path)) == {}
    writer.finish()
    assert set(packs.load_all(str(tmp_path))) == {hash_bytes(b"x")}
