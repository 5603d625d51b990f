"""Thousands of files through add, status, checkout and an incremental add: the paths that
a million-file folder takes (compacted state records, column-built manifests, scan records
freed as they are stored), checked with the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from mlgit.commands.add import add
from mlgit.repo import Repo
from mlgit.storage import manifests
from mlgit.storage.state import State
from mlgit.storage.state_entries import RACY_NS, fresh_oid
from mlgit.workspace import scan
from tests.conftest import mlgit, read_tree

FILES = 6000  # more than scan.COMPACT_EVERY / 10 folders, and above the worker threshold


def _make(root: Path, count: int) -> dict[str, bytes]:
    files = {}
    for i in range(count):
        rel = f"d{i // 600:02d}/s{i // 60 % 10}/f{i:05d}.bin"
        files[rel] = f"file {i}\n".encode() * (1 + i % 7)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    old = time.time_ns() - 10 * RACY_NS  # past the racy window: the state DB vouches
    for rel in files:
        os.utime(root / rel, ns=(old, old))
    return files


def test_add_status_change_and_checkout_of_thousands_of_files(
        repo: Path, opened: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _make(repo / "data", FILES)
    # the first add in this process, compacting the state records every 1000 files
    monkeypatch.setattr(scan, "COMPACT_EVERY", 1000)
    add(opened, [str(repo / "data")])
    opened.close()
    assert "data: unchanged" in mlgit(repo, "status").out
    # every file's hash was remembered: a second add hashes nothing and changes nothing
    state = State(str(repo / ".mlgit" / "tmp" / "state.db"))
    for rel in list(files)[::997]:
        assert fresh_oid(state.get(f"data/{rel}"), os.lstat(repo / "data" / rel)) is not None
    state.close()
    before = (repo / "data.mlgit").read_bytes()
    mlgit(repo, "add", "data")
    assert (repo / "data.mlgit").read_bytes() == before

    changed = sorted(files)[::600][:10]
    for rel in changed:
        (repo / "data" / rel).write_bytes(b"changed " + rel.encode())
    out = mlgit(repo, "status", "--json").out
    modified = sorted(json.loads(out)[0]["modified"])
    assert modified == changed
    mlgit(repo, "add", "data")
    assert "data: unchanged" in mlgit(repo, "status").out
    want = {**files, **{rel: b"changed " + rel.encode() for rel in changed}}

    shutil.rmtree(repo / "data")
    mlgit(repo, "checkout", "data")
    assert read_tree(repo / "data") == want


def test_state_records_survive_compaction(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    st = os.lstat(tmp_path / "f")
    state = State(str(tmp_path / "state.db"))
    expected = {}
    for i in range(5000):
        rel = f"d{i % 7}/e{i % 3}/f{i}"
        oid = f"{i:032x}"
        state.remember(rel, st, oid, now_ns=st.st_mtime_ns + 10 * RACY_NS)
        expected[rel] = oid
        if i % 1500 == 0:
            state.compact()
    # a later record of a file recorded before compaction wins
    state.remember("d0/e0/f0", st, "f" * 32, now_ns=st.st_mtime_ns + 10 * RACY_NS)
    expected["d0/e0/f0"] = "f" * 32
    state.close()
    again = State(str(tmp_path / "state.db"))
    for rel, oid in expected.items():
        assert fresh_oid(again.get(rel), st) == oid, rel
    again.close()


def test_a_column_built_manifest_is_the_canonical_form() -> None:
    states = {f"d{i % 13}/f{i}": (f"{i:032x}", i, i % 5 == 0) for i in range(4000)}
    built = manifests.Manifest.from_states(states)
    entries = [manifests.Entry(p, *s) for p, s in reversed(list(states.items()))]
    old_way = manifests.Manifest.from_entries(entries)
    data = manifests.dumps(built)
    assert data == manifests.dumps(old_way)
    # what the whole-document form gave (so oids of existing manifests are unchanged)
    doc = {"version": 1, "paths": old_way.paths, "oids": old_way.oids,
           "sizes": old_way.sizes, "exec": old_way.execs}
    assert data == json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    # an unsorted manifest is written sorted
    shuffled = manifests.Manifest(built.paths[::-1], built.oids[::-1], built.sizes[::-1],
                                  built.execs[::-1])
    assert manifests.dumps(shuffled) == data
    back = manifests.loads(data, "test")
    assert (back.paths, back.oids, back.sizes, back.execs) == \
        (built.paths, built.oids, built.sizes, built.execs)
