"""Which objects the packs hold, from the pack indexes' records (presence.PackPresence): the
same answers as the store's pack table (packs.load_all) for one oid and for many, whichever
way `not_packed` takes (a lookup per oid, or every record streamed through a set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgit.storage import packs
from mlgit.storage.presence import PackPresence

# Oids often share their first 8 bytes, so lookups must look past the part they search by.
heads = st.one_of(st.sampled_from([b"\x00" * 8, b"\x12" * 8, b"\xff" * 8]),
                  st.binary(min_size=8, max_size=8))
oids = st.tuples(heads, st.binary(min_size=8, max_size=8)).map(lambda t: (t[0] + t[1]).hex())
per_pack = st.lists(st.lists(oids, max_size=40, unique=True), max_size=6)


def _write_packs(folder: Path, packed: list[list[str]], set_aside: list[set[str]]) -> None:
    folder.mkdir()
    for n, oids_of_pack in enumerate(packed):
        entries = {oid: (i, 1) for i, oid in enumerate(oids_of_pack)}
        name, index = packs.build_index(entries)
        name = f"{n:02x}{name[2:]}"  # packs of the same objects apart
        (folder / f"{name}.pack").write_bytes(b"x" * max(1, len(entries)))
        (folder / f"{name}.idx").write_bytes(index)
        for oid in set_aside[n]:
            packs.mark_set_aside(str(folder / f"{name}.pack"), oid)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_pack, st.data())
def test_presence_answers_as_the_pack_table_does(tmp_path_factory: pytest.TempPathFactory,
                                                 packed: list[list[str]],
                                                 data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("store") / "packs"
    set_aside = [set(data.draw(st.lists(st.sampled_from(p), max_size=3))) if p else set()
                 for p in packed]
    _write_packs(folder, packed, set_aside)
    table = packs.load_all(str(folder))
    presence = PackPresence(str(folder))
    others = data.draw(st.lists(oids, max_size=5))
    every = [oid for p in packed for oid in p]
    for oid in [*every, *others, "", "xyz", "0" * 31, "0" * 34, "g" * 32]:
        assert (oid in presence) == (oid in table), oid
    expected = {oid for oid in [*every, *others] if oid not in table}
    assert presence.not_packed([*every, *others]) == expected  # streamed (many asked)
    for oid in [*every[:3], *others]:  # looked up one by one (few asked, many records)
        assert presence.not_packed([oid]) == ({oid} - set(table)), oid


def test_not_packed_streams_many_oids_and_looks_up_few(tmp_path: Path) -> None:
    """Both ways give the answer, whatever the mix of packs, set-aside copies and oids."""
    packed = [[os.urandom(16).hex() for _ in range(300)] for _ in range(3)]
    packed[2] += packed[0][:50]  # in two packs
    aside = {packed[0][0], packed[0][60], packed[1][0]}  # packed[0][0] is in packs 0 and 2
    _write_packs(tmp_path / "packs", packed, [{packed[0][0], packed[0][60]}, {packed[1][0]},
                                              set()])
    assert len(list((tmp_path / "packs").glob("*.quarantined"))) == 3
    presence = PackPresence(str(tmp_path / "packs"))
    absent = {os.urandom(16).hex() for _ in range(20)}
    every = {oid for p in packed for oid in p}
    gone = aside - {packed[0][0]}
    assert presence.not_packed(every | absent) == absent | gone
    for oid in [*absent, *aside, packed[2][-1]]:
        assert presence.not_packed([oid]) == ({oid} & (absent | gone))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "pack missing"])
def test_a_damaged_index_holds_nothing_and_is_named(tmp_path: Path, damage: str) -> None:
    good = [os.urandom(16).hex() for _ in range(10)]
    bad = [os.urandom(16).hex() for _ in range(10)]
    _write_packs(tmp_path / "packs", [good, bad], [set(), set()])
    idx = sorted((tmp_path / "packs").glob("01*.idx"))[0]
    raw = idx.read_bytes()
    if damage == "garbage":
        idx.write_bytes(raw[:30] + b"garbage" + raw[37:])
    elif damage == "truncated":
        idx.write_bytes(raw[:-20])
    else:
        idx.with_suffix(".pack").unlink()
    damaged: list[str] = []
    presence = PackPresence(str(tmp_path / "packs"), damaged)
    assert damaged == [f"packs/{idx.name}"]
    assert presence.not_packed(good + bad) == set(bad)
    assert not any(oid in presence for oid in bad)
    assert all(oid in presence for oid in good)


def test_no_packs_folder_holds_nothing(tmp_path: Path) -> None:
    presence = PackPresence(str(tmp_path / "nowhere"))
    assert presence.not_packed(["0" * 32]) == {"0" * 32}
    assert "0" * 32 not in presence
