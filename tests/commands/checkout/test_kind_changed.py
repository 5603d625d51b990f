"""A folder standing where a tracked file belongs, or a file where a tracked folder belongs:
status says `typechange` (not `deleted` or `modified`), and checkout leaves it as is, with
one line and a hint, unless --force or the cache holds all of its content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import mlgit, read_tree, write


def _tracked_file(repo: Path) -> None:
    write(repo / "model.bin", b"weights v1")
    mlgit(repo, "add", "model.bin")
    (repo / "model.bin").unlink()


def _status(repo: Path, *paths: str) -> dict[str, tuple[str, str]]:
    rows = json.loads(mlgit(repo, "status", "--json", *paths, code=None).out)
    return {r["path"]: (r["kind"], r["state"]) for r in rows}


def test_a_folder_where_the_tracked_file_belongs(repo: Path) -> None:
    _tracked_file(repo)
    write(repo / "model.bin" / "x", b"my notes")
    write(repo / "model.bin" / "sub" / "y", b"more notes")
    assert "model.bin: typechange (replaced by a folder)" in mlgit(repo, "status",
                                                                   code=None).lines
    assert _status(repo) == {"model.bin": ("file", "typechange")}

    result = mlgit(repo, "checkout", code=1)
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert errors == ["error: model.bin: a folder stands where the tracked file must be;"
                      " left as is"], result.err
    assert "hint: move the folder model.bin away" in result.err
    assert read_tree(repo / "model.bin") == {"x": b"my notes", "sub/y": b"more notes"}

    mlgit(repo, "checkout", "--force")
    assert (repo / "model.bin").read_bytes() == b"weights v1"
    assert _status(repo) == {"model.bin": ("file", "unchanged")}


def test_a_folder_of_cached_content_where_the_file_belongs_is_replaced(repo: Path) -> None:
    """As any other change whose content the cache holds (a branch switch that turned a
    tracked folder into a tracked file)."""
    write(repo / "other", b"kept in the cache")
    mlgit(repo, "add", "other")
    _tracked_file(repo)
    write(repo / "model.bin" / "copy", b"kept in the cache")
    mlgit(repo, "checkout", "model.bin")
    assert (repo / "model.bin").read_bytes() == b"weights v1"


def test_an_empty_folder_where_the_file_belongs_counts_as_deleted(repo: Path) -> None:
    _tracked_file(repo)
    (repo / "model.bin").mkdir()
    assert _status(repo) == {"model.bin": ("file", "deleted")}
    mlgit(repo, "checkout")
    assert (repo / "model.bin").read_bytes() == b"weights v1"


def test_a_file_where_the_tracked_folder_belongs(repo: Path) -> None:
    write(repo / "data" / "a.txt", b"a")
    write(repo / "data" / "sub" / "b.txt", b"b")
    mlgit(repo, "add", "data")
    shutil.rmtree(repo / "data")
    write(repo / "data", b"my notes")
    assert "data: typechange (replaced by a file)" in mlgit(repo, "status", code=None).lines
    assert _status(repo) == {"data": ("dir", "typechange")}
    mlgit(repo, "checkout", code=1)
    assert (repo / "data").read_bytes() == b"my notes"


def test_parts_of_a_tracked_folder(repo: Path) -> None:
    write(repo / "data" / "a.txt", b"a")
    write(repo / "data" / "sub" / "b.txt", b"b")
    mlgit(repo, "add", "data")
    (repo / "data" / "a.txt").unlink()
    write(repo / "data" / "a.txt" / "inside", b"new")
    shutil.rmtree(repo / "data" / "sub")
    write(repo / "data" / "sub", b"a file now")
    assert _status(repo, "data/a.txt", "data/sub") == {"data/a.txt": ("file", "typechange"),
                                                       "data/sub": ("dir", "typechange")}
