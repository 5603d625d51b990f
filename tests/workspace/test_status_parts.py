"""A status after a few changes compares only the top-level parts of a folder whose part of
the fingerprint changed (workspace/unchanged.py, listing.py), and still sees every change:
with GNU find doing the walk, and with the walk in Python where find is not on the PATH."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from mlgit.storage.state import State
from mlgit.workspace.listing import folder_listing
from tests.conftest import mlgit, write
from tests.workspace.test_unchanged import backdate, memo_entries

PARTS = 6
WALKS = ["find", "python"]


@pytest.fixture(params=WALKS)
def walk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         monkeypatch: pytest.MonkeyPatch) -> str:
    """"find", or "python": a PATH with git and nothing else, so no find."""
    if request.param == "find":
        if shutil.which("find") is None:
            pytest.skip("no find on this system")
        return "find"
    bin_dir = tmp_path_factory.mktemp("bin")
    git = shutil.which("git")
    assert git is not None
    os.symlink(git, bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    return "python"


@pytest.fixture
def parts(repo: Path, walk: str) -> Path:
    """A folder of PARTS top-level subfolders (two levels deep) and a file at the top, added,
    its clean status remembered."""
    for i in range(PARTS):
        for j in range(2):
            write(repo / "data" / f"p{i}" / f"s{j}" / f"f{j}.txt", f"content {i} {j}")
    write(repo / "data" / "top.txt", "top")
    mlgit(repo, "add", "data")
    backdate(repo / "data")
    time.sleep(0.06)  # every ctime (moved by the backdating) is past the racy margin
    assert mlgit(repo, "status").out == "data: unchanged\n"
    assert "data" in memo_entries(repo)
    return repo


def status_lines(repo: Path) -> list[str]:
    return mlgit(repo, "status").lines


def test_an_edit_in_one_part_is_seen_and_only_that_part_is_read_again(parts: Path) -> None:
    (parts / ".mlgit" / "tmp" / "state.db").unlink()  # what is read again is recorded again
    write(parts / "data" / "p1" / "s0" / "f0.txt", "edited, longer")
    assert status_lines(parts) == ["data: modified", "    modified: p1/s0/f0.txt"]
    assert recorded(parts, "data/p1/s0/f0.txt")
    assert not recorded(parts, "data/p1/s1/f1.txt")  # another part: not read
    assert not recorded(parts, "data/p2/s0/f0.txt")


def recorded(repo: Path, rel: str) -> bool:
    """Whether the state DB holds what the file at `rel` was last found to hold."""
    state = State(str(repo / ".mlgit" / "tmp" / "state.db"))
    try:
        return state.get(rel) is not None
    finally:
        state.close()


def test_a_folder_with_few_subfolders_is_cut_deeper(repo: Path, walk: str) -> None:
    for split, classes in (("train", 8), ("val", 2)):
        for c in range(classes):
            for k in range(2):
                write(repo / "data" / split / f"c{c}" / f"{k}.txt", f"{split} {c} {k}")
    write(repo / "data" / "readme.txt", "r")
    listing = folder_listing(str(repo / "data"), 33)
    assert listing is not None
    assert sorted(listing.parts) == ["", *sorted(f"{split}/c{c}" for split, classes in
                                                 (("train", 8), ("val", 2))
                                                 for c in range(classes))]
    mlgit(repo, "add", "data")
    backdate(repo / "data")
    time.sleep(0.06)
    assert status_lines(repo) == ["data: unchanged"]
    (repo / ".mlgit" / "tmp" / "state.db").unlink()
    write(repo / "data" / "train" / "c3" / "0.txt", "edited")
    assert status_lines(repo) == ["data: modified", "    modified: train/c3/0.txt"]
    assert recorded(repo, "data/train/c3/1.txt")
    assert not recorded(repo, "data/train/c4/1.txt")
    write(repo / "data" / "readme.txt", "R")  # above the parts: all of it is compared
    assert status_lines(repo) == ["data: modified", "    modified: readme.txt",
                                  "    modified: train/c3/0.txt"]
    assert recorded(repo, "data/train/c4/1.txt")


CHANGES = ["same_size_edit", "new_file", "deleted_file", "renamed_file", "new_folder_in_part",
           "file_for_folder_in_part", "folder_for_file_in_part", "replaced_same_times",
           "two_parts", "new_part", "deleted_part", "top_file", "symlink"]


def make_change(data: Path, change: str) -> list[str]:
    """Make `change` in the remembered folder; the lines status must print for it."""
    if change == "same_size_edit":
        (data / "p2" / "s1" / "f1.txt").write_text("CONTENT 2 1")
        return ["    modified: p2/s1/f1.txt"]
    if change == "new_file":
        write(data / "p3" / "s0" / "new.txt", "new")
        return ["    added: p3/s0/new.txt"]
    if change == "deleted_file":
        (data / "p4" / "s1" / "f1.txt").unlink()
        return ["    deleted: p4/s1/f1.txt"]
    if change == "renamed_file":
        (data / "p0" / "s0" / "f0.txt").rename(data / "p0" / "s0" / "g0.txt")
        return ["    added: p0/s0/g0.txt", "    deleted: p0/s0/f0.txt"]
    if change == "new_folder_in_part":
        write(data / "p5" / "s9" / "x.txt", "x")
        return ["    added: p5/s9/x.txt"]
    if change == "file_for_folder_in_part":
        shutil.rmtree(data / "p1" / "s1")
        write(data / "p1" / "s1", "now a file")
        return ["    added: p1/s1", "    deleted: p1/s1/f1.txt"]
    if change == "folder_for_file_in_part":
        (data / "p1" / "s0" / "f0.txt").unlink()
        write(data / "p1" / "s0" / "f0.txt" / "inner.txt", "content 1 0")
        return ["    added: p1/s0/f0.txt/inner.txt", "    deleted: p1/s0/f0.txt"]
    if change == "replaced_same_times":
        # another file (another inode) of the same size, given the old one's times
        old = data / "p2" / "s0" / "f0.txt"
        st = old.stat()
        new = write(data / "p2" / "s0" / "tmp", "CONTENT 2 0")
        os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
        new.rename(old)
        return ["    modified: p2/s0/f0.txt"]
    if change == "two_parts":
        write(data / "p0" / "s1" / "f1.txt", "edited 0 1")
        write(data / "p5" / "s0" / "f0.txt", "edited 5 0")
        return ["    modified: p0/s1/f1.txt", "    modified: p5/s0/f0.txt"]
    if change == "new_part":
        write(data / "p9" / "x.txt", "x")
        return ["    added: p9/x.txt"]
    if change == "deleted_part":
        shutil.rmtree(data / "p3")
        return ["    deleted: p3/s0/f0.txt", "    deleted: p3/s1/f1.txt"]
    if change == "top_file":
        write(data / "top.txt", "top, edited")
        return ["    modified: top.txt"]
    assert change == "symlink"
    os.symlink("f0.txt", data / "p4" / "s0" / "link")
    return ["    added: p4/s0/link"]


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_after_a_remembered_status_is_seen(parts: Path, change: str) -> None:
    expected = make_change(parts / "data", change)
    for _ in range(2):  # the second time, the memo still holds the clean folder's parts
        lines = status_lines(parts)
        assert lines[0] == "data: modified", lines
        assert sorted(lines[1:]) == sorted(expected), lines


def test_parts_changed_back_are_unchanged_and_remembered_again(parts: Path) -> None:
    before = memo_entries(parts)["data"]
    write(parts / "data" / "p1" / "s0" / "f0.txt", "content 1 0")  # the same content
    backdate(parts / "data" / "p1")
    time.sleep(0.06)
    assert status_lines(parts) == ["data: unchanged"]
    after = memo_entries(parts)["data"]
    assert after[2] != before[2]  # the new fingerprint is remembered
    assert status_lines(parts) == ["data: unchanged"]


def test_the_walks_give_a_fingerprint_that_sees_every_kind_of_change(
        tmp_path: Path, walk: str) -> None:
    for i in range(4):
        write(tmp_path / f"d{i}" / "s" / "f.txt", str(i))
    write(tmp_path / "top.txt", "t")

    def digest() -> bytes | None:
        listing = folder_listing(str(tmp_path), 5)
        return None if listing is None else listing.digest

    first = digest()
    assert first is not None and digest() == first
    seen = {first}
    f = tmp_path / "d1" / "s" / "f.txt"
    for change in (lambda: os.chmod(f, 0o755),
                   lambda: os.utime(f, ns=(0, f.stat().st_mtime_ns)),  # ctime only
                   lambda: f.write_text("2"),  # same size
                   lambda: (tmp_path / "d2" / "s" / "empty").mkdir(),
                   lambda: (tmp_path / "d3" / "s" / "f.txt").rename(tmp_path / "d3" / "g")):
        change()
        now = digest()
        assert now is not None and now not in seen
        seen.add(now)
    os.symlink("f.txt", tmp_path / "d0" / "s" / "link")
    assert digest() is None


def test_a_fingerprint_is_settled_only_once_every_time_is_past(tmp_path: Path, walk: str
                                                               ) -> None:
    write(tmp_path / "top.txt", "t")
    f = write(tmp_path / "d0" / "s" / "f.txt", "x")
    ctime = f.stat().st_ctime_ns

    def settled(before: int) -> bool:
        listing = folder_listing(str(tmp_path), 2, before)
        assert listing is not None
        return listing.settled

    assert not settled(ctime)
    assert settled(ctime + 1)
    os.utime(f, ns=(0, ctime + 10**9))  # an mtime in the future
    ctime = f.stat().st_ctime_ns
    assert not settled(ctime + 1)
    assert settled(ctime + 10**9 + 1)
