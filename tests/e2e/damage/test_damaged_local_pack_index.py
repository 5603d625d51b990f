"""A damaged pack index in the cache (or an index whose pack is gone) is named once as the
cause of the missing objects, with the repair; never a line per file, never a raw error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import git, make_tree, mlgit, read_tree

FILES = {f"d/{i}": os.urandom(2000) for i in range(1, 51)}


def _files_index(repo: Path) -> Path:
    """The cache's pack index that lists d's files (the biggest one)."""
    return max((repo / ".mlgit" / "cache" / "packs").glob("*.idx"),
               key=lambda p: p.stat().st_size)


@pytest.mark.parametrize("damage", ["garbage in the index", "pack deleted"])
def test_a_damaged_index_is_reported_once(repo: Path, tmp_path: Path, damage: str) -> None:
    make_tree(repo, FILES)
    mlgit(repo, "add", "d")
    mlgit(repo, "remote", "add", "o", str(tmp_path / "store"))
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    idx = _files_index(repo)
    rel = f".mlgit/cache/packs/{idx.name}"
    if damage == "pack deleted":
        idx.with_suffix(".pack").unlink()
    else:
        idx.chmod(0o644)
        with idx.open("r+b") as f:
            f.seek(10)
            f.write(b"garbage")
    for path in FILES:
        (repo / path).unlink()

    out = mlgit(repo, "checkout", code=1)
    assert out.err.splitlines() == [
        f"error: d: 50 objects not in the cache: the cache's pack index {rel} is damaged",
        "hint: run 'mlgit fsck --repair' to set the damaged index aside, then 'mlgit pull'"
        " to restore its objects from a remote"], out.err
    assert "d: 50 failed" in out.out
    failed = mlgit(repo, "checkout", "--json", code=1).out
    assert failed.count('"reason": "object not in the cache"') == 50  # --json lists each

    pulled = mlgit(repo, "pull")
    assert "FileNotFoundError" not in pulled.err and "d: 50 restored" in pulled.out
    assert {k: v for k, v in read_tree(repo).items() if k.startswith("d/")} == FILES
    mlgit(repo, "fsck", "--repair", code=None)
    mlgit(repo, "fsck")


def test_push_names_the_damaged_index(repo: Path, tmp_path: Path) -> None:
    make_tree(repo, FILES)
    mlgit(repo, "add", "d")
    mlgit(repo, "remote", "add", "o", str(tmp_path / "store"))
    idx = _files_index(repo)
    idx.chmod(0o644)
    with idx.open("r+b") as f:
        f.seek(10)
        f.write(b"garbage")
    pushed = mlgit(repo, "push", code=1)
    assert f"error: .mlgit/cache/packs/{idx.name}: damaged pack index in the cache: the" \
        " objects it lists cannot be found" in pushed.err
    assert "hint: run 'mlgit fsck --repair' to set the damaged index aside" in pushed.err
    assert "FileNotFoundError" not in pushed.err


def test_status_names_a_damaged_index(repo: Path) -> None:
    make_tree(repo, FILES)
    mlgit(repo, "add", "d")
    idx = _files_index(repo)
    idx.chmod(0o644)
    with idx.open("r+b") as f:
        f.seek(10)
        f.write(b"garbage")
    result = mlgit(repo, "status", code=1)
    assert "d: unchanged (not in cache: 50 object(s))" in result.out
    assert result.err.splitlines() == [
        f"warning: the cache's pack index .mlgit/cache/packs/{idx.name} is damaged: its objects"
        " count as not in the cache; run 'mlgit fsck --repair', then 'mlgit pull' to restore"
        " them"]
    mlgit(repo, "fsck", "--repair", code=1)
    assert mlgit(repo, "status", code=0).err == ""
