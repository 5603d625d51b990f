"""git/repository.py on real Git repositories in temp folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgit.errors import MlgitError, NotAGitRepo
from mlgit.git import repository
from tests.conftest import commit_all, git, write


def test_the_root_is_found_from_a_folder_inside(gitrepo: Path) -> None:
    inner = gitrepo / "a" / "b"
    inner.mkdir(parents=True)
    assert repository.find_root(str(inner)) == os.path.realpath(gitrepo)
    assert repository.find_root(str(gitrepo)) == os.path.realpath(gitrepo)


def test_outside_any_repository_there_is_no_root(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepo, match="not inside a Git repository"):
        repository.find_root(str(tmp_path))


def test_pointer_files_and_temp_files_are_listed_apart(gitrepo: Path) -> None:
    write(gitrepo / "committed.mlgit", "x")
    write(gitrepo / "sub" / "staged.mlgit", "x")
    commit_all(gitrepo)
    write(gitrepo / "new.mlgit", "x")  # untracked, not ignored: listed
    write(gitrepo / "ignored" / "hidden.mlgit", "x")
    write(gitrepo / ".gitignore", "/ignored/\n")
    write(gitrepo / "sub" / ".staged.mlgit.123-0.mlgit-tmp", "x")
    write(gitrepo / "data.bin", "not a pointer")
    pointers, temps = repository.list_pointer_and_temp_files(str(gitrepo))
    assert pointers == ["committed.mlgit", "new.mlgit", "sub/staged.mlgit"]
    assert temps == ["sub/.staged.mlgit.123-0.mlgit-tmp"]


def test_a_deleted_but_indexed_pointer_is_still_listed(gitrepo: Path) -> None:
    write(gitrepo / "a.mlgit", "x")
    commit_all(gitrepo)
    (gitrepo / "a.mlgit").unlink()
    assert repository.list_pointer_and_temp_files(str(gitrepo))[0] == ["a.mlgit"]


def test_tracked_under_names_the_files_git_tracks_at_or_under_each_path(gitrepo: Path) -> None:
    write(gitrepo / "data" / "a.txt", "a")
    write(gitrepo / "data" / "sub" / "b.txt", "b")
    write(gitrepo / "datax" / "c.txt", "c")
    write(gitrepo / "star*" / "d.txt", "d")
    commit_all(gitrepo)
    write(gitrepo / "data" / "untracked.txt", "u")
    found = repository.tracked_under(str(gitrepo), ["data", "data/sub/b.txt", "star*", "nope"])
    assert found == {"data": ["data/a.txt", "data/sub/b.txt"],
                     "data/sub/b.txt": ["data/sub/b.txt"],
                     "star*": ["star*/d.txt"]}  # a literal name, not a pattern
    assert repository.tracked_under(str(gitrepo), []) == {}


def test_staged_files_count_as_tracked(gitrepo: Path) -> None:
    write(gitrepo / "data" / "a.txt", "a")
    git(gitrepo, "add", "data/a.txt")
    assert repository.tracked_under(str(gitrepo), ["data"]) == {"data": ["data/a.txt"]}


def test_ignored_names_the_rule(gitrepo: Path) -> None:
    write(gitrepo / ".gitignore", "*.log\n!keep.log\n/build/\n")
    write(gitrepo / "sub" / ".gitignore", "secret.mlgit\n")
    found = repository.ignored(str(gitrepo), ["x.log", "keep.log", "build/a.mlgit",
                                              "sub/secret.mlgit", "fine.mlgit"])
    assert found == {"x.log": ".gitignore:1: *.log",
                     "build/a.mlgit": ".gitignore:3: /build/",
                     "sub/secret.mlgit": "sub/.gitignore:1: secret.mlgit"}
    assert repository.ignored(str(gitrepo), []) == {}


def test_a_tracked_path_is_never_ignored(gitrepo: Path) -> None:
    write(gitrepo / "x.log", "x")
    commit_all(gitrepo)
    write(gitrepo / ".gitignore", "*.log\n")
    assert repository.ignored(str(gitrepo), ["x.log"]) == {}


def test_committed_pointer_blobs_come_from_head_and_the_index(gitrepo: Path) -> None:
    write(gitrepo / "a.mlgit", "a at HEAD")
    write(gitrepo / "b.mlgit", "b at HEAD")
    commit_all(gitrepo)
    write(gitrepo / "a.mlgit", "a staged")
    write(gitrepo / "c.mlgit", "c staged")
    git(gitrepo, "add", "a.mlgit", "c.mlgit")
    write(gitrepo / "b.mlgit", "b only in the work tree")
    found = repository.committed_pointer_blobs(str(gitrepo))
    assert sorted(found) == sorted([
        (repository.HEAD, "a.mlgit", b"a at HEAD"),
        (repository.INDEX, "a.mlgit", b"a staged"),
        (repository.HEAD, "b.mlgit", b"b at HEAD"),  # staged as at HEAD: listed once
        (repository.INDEX, "c.mlgit", b"c staged"),
    ])


def test_without_a_commit_only_the_index_has_pointers(gitrepo: Path) -> None:
    assert repository.committed_pointer_blobs(str(gitrepo)) == []
    write(gitrepo / "a.mlgit", "staged")
    git(gitrepo, "add", "a.mlgit")
    assert repository.committed_pointer_blobs(str(gitrepo)) == [
        (repository.INDEX, "a.mlgit", b"staged")]


def test_linked_worktrees_know_their_main_worktree(gitrepo: Path, tmp_path: Path) -> None:
    write(gitrepo / "README", "x")
    commit_all(gitrepo)
    linked = tmp_path / "linked"
    git(gitrepo, "worktree", "add", "-q", str(linked))
    main = os.path.realpath(gitrepo)
    assert repository.main_worktree(str(linked)) == main
    assert repository.main_worktree(str(gitrepo)) is None
    assert repository.find_root(str(linked)) == os.path.realpath(linked)
    assert sorted(repository.worktrees(str(gitrepo))) == sorted([main,
                                                                os.path.realpath(linked)])


def test_a_folder_holding_git_is_a_repository_of_its_own(gitrepo: Path) -> None:
    nested = gitrepo / "vendor" / "lib"
    nested.mkdir(parents=True)
    git(nested, "init", "-q")
    root = str(gitrepo)
    assert repository.repository_holding(root, "vendor/lib/data/x.bin") == "vendor/lib"
    assert repository.repository_holding(root, "vendor/lib") == "vendor/lib"
    assert repository.repository_holding(root, "vendor/other") is None


def test_a_failing_git_command_is_an_mlgit_error(tmp_path: Path) -> None:
    with pytest.raises(MlgitError, match="git ls-files failed"):
        repository.tracked_under(str(tmp_path), ["x"])  # not a repository


def test_library_versions_name_git(gitrepo: Path) -> None:
    versions = repository.library_versions()
    assert set(versions) == {"pygit2", "dulwich", "git"}
    assert versions["git"][0].isdigit()
