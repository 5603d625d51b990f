"""gc keeps what the last commit's pointers need, not only what the work tree's pointers need."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import (
    assert_clean_error,
    cache_oids,
    delete_object,
    git,
    make_tree,
    mlgit,
    read_tree,
    write,
)

FILES = {"f ü.bin": b"v1" * 5000, "sub/dä ta/x.bin": b"x1", "d/a": b"a1", "d/s/b": b"b1" * 9000,
         "gone.bin": b"gone", "gone dir/z": b"z1"}


def _committed(repo: Path) -> None:
    make_tree(repo, FILES)
    mlgit(repo, "add", "f ü.bin", "sub/dä ta/x.bin", "d", "gone.bin", "gone dir")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")


def test_gc_keeps_what_head_needs_after_re_adds_and_deleted_pointers(repo: Path) -> None:
    _committed(repo)
    # change everything without committing: re-add changed data, delete two pointers
    make_tree(repo, {"f ü.bin": b"v2", "sub/dä ta/x.bin": b"x2" * 9000, "d/a": b"a2",
                     "d/s/b": b"b2"})
    mlgit(repo, "add", "f ü.bin", "sub/dä ta/x.bin", "d")
    os.remove(repo / "gone.bin.mlgit")
    os.remove(repo / "gone dir.mlgit")
    before = cache_oids(repo)
    out = mlgit(repo, "gc", "-f").out
    assert "removed 0 object(s)" in out
    assert cache_oids(repo) == before
    assert mlgit(repo, "status", "-q").code == 0  # the work tree's data is kept too
    # going back to the last commit restores every byte
    git(repo, "checkout", "HEAD", "--", ".")
    mlgit(repo, "checkout")
    tree = read_tree(repo)
    assert {k: tree[k] for k in FILES} == FILES


def test_gc_deletes_what_neither_head_nor_the_work_tree_needs(repo: Path) -> None:
    _committed(repo)
    write(repo / "f ü.bin", b"v2")
    mlgit(repo, "add", "f ü.bin")
    write(repo / "f ü.bin", b"v3")
    mlgit(repo, "add", "f ü.bin")  # v2 was never committed and is no longer in the work tree
    out = mlgit(repo, "gc", "-f").out
    assert "removed 1 object(s), 2 B" in out
    git(repo, "checkout", "HEAD", "--", ".")
    mlgit(repo, "checkout")
    assert (repo / "f ü.bin").read_bytes() == FILES["f ü.bin"]


def test_gc_in_a_repository_without_commits(repo: Path) -> None:
    write(repo / "f.bin", "v1")
    mlgit(repo, "add", "f.bin")
    write(repo / "f.bin", "v2")
    mlgit(repo, "add", "f.bin")
    assert "removed 1 object(s)" in mlgit(repo, "gc", "-f").out
    assert mlgit(repo, "status", "-q").code == 0


def test_gc_refuses_when_a_pointer_at_head_is_unreadable(repo: Path) -> None:
    write(repo / "f.bin", "v1")
    mlgit(repo, "add", "f.bin")
    write(repo / "broken.bin.mlgit", "not: [valid")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "broken pointer")
    os.remove(repo / "broken.bin.mlgit")  # gone from the work tree, still at HEAD
    write(repo / "f.bin", "v2")
    mlgit(repo, "add", "f.bin")
    before = cache_oids(repo)
    result = mlgit(repo, "gc", "-f", code=1)
    assert_clean_error(result, "broken.bin.mlgit at HEAD: cannot read pointer", "git rm")
    assert cache_oids(repo) == before


def test_gc_refuses_when_a_folder_manifest_at_head_is_missing(repo: Path) -> None:
    _committed(repo)
    old_manifest = (repo / "d.mlgit").read_text().split('oid: "')[1][:32]
    write(repo / "d" / "a", "a2")
    mlgit(repo, "add", "d")
    delete_object(repo, old_manifest)
    before = cache_oids(repo)
    result = mlgit(repo, "gc", "-f", code=1)
    assert_clean_error(result, "d at HEAD: its directory manifest", "rerun gc")
    assert cache_oids(repo) == before


def test_gc_keeps_what_pointers_staged_in_the_index_need(repo: Path) -> None:
    _committed(repo)
    write(repo / "f ü.bin", b"staged version")
    mlgit(repo, "add", "f ü.bin")
    git(repo, "add", "f ü.bin.mlgit")  # staged, not committed
    write(repo / "f ü.bin", b"work tree version")
    mlgit(repo, "add", "f ü.bin")
    out = mlgit(repo, "gc", "-f").out
    assert "removed 0 object(s)" in out
    git(repo, "checkout", "--", "f ü.bin.mlgit")  # back to the staged pointer
    mlgit(repo, "checkout")
    assert (repo / "f ü.bin").read_bytes() == b"staged version"


def test_gc_refuses_when_a_staged_pointer_is_unreadable(repo: Path) -> None:
    write(repo / "f.bin", "v1")
    mlgit(repo, "add", "f.bin")
    good = (repo / "f.bin.mlgit").read_bytes()
    write(repo / "f.bin.mlgit", "not: [valid")
    git(repo, "add", "f.bin.mlgit")
    (repo / "f.bin.mlgit").write_bytes(good)
    write(repo / "f.bin", "v2")
    mlgit(repo, "add", "f.bin")
    before = cache_oids(repo)
    result = mlgit(repo, "gc", "-f", code=1)
    assert_clean_error(result, "f.bin.mlgit in Git's index: cannot read pointer",
                       "git restore --staged f.bin.mlgit")
    assert cache_oids(repo) == before
