"""mlgit's files in the trees of Git revisions, read through pygit2 without a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.errors import MlgitError
from mlgit.git.revisions import RevisionTrees, chosen_revisions
from tests.conftest import git, write


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(gitrepo: Path) -> tuple[Path, str, str]:
    write(gitrepo / "a.mlgit", "one\n")
    write(gitrepo / "deep/er/b.mlgit", "two\n")
    write(gitrepo / "mlgit.lock", "lock\n")
    write(gitrepo / "sub/mlgit.yaml", "stages: {}\n")
    write(gitrepo / "src/code.py", "print()\n")
    first = commit_all(gitrepo, "first")
    write(gitrepo / "deep/er/b.mlgit", "three\n")
    (gitrepo / "a.mlgit").unlink()
    second = commit_all(gitrepo, "second")
    return gitrepo, first, second


def test_files_at_each_revision(history: tuple[Path, str, str]) -> None:
    root, first, second = history
    trees = RevisionTrees(str(root))
    old = trees.files(first)
    assert old.commit == first
    assert old.pointers == [("a.mlgit", b"one\n"), ("deep/er/b.mlgit", b"two\n")]
    assert old.locks == [("mlgit.lock", b"lock\n")]
    assert old.pipelines == [("sub/mlgit.yaml", b"stages: {}\n")]
    new = trees.files("HEAD")
    assert new.commit == second
    assert new.pointers == [("deep/er/b.mlgit", b"three\n")]


def test_the_work_tree_is_not_read(history: tuple[Path, str, str]) -> None:
    root, _, _ = history
    write(root / "a.mlgit", "uncommitted\n")
    assert RevisionTrees(str(root)).files("HEAD").pointers == [("deep/er/b.mlgit", b"three\n")]


def test_unknown_revision_is_named(history: tuple[Path, str, str]) -> None:
    root, _, _ = history
    with pytest.raises(MlgitError, match="unknown revision 'nope'") as caught:
        RevisionTrees(str(root)).files("nope")
    assert "shallow" not in caught.value.message


def test_shallow_clone_hints_at_deepening(history: tuple[Path, str, str], tmp_path: Path
                                          ) -> None:
    root, first, _ = history
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    trees = RevisionTrees(str(clone))
    with pytest.raises(MlgitError) as caught:
        trees.files(first)
    assert "shallow" in caught.value.message
    assert "git fetch --unshallow" in caught.value.hint and "--deepen" in caught.value.hint


def test_chosen_revisions(history: tuple[Path, str, str]) -> None:
    root, first, second = history
    git(root, "tag", "v1", first)
    git(root, "branch", "old", first)
    trees = RevisionTrees(str(root))
    assert [r.commit for r in chosen_revisions(trees, [first, "main"])] == [first, second]
    assert {r.name for r in chosen_revisions(trees, [], all_tags=True)} == {"HEAD", "v1"}
    assert {r.commit for r in chosen_revisions(trees, [], all_branches=True)} == {first, second}
    git(root, "checkout", "-q", "--detach", first)
    git(root, "branch", "-D", "old")
    git(root, "tag", "-d", "v1")
    found = chosen_revisions(trees, [], all_branches=True)
    assert {r.commit for r in found} == {first, second}  # the detached HEAD counts
    assert {r.commit for r in chosen_revisions(trees, [], all_commits=True)} == {first, second}


def test_no_commits_means_no_revisions(gitrepo: Path) -> None:
    assert chosen_revisions(RevisionTrees(str(gitrepo)), [], all_commits=True) == []
