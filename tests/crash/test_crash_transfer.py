"""`mlgit push` and `mlgit pull` killed before each of their write steps (local folder
remote): neither the cache nor the remote holds anything corrupt, a remote chunk list never
names chunks that are not there, what an earlier push sent stays, no work-tree file is ever
torn, and running the command again gives the right bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git, mlgit
from tests.crash.harness import (
    Crash,
    cli_fsck,
    every_crash,
    fsck_problems,
    missing_oids,
    store_problems,
    stored_content,
)
from tests.crash.worlds import commit_added, mixed_folder, new_repo, put_folder, workspace_files


def _pushed_world(world: Path) -> tuple[Path, Path]:
    """A repository whose remote `origin` (a folder) got `earlier/` from an earlier push,
    and `data/` (every kind of object) added and committed but not pushed."""
    repo = new_repo(world / "repo")
    remote = world / "remote"
    remote.mkdir()
    mlgit(repo, "remote", "add", "origin", str(remote))
    put_folder(repo, "earlier", {"one.txt": b"pushed before", "big.bin": mixed_folder(7)[
        "loose.bin"]})
    commit_added(repo, "earlier", "earlier")
    mlgit(repo, "push")
    put_folder(repo, "data", mixed_folder(1))
    commit_added(repo, "data", "data")
    return repo, remote


def test_a_killed_push_leaves_the_remote_whole_and_the_next_push_finishes(
        tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo, remote = _pushed_world(world)
    data = workspace_files(repo / "data")
    earlier = stored_content(repo / "earlier.mlgit", remote)
    cache_before = store_problems(repo / ".mlgit" / "cache")

    def after_crash(crash: Crash) -> None:
        assert store_problems(remote) == [], crash  # also: every chunk list's chunks
        assert fsck_problems(repo, "origin", missing=False) == [], crash
        assert stored_content(repo / "earlier.mlgit", remote) == earlier, crash
        assert fsck_problems(repo) == cache_before == [], crash

    def after_finish() -> None:
        assert missing_oids(repo, "origin") == set()
        assert store_problems(remote) == []
        assert stored_content(repo / "data.mlgit", remote) == data  # read from the remote

    crashes = every_crash(world, repo, ["push", "-j", "1"], after_crash, after_finish)
    assert len(crashes) >= 8, crashes
    mlgit(repo, "push")
    cli_fsck(repo, "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert workspace_files(clone / "data") == data


@pytest.mark.slow
def test_a_killed_pull_never_leaves_a_torn_file_and_the_next_pull_finishes(
        tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo, _ = _pushed_world(world)
    mlgit(repo, "push")
    clone = world / "clone"
    git(world, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "config", "core.jobs", "1")
    data = workspace_files(repo / "data")
    earlier = workspace_files(repo / "earlier")

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(clone, missing=False) == [], crash  # fetched: whole and right
        for folder, files in (("data", data), ("earlier", earlier)):
            placed = workspace_files(clone / folder)
            assert placed.items() <= files.items(), crash  # each file absent or right

    def after_finish() -> None:
        assert fsck_problems(clone) == []
        assert workspace_files(clone / "data") == data
        assert workspace_files(clone / "earlier") == earlier

    crashes = every_crash(world, clone, ["pull", "-j", "1"], after_crash, after_finish)
    assert len(crashes) >= 8, crashes
    mlgit(clone, "pull")
    cli_fsck(clone, "origin")
