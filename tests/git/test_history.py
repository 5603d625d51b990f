"""git/history.py against real repositories: commits that changed a path, contents at a
revision, tracked or not, differing from HEAD."""

from __future__ import annotations

from pathlib import Path

from mlgit.git.history import changed_paths, commits_changing, contents_at, last_commit
from tests.conftest import git, write


def commit(root: Path, subject: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-qm", subject)
    return git(root, "rev-parse", "HEAD").strip()


def test_without_commits(gitrepo: Path) -> None:
    write(gitrepo / "a.txt", "x")
    root = str(gitrepo)
    assert last_commit(root, "a.txt") is None and commits_changing(root, "a.txt") == []
    assert changed_paths(root, ["a.txt", "b.txt"]) == {"a.txt"}
    git(gitrepo, "add", "a.txt")
    assert changed_paths(root, ["a.txt"]) == {"a.txt"} and last_commit(root, "a.txt") is None


def test_history_of_a_path(gitrepo: Path) -> None:
    root = str(gitrepo)
    name = "odd *[name]:x.txt"  # taken literally, not as a pattern
    write(gitrepo / name, "one")
    write(gitrepo / "other.txt", "o")
    first = commit(gitrepo, "first: with a colon")
    write(gitrepo / "other.txt", "changed")
    commit(gitrepo, "only the other file")
    write(gitrepo / name, "two")
    third = commit(gitrepo, "third")
    found = commits_changing(root, name)
    assert [c.sha for c in found] == [third, first]
    assert found[1].subject == "first: with a colon" and found[1].author == "Test Author"
    assert found[0].date[:2] == "20" and "T" in found[0].date
    assert last_commit(root, name) == found[0]
    assert contents_at(root, name, [third, first, "HEAD~1"]) == [b"two", b"one", b"one"]
    assert contents_at(root, "gone.txt", ["HEAD"]) == [None]
    assert changed_paths(root, [name, "other.txt"]) == set()
    write(gitrepo / name, "three")
    assert changed_paths(root, [name, "other.txt", "odd *"]) == {name}


def test_a_folder(gitrepo: Path) -> None:
    root = str(gitrepo)
    write(gitrepo / "src" / "a.py", "a")
    sha = commit(gitrepo, "code")
    assert last_commit(root, "src").sha == sha  # type: ignore[union-attr]
    assert contents_at(root, "src", ["HEAD"]) == [None]  # a tree, not a file
    write(gitrepo / "src" / "deep" / "new.py", "n")
    assert changed_paths(root, ["src", "src/deep", "src/a.py"]) == {"src", "src/deep"}
    git(gitrepo, "add", "-A")
    git(gitrepo, "mv", "src/a.py", "src/b.py")
    assert changed_paths(root, ["src/a.py", "src/b.py"]) == {"src/a.py", "src/b.py"}
