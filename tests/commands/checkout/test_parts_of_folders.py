"""Paths inside a tracked folder as targets of checkout, status and unprotect: each acts on
just that part of the folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import assert_clean_error, make_tree, mlgit, write


def _tracked_data(repo: Path) -> None:
    make_tree(repo / "data", {"a.txt": "a", "sub/x.txt": "x", "sub/deep/y.txt": "y",
                              "other/z.txt": "z"})
    mlgit(repo, "add", "data")


# --- checkout ---------------------------------------------------------------------------------


def test_checkout_one_file_inside_a_tracked_folder(repo: Path) -> None:
    _tracked_data(repo)
    (repo / "data" / "sub" / "x.txt").unlink()
    (repo / "data" / "a.txt").unlink()
    write(repo / "data" / "other" / "z.txt", "changed, not in the cache")
    out = mlgit(repo, "checkout", "data/sub/x.txt")
    assert (repo / "data" / "sub" / "x.txt").read_text() == "x"
    assert not (repo / "data" / "a.txt").exists()  # other parts untouched
    assert (repo / "data" / "other" / "z.txt").read_text() == "changed, not in the cache"
    assert "1 restored" in out.out


def test_checkout_a_subfolder_restores_only_that_subfolder(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "sub" / "x.txt", "edited")
    (repo / "data" / "sub" / "deep" / "y.txt").unlink()
    write(repo / "data" / "a.txt", "edited too")
    write(repo / "data" / "other" / "new.txt", "new, not in the cache")
    # the subfolder's edit is not in the cache: left as is without --force
    mlgit(repo, "checkout", "data/sub/", code=1)
    assert (repo / "data" / "sub" / "deep" / "y.txt").read_text() == "y"
    assert (repo / "data" / "sub" / "x.txt").read_text() == "edited"
    mlgit(repo, "checkout", "--force", "data/sub/")
    assert (repo / "data" / "sub" / "x.txt").read_text() == "x"
    assert (repo / "data" / "a.txt").read_text() == "edited too"
    assert (repo / "data" / "other" / "new.txt").read_text() == "new, not in the cache"


def test_checkout_part_of_a_folder_that_is_not_in_the_workspace(repo: Path) -> None:
    _tracked_data(repo)
    import shutil

    shutil.rmtree(repo / "data")
    mlgit(repo, "checkout", "data/sub/deep")
    assert sorted(p.relative_to(repo).as_posix() for p in (repo / "data").rglob("*")
                  if p.is_file()) == ["data/sub/deep/y.txt"]


def test_checkout_a_path_the_folder_does_not_hold_is_refused(repo: Path) -> None:
    _tracked_data(repo)
    result = mlgit(repo, "checkout", "data/nope.txt", code=None)
    assert_clean_error(result, "data/nope.txt", "no such file or folder in the tracked folder data")


def test_checkout_a_path_inside_a_tracked_file_is_refused(repo: Path) -> None:
    write(repo / "m.bin", "m")
    mlgit(repo, "add", "m.bin")
    assert_clean_error(mlgit(repo, "checkout", "m.bin/x", code=None), "m.bin is a file")


# --- status -----------------------------------------------------------------------------------


def test_status_of_a_subfolder_lists_only_its_changes(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "sub" / "x.txt", "edited")
    write(repo / "data" / "sub" / "new.txt", "new")
    (repo / "data" / "sub" / "deep" / "y.txt").unlink()
    write(repo / "data" / "a.txt", "changed elsewhere")
    out = mlgit(repo, "status", "data/sub")
    assert out.lines == ["data/sub: modified", "    modified: x.txt", "    added: new.txt",
                         "    deleted: deep/y.txt"]
    assert mlgit(repo, "status", "data/other").lines == ["data/other: unchanged"]
    mlgit(repo, "status", "-q", "data/other", code=0)
    mlgit(repo, "status", "-q", "data/sub", code=1)
    whole = mlgit(repo, "status", "data").out
    assert "a.txt" in whole and "sub/x.txt" in whole


def test_status_of_one_file_inside_a_tracked_folder(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "a.txt", "changed")
    rows = json.loads(mlgit(repo, "status", "--json", "data/a.txt", "data/sub/x.txt").out)
    assert [(r["path"], r["kind"], r["state"], r["pointer"]) for r in rows] == [
        ("data/a.txt", "file", "modified", "data.mlgit"),
        ("data/sub/x.txt", "file", "unchanged", "data.mlgit")]
    (repo / "data" / "a.txt").unlink()
    assert mlgit(repo, "status", "data/a.txt").lines == ["data/a.txt: deleted"]


def test_status_of_a_file_not_in_the_folder_yet(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "fresh.bin", "f")
    assert mlgit(repo, "status", "data/fresh.bin").lines == ["data/fresh.bin: modified"]
    assert_clean_error(mlgit(repo, "status", "data/never", code=None),
                       "no such file or folder in the tracked folder data")


# --- unprotect --------------------------------------------------------------------------------


def test_unprotect_one_file_inside_a_tracked_folder(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "symlink")
    _tracked_data(repo)
    assert (repo / "data" / "a.txt").is_symlink()
    out = mlgit(repo, "unprotect", "data/a.txt", "--json")
    assert json.loads(out.out) == {"unprotected": ["data/a.txt"], "failed": []}
    assert not (repo / "data" / "a.txt").is_symlink()
    assert os.access(repo / "data" / "a.txt", os.W_OK)
    assert (repo / "data" / "sub" / "x.txt").is_symlink()
    mlgit(repo, "unprotect", "data/sub")
    assert not (repo / "data" / "sub" / "deep" / "y.txt").is_symlink()
    assert (repo / "data" / "other" / "z.txt").is_symlink()
