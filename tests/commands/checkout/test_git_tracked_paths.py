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


def _in_git_and_pointer(repo: Path) -> None:
    """x.bin committed to Git (v1) and a pointer x.bin.mlgit to another version (v2)."""
    write(repo / "x.bin", "v1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "x in git")
    git(repo, "rm", "-q", "--cached", "x.bin")
    write(repo / "x.bin", "v2\n")
    mlgit(repo, "add", "x.bin")
    git(repo, "checkout", "HEAD", "--", "x.bin")  # Git's version back, in the index too
    assert (repo / "x.bin").read_text() == "v1\n"


def test_status_says_an_artifact_is_tracked_by_git_too(repo: Path) -> None:
    _in_git_and_pointer(repo)
    write(repo / "other.bin", "o\n")
    mlgit(repo, "add", "other.bin")
    out = mlgit(repo, "status", code=1)
    assert "error: x.bin.mlgit: x.bin is tracked by Git too" in out.err
    assert "other.bin: unchanged" in out.out
    assert "hint: 'git rm -r --cached x.bin' to leave it to mlgit, or remove the pointer" \
        in out.err


def test_checkout_force_never_overwrites_a_file_git_tracks(repo: Path) -> None:
    _in_git_and_pointer(repo)
    out = mlgit(repo, "checkout", "--force", code=1)
    assert (repo / "x.bin").read_text() == "v1\n"
    assert "error: x.bin: tracked by Git too; left as is" in out.err
    assert "'git rm -r --cached x.bin'" in out.err
    assert git(repo, "status", "--porcelain", "x.bin") == ""
    # once Git lets go of it, checkout restores mlgit's version
    git(repo, "rm", "-q", "--cached", "x.bin")
    mlgit(repo, "checkout", "--force")
    assert (repo / "x.bin").read_text() == "v2\n"
