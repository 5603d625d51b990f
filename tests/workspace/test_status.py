"""workspace/status.py: how an artifact differs from its pointer, in each state: unchanged,
modified, deleted, damaged, and with its objects in the cache or not."""

from __future__ import annotations

import os
from pathlib import Path

from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace.status import (
    DAMAGED,
    DELETED,
    MODIFIED,
    UNCHANGED,
    ArtifactStatus,
    artifact_status,
    part_status,
)
from tests.conftest import delete_object, mlgit, write


def added(repo: Path, opened: Repo, rel: str) -> Pointer:
    mlgit(repo, "add", rel)
    return opened.read_pointer(f"{rel}.mlgit")


def status(opened: Repo, rel: str, ptr: Pointer) -> ArtifactStatus:
    found = artifact_status(opened, rel, ptr)
    opened.state.flush()
    return found


def test_unchanged(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    ptr = added(repo, opened, "data")
    st = status(opened, "data", ptr)
    assert (st.state, st.in_cache, st.clean, st.kind) == (UNCHANGED, True, True, "dir")


def test_a_modified_file(repo: Path, opened: Repo) -> None:
    write(repo / "model.bin", "weights")
    ptr = added(repo, opened, "model.bin")
    (repo / "model.bin").write_text("retrained")
    st = status(opened, "model.bin", ptr)
    assert (st.state, st.clean) == (MODIFIED, False)


def test_a_modified_folder_lists_what_changed(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "same.txt", "same")
    write(repo / "data" / "edit.txt", "before")
    write(repo / "data" / "gone.txt", "gone")
    ptr = added(repo, opened, "data")
    (repo / "data" / "edit.txt").write_text("after")
    (repo / "data" / "gone.txt").unlink()
    write(repo / "data" / "sub" / "new.txt", "new")
    st = status(opened, "data", ptr)
    assert st.state == MODIFIED
    assert (st.added, st.modified, st.deleted) == (["sub/new.txt"], ["edit.txt"],
                                                   ["gone.txt"])


def test_deleted(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    ptr = added(repo, opened, "data")
    (repo / "data" / "a.txt").unlink()
    (repo / "data").rmdir()
    assert status(opened, "data", ptr).state == DELETED


def test_damaged_through_a_hard_link_into_the_cache(repo: Path, opened: Repo) -> None:
    mlgit(repo, "config", "cache.link", "hardlink")
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "b.txt", "bravo")
    ptr = added(repo, opened, "data")
    edited = repo / "data" / "a.txt"
    edited.chmod(0o644)
    with edited.open("r+") as f:  # in place: the cache object changes with it
        f.write("ALPHA")
    st = status(opened, "data", ptr)
    assert (st.state, st.damaged, st.modified) == (DAMAGED, ["a.txt"], [])


def test_not_in_cache(repo: Path, opened: Repo) -> None:
    write(repo / "model.bin", "weights")
    ptr = added(repo, opened, "model.bin")
    delete_object(repo, ptr.oid)
    st = status(opened, "model.bin", ptr)
    assert (st.state, st.missing_objects, st.in_cache, st.clean) == (UNCHANGED, 1, False,
                                                                     False)


def test_a_folder_whose_files_are_not_in_cache(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "b.txt", "bravo")
    ptr = added(repo, opened, "data")
    delete_object(repo, opened.manifest(ptr.oid, "data").oid_by_path()["b.txt"])
    fresh = Repo.find(str(repo))  # this one has read the cache's pack index before
    try:
        st = status(fresh, "data", ptr)
    finally:
        fresh.close()
    assert (st.state, st.missing_objects) == (UNCHANGED, 1)


def test_a_part_of_a_folder(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "sub" / "b.txt", "bravo")
    ptr = added(repo, opened, "data")
    (repo / "data" / "a.txt").write_text("changed outside the part")
    assert part_status(opened, "data", ptr, "sub").state == UNCHANGED
    (repo / "data" / "sub" / "b.txt").write_text("changed")
    st = part_status(opened, "data", ptr, "sub")
    assert (st.path, st.state, st.modified) == ("data/sub", MODIFIED, ["b.txt"])


def test_status_removes_leftovers_and_does_not_count_them(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    ptr = added(repo, opened, "data")
    leftover = write(repo / "data" / ".a.txt.999999999-0.mlgit-tmp", "half")
    assert status(opened, "data", ptr).state == UNCHANGED
    assert not leftover.exists()
    assert os.path.isdir(repo / "data")
