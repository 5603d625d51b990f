"""gc never deletes what history it cannot see needs: a shallow clone with --all-... and a
registered worktree whose folder is missing are refused, locally and on a remote."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, cache_oids, git, mlgit, write


def remote_files(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file())


@pytest.fixture
def pushed_history(tmp_path: Path) -> tuple[Path, Path]:
    """A bare origin with main (v1, v2) and a branch exp, all data on the remote `store`."""
    store = tmp_path / "store"
    store.mkdir()
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    git(work, "remote", "add", "origin", str(origin))
    mlgit(work, "init")
    mlgit(work, "remote", "add", "store", str(store), "--default")
    for branch, word in (("main", "v1"), ("exp", "exp"), ("main", "v2")):
        if branch == "exp":
            git(work, "checkout", "-qb", "exp")
        elif word == "v2":
            git(work, "checkout", "-q", "main")
        write(work / "model.bin", word)
        mlgit(work, "add", "model.bin")
        git(work, "add", "-A")
        git(work, "commit", "-qm", word)
        mlgit(work, "push")
    git(work, "push", "-q", "origin", "main", "exp")
    shallow = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    return shallow, store


@pytest.mark.parametrize("flag", ["--all-commits", "--all-branches", "--all-tags"])
def test_remote_gc_with_history_refuses_in_a_shallow_clone(
        pushed_history: tuple[Path, Path], flag: str) -> None:
    shallow, store = pushed_history
    before = remote_files(store)
    result = mlgit(shallow, "gc", "-r", "store", flag, "--grace", "0", "-f", code=1)
    assert_clean_error(result, "this clone is shallow", flag, "git fetch --unshallow")
    assert remote_files(store) == before


def test_remote_gc_with_history_works_once_unshallowed(
        pushed_history: tuple[Path, Path]) -> None:
    shallow, _ = pushed_history
    git(shallow, "remote", "set-branches", "origin", "*")
    git(shallow, "fetch", "-q", "--unshallow")
    result = mlgit(shallow, "gc", "-r", "store", "--all-commits", "--grace", "0", "-f")
    assert "deleted 0 objects" in result.out, result.out


def test_local_gc_with_history_refuses_in_a_shallow_clone(
        pushed_history: tuple[Path, Path]) -> None:
    shallow, _ = pushed_history
    mlgit(shallow, "pull")
    before = cache_oids(shallow)
    result = mlgit(shallow, "gc", "-f", "--all-commits", code=1)
    assert_clean_error(result, "this clone is shallow", "--all-commits")
    assert cache_oids(shallow) == before


@pytest.fixture
def moved_worktree(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A linked worktree with added but uncommitted data, then moved away by hand."""
    write(repo / "a.bin", "a")
    mlgit(repo, "add", "a.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a")
    linked = tmp_path / "wt2"
    git(repo, "worktree", "add", "-q", "--detach", str(linked), "HEAD")
    write(linked / "w2.bin", "wt2 work")
    mlgit(linked, "add", "w2.bin")
    moved = tmp_path / "wt2-moved"
    linked.rename(moved)
    return repo, linked


def test_gc_refuses_while_a_worktree_is_missing(moved_worktree: tuple[Path, Path]) -> None:
    repo, linked = moved_worktree
    before = cache_oids(repo)
    for args in (["gc", "-f"], ["gc", "-n"]):
        result = mlgit(repo, *args, code=1)
        assert_clean_error(result, f"worktree {linked}", "is missing", "git worktree prune")
    assert cache_oids(repo) == before


def test_gc_runs_again_once_the_worktree_is_pruned(moved_worktree: tuple[Path, Path]) -> None:
    repo, _ = moved_worktree
    git(repo, "worktree", "prune")
    result = mlgit(repo, "gc", "-f")
    assert result.out.startswith("removed 1 object(s)"), result.out


def test_remote_gc_refuses_while_a_worktree_is_missing(
        moved_worktree: tuple[Path, Path], tmp_path: Path) -> None:
    repo, linked = moved_worktree
    store = tmp_path / "store"
    store.mkdir()
    for tree in (repo, tmp_path / "wt2-moved"):
        mlgit(tree, "remote", "add", "store", str(store), "--default")
    mlgit(tmp_path / "wt2-moved", "push")  # the moved worktree's data is on the remote only
    before = remote_files(store)
    result = mlgit(repo, "gc", "-r", "store", "--grace", "0", "-f", code=1)
    assert_clean_error(result, f"worktree {linked}", "is missing")
    assert remote_files(store) == before
