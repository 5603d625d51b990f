"""gc keeps what the pointers of Git's stashes need, as Git keeps the stashes themselves:
`git stash` then `mlgit checkout` leaves the stashed data only in the cache."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", message)


def _stash(repo: Path, *args: str) -> None:
    git(repo, "-c", "user.email=a@b", "-c", "user.name=t", "stash", *args)


def test_stashed_pointers_keep_their_data(repo: Path) -> None:
    write(repo / "m.bin", "v1")
    write(repo / "d/a", "a1")
    mlgit(repo, "add", "m.bin", "d")
    _commit(repo, "v1")
    # an older stash (staged pointer), then a newer one (pointer changed, not staged)
    write(repo / "m.bin", "staged work")
    mlgit(repo, "add", "m.bin")
    git(repo, "add", "m.bin.mlgit")
    _stash(repo)
    mlgit(repo, "checkout")
    write(repo / "d/a", "folder work")
    mlgit(repo, "add", "d")
    _stash(repo)
    mlgit(repo, "checkout")
    assert (repo / "m.bin").read_text() == "v1"
    out = mlgit(repo, "gc", "-f").out
    assert "removed 0 object(s)" in out, out
    for expected in ("folder work", "staged work"):
        _stash(repo, "pop")
        mlgit(repo, "checkout")
        assert expected in {(repo / "m.bin").read_text(), (repo / "d/a").read_text()}
    # a dropped stash is garbage again
    write(repo / "m.bin", "dropped work")
    mlgit(repo, "add", "m.bin")
    _stash(repo)
    _stash(repo, "drop")
    mlgit(repo, "checkout")
    assert "removed 0 object(s)" not in mlgit(repo, "gc", "-f").out
