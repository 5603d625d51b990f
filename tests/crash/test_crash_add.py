"""`mlgit add` killed before each of its write steps: the cache holds nothing corrupt, every
object a pointer names is there, and running `add` again stores the right bytes (a folder of
small, duplicate, empty, loose and chunked files; a chunked file that changed a little)."""

from __future__ import annotations

import random
from pathlib import Path

from tests.conftest import git, make_tree, mlgit
from tests.crash.harness import (
    Crash,
    cli_fsck,
    every_crash,
    fsck_problems,
    stored_content,
    tree_of,
)

KiB, MiB = 1024, 1024 * 1024
THRESHOLD = 2 * MiB


def _repo(world: Path) -> Path:
    repo = world / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    mlgit(repo, "init")
    mlgit(repo, "config", "core.jobs", "1")
    mlgit(repo, "config", "cache.chunk_threshold", str(THRESHOLD))
    return repo


def _random(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _commit_added(repo: Path, path: str, message: str) -> None:
    mlgit(repo, "add", path)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_a_killed_add_of_a_folder_loses_and_damages_nothing(tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo = _repo(world)
    make_tree(repo, {"earlier.txt": b"added before"})
    _commit_added(repo, "earlier.txt", "earlier")
    files = {"data/a.txt": b"alpha", "data/copy-of-a.txt": b"alpha", "data/empty": b"",
             "data/nested/b.bin": _random(1, 300 * KiB), "data/loose.bin": _random(2, MiB + 5),
             "data/chunked.bin": _random(3, THRESHOLD + 700 * KiB)}
    make_tree(repo, files)
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
    repo = _repo(world)
    old = _random(4, 3 * MiB)
    make_tree(repo, {"model.pt": old})
    _commit_added(repo, "model.pt", "model v1")
    v1_pointer = tmp_path / "model.pt.mlgit"
    v1_pointer.write_bytes((repo / "model.pt.mlgit").read_bytes())
    new = old[:MiB] + _random(5, 200 * KiB) + old[MiB + 200 * KiB:] + b"appended"
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
