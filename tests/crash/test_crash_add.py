"""`mlgit add` killed before each of its write steps: the cache holds nothing corrupt, every
object a pointer names is there, and running `add` again stores the right bytes (a folder of
small, duplicate, empty, loose and chunked files; a chunked file that changed a little)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_tree, mlgit
from tests.crash.harness import (
    Crash,
    cli_fsck,
    every_crash,
    fsck_problems,
    stored_content,
    tree_of,
)
from tests.crash.worlds import KiB, MiB, commit_added, mixed_folder, new_repo, random_bytes


def test_a_killed_add_of_a_folder_loses_and_damages_nothing(tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    make_tree(repo, {"earlier.txt": b"added before"})
    commit_added(repo, "earlier.txt", "earlier")
    make_tree(repo / "data", mixed_folder(1))
    cache = repo / ".mlgit" / "cache"
    earlier = stored_content(repo / "earlier.txt.mlgit", cache)

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(repo) == [], crash
        assert stored_content(repo / "earlier.txt.mlgit", cache) == earlier, crash
        if (repo / "data.mlgit").exists():  # written last: all it names is there
            assert stored_content(repo / "data.mlgit", cache) == tree_of(repo / "data"), crash

    def after_finish() -> None:
        assert fsck_problems(repo) == []
        assert stored_content(repo / "data.mlgit", cache) == tree_of(repo / "data")

    crashes = every_crash(world, repo, ["add", "data"], after_crash, after_finish)
    assert len(crashes) >= 10, crashes
    mlgit(repo, "add", "data")
    cli_fsck(repo)


def test_a_killed_add_of_a_changed_chunked_file_keeps_both_versions(tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    old = random_bytes(4, 3 * MiB)
    make_tree(repo, {"model.pt": old})
    commit_added(repo, "model.pt", "model v1")
    v1_pointer = tmp_path / "model.pt.mlgit"
    v1_pointer.write_bytes((repo / "model.pt.mlgit").read_bytes())
    new = old[:MiB] + random_bytes(5, 200 * KiB) + old[MiB + 200 * KiB:] + b"appended"
    (repo / "model.pt").chmod(0o644)
    (repo / "model.pt").write_bytes(new)
    cache = repo / ".mlgit" / "cache"

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(repo) == [], crash
        assert stored_content(v1_pointer, cache) == {"": old}, crash
        assert stored_content(repo / "model.pt.mlgit", cache)[""] in (old, new), crash

    def after_finish() -> None:
        assert fsck_problems(repo) == []
        assert stored_content(v1_pointer, cache) == {"": old}
        assert stored_content(repo / "model.pt.mlgit", cache) == {"": new}

    crashes = every_crash(world, repo, ["add", "model.pt"], after_crash, after_finish)
    assert len(crashes) >= 5, crashes


@pytest.mark.slow
def test_a_killed_add_split_over_worker_processes_loses_and_damages_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGIT_WORKERS", "2")  # a folder this big is stored by two processes
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    make_tree(repo / "many", {f"d{i % 20}/f{i}": random_bytes(i, 64) for i in range(4200)})
    cache = repo / ".mlgit" / "cache"

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(repo) == [], crash
        if (repo / "many.mlgit").exists():
            assert stored_content(repo / "many.mlgit", cache) == tree_of(repo / "many"), crash

    def after_finish() -> None:
        assert fsck_problems(repo) == []
        assert stored_content(repo / "many.mlgit", cache) == tree_of(repo / "many")

    crashes = every_crash(world, repo, ["add", "many"], after_crash, after_finish)
    assert len(crashes) >= 10, crashes
