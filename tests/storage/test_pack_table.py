"""The compact table of where packed objects are (packs.PackTable), and how PackReader lets
go of the pages it has read."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit.hashing import hash_bytes
from mlgit.storage import pack_table, packs

# Oids often share their first 8 bytes (few heads), so lookups must look past the key the
# table sorts by.
heads = st.one_of(st.sampled_from([b"\x00" * 8, b"\x12" * 8, b"\xff" * 8]),
                  st.binary(min_size=8, max_size=8))
oids = st.tuples(heads, st.binary(min_size=8, max_size=8)).map(lambda t: (t[0] + t[1]).hex())
pack_entries = st.lists(st.dictionaries(oids, st.tuples(st.integers(0, 1 << 40),
                                                        st.integers(0, 1 << 31)),
                                        max_size=40),
                        max_size=6)


def _records(entries: dict[str, tuple[int, int]]) -> memoryview:
    records = packs.index_records(packs.build_index(entries)[1])
    assert records is not None
    return records


def _as_dict(per_pack: list[dict[str, tuple[int, int]]], skips: list[set[str]],
             max_size: int | None) -> dict[str, packs.Location]:
    """What the table must say: the first pack holding an object wins."""
    expected: dict[str, packs.Location] = {}
    for n, entries in enumerate(per_pack):
        for oid, (offset, size) in entries.items():
            if oid in skips[n] or (max_size is not None and size >= max_size):
                continue
            expected.setdefault(oid, (f"p{n}.pack", offset, size))
    return expected


@settings(max_examples=200)
@given(pack_entries, st.data(), st.one_of(st.none(), st.integers(0, 1 << 31)))
def test_the_table_answers_like_a_dict_of_every_pack(
        per_pack: list[dict[str, tuple[int, int]]], data: st.DataObject,
        max_size: int | None) -> None:
    skips = [set(data.draw(st.lists(st.sampled_from(sorted(e)), max_size=3)) if e else [])
             for e in per_pack]
    table = packs.PackTable(((f"p{n}.pack", _records(e), skips[n])
                             for n, e in enumerate(per_pack)), max_size=max_size)
    expected = _as_dict(per_pack, skips, max_size)
    assert dict(table.items()) == expected
    assert len(table) == len(expected)
    assert sorted(table) == sorted(expected)
    others = data.draw(st.lists(oids, max_size=5))
    for oid in [*expected, *others, "", "xyz", "0" * 31, "0" * 34]:
        assert (oid in table) == (oid in expected)
        assert table.get(oid) == expected.get(oid)
    asked = set(others) | set(list(expected)[:3])
    assert asked & table.keys() == asked & expected.keys()
    assert asked - table.keys() == asked - expected.keys()


@settings(max_examples=100)
@given(pack_entries, st.data())
def test_the_table_answers_alike_once_it_keeps_a_dict(
        per_pack: list[dict[str, tuple[int, int]]], data: st.DataObject) -> None:
    """After many lookups a table that is not huge answers from a dict: same answers, the
    first pack holding an object still wins, objects left out stay out."""
    skips = [set(data.draw(st.lists(st.sampled_from(sorted(e)), max_size=3)) if e else [])
             for e in per_pack]
    expected = _as_dict(per_pack, skips, None)
    saved = pack_table._DICT_AFTER_MIN
    pack_table._DICT_AFTER_MIN = 0
    try:
        table = packs.PackTable(((f"p{n}.pack", _records(e), skips[n])
                                 for n, e in enumerate(per_pack)))
    finally:
        pack_table._DICT_AFTER_MIN = saved
    others = data.draw(st.lists(oids, max_size=5))
    for oid in [*expected, *others, "", "xyz", "0" * 31, *(o.upper() for o in expected)]:
        assert (oid in table) == (oid in expected)
        assert table.get(oid) == expected.get(oid)
    assert table._by_oid is not None or not table._order  # the dict was really used


def test_many_packs_of_thousands_of_objects(tmp_path: Path) -> None:
    writer = packs.PackWriter(str(tmp_path / "packs"))
    expected = {}
    for n in range(6000):
        data = n.to_bytes(4, "little") * (1 + n % 7)
        expected[writer_add(writer, data)] = data
        if n % 1000 == 999:
            writer.finish()
    writer.finish()
    damaged: list[str] = []
    table = packs.load_all(str(tmp_path / "packs"), damaged)
    assert not damaged and len(table) == len(expected) == 6000
    reader = packs.PackReader()
    for oid, data in expected.items():
        assert reader.read(table[oid]) == data
    reader.close()


def writer_add(writer: packs.PackWriter, data: bytes) -> str:
    oid = hash_bytes(data)
    writer.add(oid, data)
    return oid


def _rss_file_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    raise AssertionError("no RssFile in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_reading_a_big_pack_does_not_keep_it_resident(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "MAPPED_RESIDENT_BYTES", 1 << 20)
    writer = packs.PackWriter(str(tmp_path / "packs"))
    oids = [writer_add(writer, os.urandom(8192)) for _ in range(4000)]  # 32 MiB
    writer.finish()
    table = packs.load_all(str(tmp_path / "packs"))
    reader = packs.PackReader()
    before = _rss_file_kib()
    for oid in oids:
        reader.read(table[oid])
    grown = _rss_file_kib() - before
    reader.close()
    assert grown < 8 << 10, f"{grown} KiB of the 32 MiB pack stayed resident"
