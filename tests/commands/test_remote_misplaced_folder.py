"""A folder remote is a copy of the data of its own: one that is the cache, lies in .git,
.mlgit or the work tree, or holds the repository, is refused when added or changed, and
before push and gc use one written into the config by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, cache_oids, git, mlgit, write

MISPLACED = [
    (".mlgit/cache", "the folder is mlgit's cache"),
    (".mlgit/cache/sub", "the folder is inside mlgit's cache"),
    (".mlgit", "the folder is mlgit's folder .mlgit"),
    (".git/store", "the folder is inside Git's folder .git"),
    (".", "the folder is the work tree"),
    ("data/store", "the folder is inside the work tree"),
    ("..", "the folder holds the repository"),
]


@pytest.mark.parametrize(("url", "problem"), MISPLACED)
def test_remote_add_refuses_a_misplaced_folder(repo: Path, url: str, problem: str) -> None:
    result = mlgit(repo, "remote", "add", "backup", url, code=1)
    assert_clean_error(result, problem, "mlgit remote add backup PATH")
    assert "backup" not in mlgit(repo, "remote", "list").out


def test_a_relative_path_from_a_subfolder_is_checked_where_it_lands(repo: Path) -> None:
    (repo / "sub" / "deeper").mkdir(parents=True)
    result = mlgit(repo / "sub" / "deeper", "remote", "add", "store", "../store", code=1)
    assert_clean_error(result, "inside the work tree")


def test_remote_modify_refuses_a_misplaced_folder(repo: Path, tmp_path: Path) -> None:
    mlgit(repo, "remote", "add", "backup", str(tmp_path / "store"))
    result = mlgit(repo, "remote", "modify", "backup", "url", f"file://{repo}/.mlgit/cache",
                   code=1)
    assert_clean_error(result, "mlgit's cache", "mlgit remote modify backup url PATH")
    assert str(tmp_path / "store") in mlgit(repo, "remote", "list").out


def test_a_cache_remote_written_by_hand_is_refused_and_not_taken_as_a_backup(
        repo: Path) -> None:
    config = repo / ".mlgit" / "config.yaml"
    config.write_text(config.read_text() + "core:\n  remote: backup\n"
                      "remote:\n  backup:\n    url: .mlgit/cache\n")
    write(repo / "a.bin", "a")
    mlgit(repo, "add", "a.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a")
    write(repo / "b.bin", "b")
    mlgit(repo, "add", "b.bin")
    assert_clean_error(mlgit(repo, "push", code=1), "the folder is mlgit's cache")
    (repo / "b.bin.mlgit").unlink()
    (repo / "b.bin").unlink()
    result = mlgit(repo, "gc", "-f")
    assert "on a remote (backup)" not in result.out + result.err
    assert "the folder is mlgit's cache" in result.out + result.err
    assert len(cache_oids(repo)) == 1
