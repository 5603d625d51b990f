"""Pointer files that Git left conflicted, folders standing where a pointer must be, and data
names too long for their pointer: one clear line each, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import assert_clean_error, git, mlgit, write


def _conflicted(repo: Path) -> None:
    """Two branches that changed the same artifact, merged: Git leaves conflict markers."""
    write(repo / "model.bin", b"base")
    mlgit(repo, "add", "model.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "theirs")
    write(repo / "model.bin", b"their model")
    mlgit(repo, "add", "model.bin")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    write(repo / "model.bin", b"our model")
    mlgit(repo, "add", "model.bin")
    git(repo, "commit", "-qam", "ours")
    merge = __import__("subprocess").run(["git", "merge", "theirs"], cwd=repo,
                                         capture_output=True, text=True)
    assert merge.returncode != 0 and "CONFLICT" in merge.stdout
    assert b"<<<<<<<" in (repo / "model.bin.mlgit").read_bytes()


def test_a_pointer_with_merge_conflict_markers(repo: Path) -> None:
    _conflicted(repo)
    hint = "git checkout --ours -- model.bin.mlgit"
    assert_clean_error(mlgit(repo, "status", "model.bin", code=None),
                       "merge conflict in model.bin.mlgit", hint)
    assert_clean_error(mlgit(repo, "checkout", "model.bin", code=None),
                       "merge conflict in model.bin.mlgit", hint)
    status = mlgit(repo, "status", code=1)
    assert "error: merge conflict in model.bin.mlgit" in status.err and hint in status.err
    assert "model.bin" not in status.out  # stdout: the listing of what could be read
    checkout = mlgit(repo, "checkout", code=1)
    assert "merge conflict in model.bin.mlgit" in checkout.err and hint in checkout.err
    assert "a missing object" not in checkout.err
    listed = mlgit(repo, "ls", code=1)
    assert "merge conflict" in listed.out
    (repo.parent / "store").mkdir()
    mlgit(repo, "remote", "add", "origin", str(repo.parent / "store"))
    for command in ("push", "pull"):
        moved = mlgit(repo, command, code=1)
        assert "error: model.bin.mlgit: merge conflict in model.bin.mlgit" in moved.err
        assert f"hint: pick a side with '{hint}'" in moved.err and "retry" not in moved.err
    gc = mlgit(repo, "gc", "-f", code=1)
    assert "merge conflict in model.bin.mlgit" in gc.err and hint in gc.err
    # The way out the hint gives works.
    git(repo, "checkout", "--theirs", "--", "model.bin.mlgit")
    mlgit(repo, "checkout", "--force")
    assert (repo / "model.bin").read_bytes() == b"their model"


def test_a_pointer_name_that_is_a_folder(repo: Path) -> None:
    write(repo / "f.bin", b"data")
    write(repo / "f.bin.mlgit" / "x", b"someone's folder")
    assert_clean_error(mlgit(repo, "add", "f.bin", code=None),
                       "f.bin.mlgit: is a folder", "rename or move the folder f.bin.mlgit")
    assert os.listdir(repo / ".mlgit" / "cache") in ([], ["tmp"]) \
        or not any((repo / ".mlgit" / "cache").rglob("*.pack"))
    assert not (repo / ".gitignore").exists()
    for command in ("checkout", "status", "unprotect", "rm"):
        assert_clean_error(mlgit(repo, command, "f.bin", code=None),
                           "f.bin.mlgit: is a folder, not a pointer file")
    assert (repo / "f.bin.mlgit" / "x").read_bytes() == b"someone's folder"


def test_a_name_too_long_for_its_pointer_is_refused_before_anything_is_written(
        repo: Path) -> None:
    limit = os.pathconf(repo, "PC_NAME_MAX")
    name = "m" * (limit - 3)  # fits; NAME.mlgit does not
    write(repo / name, b"data")
    assert_clean_error(mlgit(repo, "add", name, code=None), "too long for its pointer file",
                       f"at most {limit - 6} bytes")
    assert sorted(p.name for p in repo.iterdir()) == [".git", ".mlgit", name]
    assert not [p for p in (repo / ".mlgit" / "cache").rglob("*") if p.is_file()]
    fits = "n" * (limit - 6)
    write(repo / fits, b"data")
    mlgit(repo, "add", fits)
    assert (repo / f"{fits}.mlgit").is_file()
