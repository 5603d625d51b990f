"""Paths Git tracks are Git's: mlgit never removes or overwrites them, whether the artifact is
no longer tracked by mlgit (a branch moved it into Git) or still has a pointer beside it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git, mlgit, write


def _moved_into_git(repo: Path) -> None:
    """main tracks models/ with mlgit; the branch ingit tracks it with Git."""
    git(repo, "add", ".mlgit")
    git(repo, "commit", "-qm", "init")
    write(repo / "models/a.txt", "aaa\n")
    mlgit(repo, "add", "models")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mlgit-tracked")
    git(repo, "checkout", "-qb", "ingit")
    mlgit(repo, "rm", "models")
    git(repo, "rm", "-q", "--cached", "models.mlgit")
    git(repo, "add", ".gitignore", "models")
    git(repo, "commit", "-qm", "now in git")
    git(repo, "checkout", "-q", "main")
    assert "models: 1 restored" in mlgit(repo, "checkout").out


def test_checkout_keeps_a_formerly_tracked_folder_that_git_tracks_now(repo: Path) -> None:
    _moved_into_git(repo)
    git(repo, "checkout", "-q", "ingit")
    out = mlgit(repo, "checkout")
    assert (repo / "models/a.txt").read_text() == "aaa\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert "removed" not in out.out
    assert "mlgit add" not in out.err
    # Git owns it now: the next checkout has nothing to say about it
    again = mlgit(repo, "checkout")
    assert "models" not in again.out + again.err
    # and back on main, mlgit's version is restored as usual
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    assert (repo / "models/a.txt").read_text() == "aaa\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_checkout_removes_what_git_does_not_track_and_keeps_what_it_does(repo: Path) -> None:
    git(repo, "add", ".mlgit")
    git(repo, "commit", "-qm", "init")
    write(repo / "models/a.txt", "aaa\n")
    write(repo / "models/b.txt", "bbb\n")
    mlgit(repo, "add", "models")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mlgit-tracked")
    git(repo, "checkout", "-qb", "ingit")
    mlgit(repo, "rm", "models")
    git(repo, "rm", "-q", "--cached", "models.mlgit")
    git(repo, "add", ".gitignore", "models/a.txt")
    git(repo, "commit", "-qm", "half in git")
    (repo / "models/b.txt").unlink()
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    git(repo, "checkout", "-q", "ingit")
    out = mlgit(repo, "checkout", "--json")
    [entry] = json.loads(out.out)
    assert entry["removed"] == ["models/b.txt"]
    assert entry["tracked_by_git"] == ["models/a.txt"]
    assert (repo / "models/a.txt").read_text() == "aaa\n"
    assert not (repo / "models/b.txt").exists()
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_pull_keeps_a_formerly_tracked_folder_that_git_tracks_now(repo: Path,
                                                                  tmp_path: Path) -> None:
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    _moved_into_git(repo)
    mlgit(repo, "push")
    git(repo, "checkout", "-q", "ingit")
    mlgit(repo, "pull")
    assert (repo / "models/a.txt").read_text() == "aaa\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
