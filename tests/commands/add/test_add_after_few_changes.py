"""An add of a tracked folder after a few changes reads only the parts of it whose
fingerprint changed since the folder last matched its recorded manifest
(workspace/folder_update.py), and writes the manifest a full add writes: the same bytes, so
the same oid. Each test checks both: the pointer against a full add of a copy of the folder
in a fresh repository (which hashes every file), and which files the add read, with the
state DB deleted before it (a file read is recorded again; a file of a part kept as
recorded is not)."""

from __future__ import annotations

import marshal
import os
import random
import shutil
import time
from pathlib import Path

import pytest

from mlgit.pointer import loads
from mlgit.storage.state import State
from mlgit.workspace.listing import folder_listing
from mlgit.workspace.unchanged import Proof, UnchangedMemo
from tests.conftest import git, mlgit, write
from tests.workspace.test_status_parts import walk  # noqa: F401  (a fixture)
from tests.workspace.test_unchanged import backdate, memo_entries

PARTS = 8
ODD_NAMES = ["a b", "a-", "a0", "é.txt", 'quote"d', "back\\slash", "tab\there", "x" * 120]


def settle(path: Path) -> None:
    """As data nobody just wrote: every mtime in the past, every ctime (moved by that) past
    the racy margin, so that an add may remember the folder's fingerprint."""
    backdate(path)
    time.sleep(0.06)


@pytest.fixture
def tracked(repo: Path, walk: str) -> Path:  # noqa: F811
    """A folder of PARTS top-level subfolders, with odd names and empty files, added while
    settled: its fingerprint is remembered."""
    for i in range(PARTS):
        for j in range(3):
            write(repo / "data" / f"p{i}" / f"s{j}" / f"f{j}.txt", f"content {i} {j}")
        write(repo / "data" / f"p{i}" / "empty", "")
    for name in ODD_NAMES:
        write(repo / "data" / "p0" / name, name)
    write(repo / "data" / "top.txt", "top")
    settle(repo / "data")
    mlgit(repo, "add", "data")
    memo = repo / ".mlgit" / "tmp" / "unchanged"
    assert not memo.exists() or "data" not in memo_entries(repo)  # a first add takes none
    mlgit(repo, "add", "data")  # the next one does
    assert memo_entries(repo)["data"][2]  # the whole folder's digest: all of it settled
    return repo


def oid_of(repo: Path) -> str:
    return loads((repo / "data.mlgit").read_bytes(), "data.mlgit").oid


def full_add_oid(repo: Path, tmp_path: Path) -> str:
    """The pointer oid of a full add of a copy of the folder, in a fresh repository."""
    other = tmp_path / f"full-{time.time_ns()}"
    other.mkdir()
    git(other, "init", "-q")
    mlgit(other, "init")
    shutil.copytree(repo / "data", other / "data", symlinks=True)
    mlgit(other, "add", "data")
    return oid_of(other)


def forget_state(repo: Path) -> None:
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        (repo / ".mlgit" / "tmp" / name).unlink(missing_ok=True)


def recorded(repo: Path, rel: str) -> bool:
    state = State(str(repo / ".mlgit" / "tmp" / "state.db"))
    try:
        return state.get(rel) is not None
    finally:
        state.close()


def test_an_edit_in_one_part_reads_only_that_part(tracked: Path, tmp_path: Path) -> None:
    forget_state(tracked)
    write(tracked / "data" / "p3" / "s1" / "f1.txt", "edited, longer")
    mlgit(tracked, "add", "data")
    assert oid_of(tracked) == full_add_oid(tracked, tmp_path)
    assert recorded(tracked, "data/p3/s1/f1.txt")
    assert not recorded(tracked, "data/p4/s0/f0.txt")  # another part: kept as recorded
    assert mlgit(tracked, "status").out == "data: unchanged\n"


def test_a_changed_ctime_alone_makes_the_part_read_again(tracked: Path, tmp_path: Path
                                                         ) -> None:
    """Same size, same mtime, other content: only the ctime tells (the state DB, deleted
    here, would not)."""
    path = tracked / "data" / "p2" / "s0" / "f0.txt"
    before = path.stat()
    path.write_text("CONTENT 2 0")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    forget_state(tracked)
    old = oid_of(tracked)
    mlgit(tracked, "add", "data")
    assert oid_of(tracked) == full_add_oid(tracked, tmp_path) != old


def test_a_part_not_settled_is_remembered_as_matching_nothing(tmp_path: Path,
                                                                walk: str) -> None:  # noqa: F811
    """A fingerprint taken a moment after a write cannot vouch for what was written (the
    same clock tick may hold a second write): the parts where a file's mtime or ctime is
    that recent are remembered with an empty digest, so the next add reads them again,
    and so is the whole folder's, so no status takes it as unchanged."""
    for i in range(4):
        write(tmp_path / "d" / f"p{i}" / "f", str(i))
    write(tmp_path / "d" / "top", "top")
    future = time.time_ns() + 10**11
    os.utime(tmp_path / "d" / "p2" / "f", ns=(future, future))
    listing = folder_listing(str(tmp_path / "d"), 5, time.time_ns())
    assert listing is not None and listing.unsettled == {"p2"} and not listing.settled
    memo = UnchangedMemo(str(tmp_path))
    proof = Proof("d", "0" * 32, b"stamp", listing)
    memo.remember(proof)
    memo.save()
    entry = marshal.loads((tmp_path / "unchanged").read_bytes())["d"]
    assert entry[2] == b"" and entry[3]["p2"] == b"" and entry[3]["p1"] == listing.parts["p1"]
    assert UnchangedMemo(str(tmp_path)).parts_to_read(proof, "0" * 32) == ["p2"]
    assert not UnchangedMemo(str(tmp_path)).vouches(proof)


def test_a_memo_of_another_version_is_not_used(tracked: Path, tmp_path: Path) -> None:
    """The memo remembers the folder for the pointer the last add wrote; with the pointer
    put back to an older version (the data left as it is), the whole folder is read."""
    first = (tracked / "data.mlgit").read_bytes()
    write(tracked / "data" / "p1" / "s0" / "f0.txt", "second version")
    settle(tracked / "data")
    mlgit(tracked, "add", "data")
    (tracked / "data.mlgit").write_bytes(first)
    forget_state(tracked)
    mlgit(tracked, "add", "data")
    assert recorded(tracked, "data/p4/s0/f0.txt")  # read: the memo was not for this pointer
    assert oid_of(tracked) == full_add_oid(tracked, tmp_path)


def test_a_kept_object_missing_from_the_cache_is_stored_again(tracked: Path,
                                                              tmp_path: Path) -> None:
    write(tracked / "data" / "p3" / "s1" / "f1.txt", "edited")
    cache = tracked / ".mlgit" / "cache"
    for path in [p for p in cache.rglob("*") if p.is_file() and "packs" not in p.parts]:
        if path.read_bytes() == b"content 6 2":
            path.chmod(0o644)
            path.unlink()
            break
    else:
        shutil.rmtree(cache / "packs", ignore_errors=True)  # packed: every object goes
    time.sleep(0.06)
    mlgit(tracked, "add", "data")
    assert oid_of(tracked) == full_add_oid(tracked, tmp_path)
    assert "missing" not in mlgit(tracked, "status").out
    shutil.rmtree(tracked / "data")
    mlgit(tracked, "checkout", "data")
    assert (tracked / "data" / "p6" / "s2" / "f2.txt").read_text() == "content 6 2"


WIDE = 70
"""Top-level subfolders of the folder the random changes are made to: as many as make each
of them a part (listing.MIN_PARTS), so that most changes leave most parts as recorded."""


@pytest.fixture
def wide(repo: Path, walk: str) -> Path:  # noqa: F811
    for i in range(WIDE):
        for j in range(2):
            write(repo / "data" / f"p{i:02}" / f"s{j}" / f"f{j}.txt", f"content {i} {j}")
        write(repo / "data" / f"p{i:02}" / "empty", "")
    for name in ODD_NAMES:
        write(repo / "data" / "p00" / name, name)
    write(repo / "data" / "top.txt", "top")
    settle(repo / "data")
    mlgit(repo, "add", "data")
    mlgit(repo, "add", "data")  # (a first add takes no fingerprint; this one does)
    return repo


def change_at_random(data: Path, rng: random.Random) -> str:
    """One random change to the folder, most of them inside a part; returns what it was."""
    parts = sorted(p for p in data.iterdir() if p.is_dir())
    part = rng.choice(parts)
    files = sorted(p for p in part.rglob("*") if p.is_file())
    kind = rng.choice(["modify", "modify", "add", "delete", "rename", "file to folder",
                       "empty", "odd name", "odd name", "top", "new part", "part deleted",
                       "folder to file"])
    victim = rng.choice(files) if files else part / "none"
    if kind == "modify" and files:
        victim.write_bytes(victim.read_bytes() + b"+")
    elif kind == "add":
        write(part / f"new{rng.randrange(1000)}" / "n.txt", "new")
    elif kind == "delete" and files:
        victim.unlink()
    elif kind == "rename" and files:
        victim.rename(rng.choice([part, rng.choice(parts)]) / f"renamed{rng.randrange(1000)}")
    elif kind == "file to folder" and files:
        victim.unlink()
        write(victim / "inside.txt", "was a file")
    elif kind == "empty" and files:
        victim.write_bytes(b"")
    elif kind == "odd name":
        write(part / rng.choice(ODD_NAMES) / rng.choice(ODD_NAMES), "odd")
    elif kind == "top":
        write(data / "top.txt", f"top {rng.random()}")
    elif kind == "new part":
        write(data / f"q{rng.randrange(1000)}" / "x.txt", "new part")
    elif kind == "part deleted":
        shutil.rmtree(part)
    elif kind == "folder to file":
        shutil.rmtree(part)
        write(part, "a file now")
    return f"{kind} {victim.relative_to(data)}"


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_give_the_manifest_of_a_full_add(wide: Path, tmp_path: Path,
                                                        seed: int) -> None:
    rng = random.Random(seed)
    partial = 0
    for _ in range(4):
        done = [change_at_random(wide / "data", rng) for _ in range(rng.randint(1, 3))]
        forget_state(wide)
        mlgit(wide, "add", "data")
        assert oid_of(wide) == full_add_oid(wide, tmp_path), done
        partial += not recorded(wide, "data/top.txt")  # read only by a full add
        settle(wide / "data")
        mlgit(wide, "add", "data")  # remembers the settled fingerprint again
    assert partial  # the changes left most parts as recorded at least once


def test_a_changed_file_a_status_hashed_is_stored(tracked: Path, tmp_path: Path) -> None:
    """status records what a changed file holds without storing it: the state DB then
    vouches for an object the cache lacks, which the add must store."""
    write(tracked / "data" / "p3" / "s1" / "f1.txt", "edited, then seen by status")
    settle(tracked / "data" / "p3" / "s1")
    assert "modified: p3/s1/f1.txt" in mlgit(tracked, "status").out
    mlgit(tracked, "add", "data")
    assert oid_of(tracked) == full_add_oid(tracked, tmp_path)
    assert "not in cache" not in mlgit(tracked, "status").out
    shutil.rmtree(tracked / "data")
    mlgit(tracked, "checkout", "data")
    assert (tracked / "data" / "p3" / "s1" / "f1.txt").read_text() == \
        "edited, then seen by status"
