"""Path arguments that name nothing sensible: an empty string, and a file named with a
trailing '/' (POSIX tools answer "Not a directory")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit, write


@pytest.mark.parametrize("command", ["add", "status", "checkout", "rm", "unprotect"])
def test_an_empty_path_is_refused(repo: Path, command: str) -> None:
    write(repo / "m.bin", "model")
    result = mlgit(repo, command, "", code=None)
    assert_clean_error(result, "error: '': empty path", "unset shell variable")
    assert "repository root" not in result.err
    assert not (repo / "m.bin.mlgit").exists()


@pytest.mark.parametrize("where", ["", "sub/"])
def test_a_file_named_with_a_trailing_slash_is_refused(repo: Path, where: str) -> None:
    write(repo / f"{where}zz.bin", "data")
    result = mlgit(repo, "add", f"{where}zz.bin/", code=None)
    assert_clean_error(result, f"error: {where}zz.bin/: not a folder, but the path ends in '/'",
                       "leave out the trailing '/'")
    assert not (repo / f"{where}zz.bin.mlgit").exists()
    assert not (repo / ".gitignore").exists()
    mlgit(repo, "add", f"{where}zz.bin")
    assert_clean_error(mlgit(repo, "status", f"{where}zz.bin/", code=None), "not a folder")
    assert mlgit(repo, "status", f"{where}zz.bin").lines == [f"{where}zz.bin: unchanged"]


def test_a_folder_with_a_trailing_slash_is_fine(repo: Path) -> None:
    write(repo / "data" / "f", "x")
    mlgit(repo, "add", "data/")
    assert mlgit(repo, "status", "data/").lines == ["data: unchanged"]
