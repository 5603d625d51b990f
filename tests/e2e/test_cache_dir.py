"""cache.dir puts the cache elsewhere; Git worktrees share the main worktree's cache; two
repositories may share one cache folder."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import assert_clean_error, cache_oids, git, make_tree, mlgit

DATA = {"model.bin": b"m" * 5000, "data/a.txt": b"a", "data/sub/b.bin": b"b" * 3000}


def _commit_data(repo: Path, files: dict[str, bytes] = DATA) -> None:
    make_tree(repo, files)
    mlgit(repo, "add", *sorted({p.split("/")[0] for p in files}))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")


def _objects(folder: Path) -> list[str]:
    from mlgit.storage.objects import LocalODB

    return sorted(LocalODB(str(folder)).iter_oids())


@contextmanager
def _flock(path: Path, mode: int) -> Iterator[None]:
    fd = os.open(path, os.O_RDONLY | os.O_CREAT)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)


def test_relative_cache_dir_is_taken_from_the_repository_root(repo: Path) -> None:
    shared = repo.parent / "shared-cache"
    shared.mkdir()
    (repo / "sub").mkdir()
    assert mlgit(repo / "sub", "config", "cache.dir", "../shared-cache").out.strip() \
        == "../shared-cache"
    _commit_data(repo)
    assert len(_objects(shared)) == 4  # two files, one folder manifest, one more file
    assert cache_oids(repo) == []
    (repo / "model.bin").unlink()
    mlgit(repo, "checkout")
    assert (repo / "model.bin").read_bytes() == DATA["model.bin"]
    assert mlgit(repo, "status", "--quiet").code == 0
    assert str(shared) in mlgit(repo, "version").out


def test_absolute_cache_dir_in_the_local_settings(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "disk" / "cache"
    elsewhere.mkdir(parents=True)
    mlgit(repo, "config", "--local", "cache.dir", str(elsewhere))
    _commit_data(repo)
    assert len(_objects(elsewhere)) == 4 and cache_oids(repo) == []
    assert mlgit(repo, "config", "cache.dir").out.strip() == str(elsewhere)


def test_a_cache_dir_that_does_not_exist_is_refused(repo: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert_clean_error(mlgit(repo, "config", "cache.dir", str(missing), code=1),
                       f"cache.dir: {missing} is not an existing folder", "mkdir -p")
    assert "nowhere" not in (repo / ".mlgit" / "config.yaml").read_text()
    assert_clean_error(mlgit(repo, "config", "cache.dir", "", code=1), "cache.dir")
    # a cache folder that goes away later (an unmounted disk) is said so, and nothing written
    missing.mkdir()
    mlgit(repo, "config", "cache.dir", str(missing))
    missing.rmdir()
    make_tree(repo, {"x.bin": b"x"})
    assert_clean_error(mlgit(repo, "add", "x.bin", code=1),
                       f"cache.dir: the cache folder {missing} does not exist",
                       "mlgit config cache.dir PATH")
    assert not (repo / "x.bin.mlgit").exists() and not missing.exists()
    assert_clean_error(mlgit(repo, "checkout", code=1), "does not exist")


def test_two_repositories_share_one_cache(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "team-cache"
    shared.mkdir()
    mlgit(repo, "config", "--local", "cache.dir", str(shared))
    _commit_data(repo)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    mlgit(other, "config", "--local", "cache.dir", str(shared))
    out = mlgit(other, "checkout")  # no fetch: the objects are in the shared cache
    assert "model.bin: 1 restored" in out.out
    assert (other / "data" / "sub" / "b.bin").read_bytes() == DATA["data/sub/b.bin"]
    assert git(other, "status", "--porcelain") == ""
    # adding in one repository while the other adds the same content: write-once objects
    make_tree(other, {"new.bin": b"n" * 4000})
    make_tree(repo, {"new.bin": b"n" * 4000})
    mlgit(other, "add", "new.bin")
    mlgit(repo, "add", "new.bin")
    assert len(_objects(shared)) == 5


def test_gc_on_a_cache_set_by_cache_dir_needs_force(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "team-cache"
    shared.mkdir()
    mlgit(repo, "config", "--local", "cache.dir", str(shared))
    _commit_data(repo)
    for version in (b"changed", b"changed again"):  # the first is referenced by nothing
        make_tree(repo, {"model.bin": version})
        mlgit(repo, "add", "model.bin")
    before = _objects(shared)
    assert_clean_error(mlgit(repo, "gc", code=1),
                       "is set by cache.dir and may be shared with other repositories",
                       "mlgit gc -f")
    assert _objects(shared) == before
    assert "would remove 1 object" in mlgit(repo, "gc", "--dry-run").out
    assert "removed 1 object" in mlgit(repo, "gc", "-f").out
    assert len(_objects(shared)) == len(before) - 1


def test_a_git_worktree_uses_the_main_worktrees_cache(repo: Path, tmp_path: Path) -> None:
    _commit_data(repo)
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(wt))
    out = mlgit(wt, "checkout")  # no fetch, no copy of the cache
    assert "data: 2 restored" in out.out
    assert (wt / "model.bin").read_bytes() == DATA["model.bin"]
    assert not (wt / ".mlgit" / "cache").exists()
    assert (wt / ".mlgit" / "tmp" / "state.db").exists()  # the state DB stays per worktree
    assert git(wt, "status", "--porcelain") == ""
    assert str(repo / ".mlgit" / "cache") in mlgit(wt, "version").out
    # what one worktree adds, the other can check out
    make_tree(wt, {"extra.bin": b"e" * 2000})
    mlgit(wt, "add", "extra.bin")
    git(wt, "add", "-A")
    git(wt, "commit", "-qm", "extra")
    git(repo, "merge", "-q", "feature")
    assert "extra.bin: 1 restored" in mlgit(repo, "checkout").out
    assert not (wt / ".mlgit" / "cache").exists()


def test_gc_keeps_what_every_worktree_needs(repo: Path, tmp_path: Path) -> None:
    _commit_data(repo)
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(wt))
    mlgit(wt, "checkout")
    make_tree(wt, {"model.bin": b"only in the worktree"})
    mlgit(wt, "add", "model.bin")
    for version in (b"referenced by nothing", b"only in main"):
        make_tree(repo, {"model.bin": version})
        mlgit(repo, "add", "model.bin")
    # neither pointer is committed: gc in main keeps what the worktree's pointer names
    assert "removed 1 object" in mlgit(repo, "gc", "-f").out
    for tree in (repo, wt):
        (tree / "model.bin").unlink()
        mlgit(tree, "checkout")
    assert (wt / "model.bin").read_bytes() == b"only in the worktree"
    assert (repo / "model.bin").read_bytes() == b"only in main"
    assert "removed 0 object" in mlgit(wt, "gc", "-f").out


def test_a_worktree_can_have_its_own_cache(repo: Path, tmp_path: Path) -> None:
    _commit_data(repo)
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "HEAD")
    assert_clean_error(mlgit(wt, "config", "cache.dir", ".mlgit/own", code=1),
                       "linked Git worktree", "--local")
    (wt / ".mlgit" / "own").mkdir()
    mlgit(wt, "config", "--local", "cache.dir", ".mlgit/own")
    result = mlgit(wt, "checkout", code=1)  # its own cache is empty
    assert "object not in the cache" in result.err


def test_gc_waits_for_writers_of_other_work_trees(repo: Path, tmp_path: Path) -> None:
    _commit_data(repo)
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "HEAD")
    for tree in (repo, wt):
        mlgit(tree, "config", "--local", "core.lock_timeout", "0.2")
    lock = repo / ".mlgit" / "cache" / "lock"
    with _flock(lock, fcntl.LOCK_SH):  # a writer in some work tree using this cache
        assert_clean_error(mlgit(wt, "gc", "-f", code=1),
                           "another mlgit command is using the cache")
        mlgit(wt, "checkout")  # writers share the cache
    with _flock(lock, fcntl.LOCK_EX):  # gc running in some work tree
        make_tree(wt, {"n.bin": b"n"})
        assert_clean_error(mlgit(wt, "add", "n.bin", code=1),
                           "mlgit gc is cleaning the cache")
