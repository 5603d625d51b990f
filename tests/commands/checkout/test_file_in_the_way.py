"""A file standing where a tracked folder must be: one line for that file, never one per file
of the folder; the file is left as is (unless --force, or its content is in the cache)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import make_tree, mlgit, read_tree, write

FILES = {f"data/f{i}.txt": f"file {i}" for i in range(30)} | {"data/sub/s.txt": "s"}


def _tracked_folder(repo: Path) -> None:
    make_tree(repo, FILES)
    mlgit(repo, "add", "data")
    shutil.rmtree(repo / "data")


def test_a_file_where_the_tracked_folder_must_be(repo: Path) -> None:
    _tracked_folder(repo)
    write(repo / "data", b"my notes")
    result = mlgit(repo, "checkout", code=1)
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert errors == ["error: data: a file stands where the tracked folder must be;"
                      " left as is"], result.err
    assert "hint: move the file data away" in result.err
    assert (repo / "data").read_bytes() == b"my notes"
    assert not list((repo / ".mlgit" / "tmp").glob("checkout-*"))
    mlgit(repo, "checkout", "--force")
    assert read_tree(repo / "data") == {k[5:]: v.encode() for k, v in FILES.items()}


def test_a_file_where_a_folder_inside_the_tracked_folder_must_be(repo: Path) -> None:
    _tracked_folder(repo)
    mlgit(repo, "checkout")
    shutil.rmtree(repo / "data" / "sub")
    write(repo / "data" / "sub", b"in the way")
    result = mlgit(repo, "checkout", code=1)
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert errors == ["error: data/sub: a file stands where the tracked folder must be;"
                      " left as is"], result.err
    assert (repo / "data" / "sub").read_bytes() == b"in the way"


def test_a_file_in_the_way_whose_content_is_cached_is_replaced(repo: Path) -> None:
    write(repo / "data", b"once a file")
    mlgit(repo, "add", "data")
    mlgit(repo, "rm", "data")
    (repo / "data").unlink()
    _tracked_folder(repo)
    write(repo / "data", b"once a file")
    mlgit(repo, "checkout")
    assert read_tree(repo / "data") == {k[5:]: v.encode() for k, v in FILES.items()}
