"""The `git add` line mlgit add prints names what changed, not an untouched .gitignore."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write


def test_an_update_names_the_gitignore_only_while_git_lacks_it(repo: Path) -> None:
    write(repo / "sub/m.bin", "v1")
    first = mlgit(repo, "add", "sub/m.bin").out
    assert "git add sub/.gitignore sub/m.bin.mlgit" in first, first
    write(repo / "sub/m.bin", "v2")
    before_commit = mlgit(repo, "add", "sub/m.bin").out
    assert "sub/.gitignore" in before_commit  # written by the first add, not in Git yet
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "v2")
    write(repo / "sub/m.bin", "v3")
    update = mlgit(repo, "add", "sub/m.bin").out
    assert "git add sub/m.bin.mlgit" in update and ".gitignore" not in update, update
