"""A pointer whose size (or a folder pointer's file count) disagrees with the content its oid
names is a damaged pointer: status, ls, checkout and push report it and do not believe it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import git, make_tree, mlgit

HUGE = "1000000000000000000000000000000"


def _edit(pointer: Path, key: str, value: str) -> None:
    text = pointer.read_text()
    pointer.write_text(re.sub(rf"(?m)^{key}: .*$", f"{key}: {value}", text))


def _setup(repo: Path) -> None:
    make_tree(repo, {"a.txt": "hello\n", "d/1": "one\n", "d/2": "two\n"})
    mlgit(repo, "add", "a.txt", "d")


def test_ls_reports_a_pointer_whose_size_is_wrong(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "a.txt.mlgit", "size", HUGE)
    ls = mlgit(repo, "ls", code=1)
    line = next(x for x in ls.lines if "a.txt.mlgit" in x)
    assert line.split()[0] == "?"  # no size shown
    assert f"damaged pointer: it says {HUGE} bytes but its content" in line
    assert "has 6 bytes" in line
    assert any(x.split()[-1] == "d" and x.split()[0] == "8" for x in ls.lines)  # 8 B
    rows = json.loads(mlgit(repo, "ls", "--json", code=1).out)
    bad = next(r for r in rows if r["path"] == "a.txt.mlgit")
    assert bad["size"] == 0 and "damaged pointer" in bad["error"]


def test_status_reports_it_with_a_hint(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "a.txt.mlgit", "size", "7")
    result = mlgit(repo, "status", code=1)
    assert "error: a.txt.mlgit: damaged pointer: it says 7 bytes but its content" \
        in result.err and "has 6 bytes" in result.err
    assert "hint: restore it from Git ('git checkout -- a.txt.mlgit') or add the data again" \
        " ('mlgit add a.txt')" in result.err
    assert "d: unchanged" in result.out
    assert mlgit(repo, "status", "-q", code=1).out == ""


def test_status_checks_against_the_workspace_when_the_cache_lacks_the_object(
        repo: Path) -> None:
    _setup(repo)
    shutil.rmtree(repo / ".mlgit" / "cache")
    (repo / ".mlgit" / "cache").mkdir()
    _edit(repo / "a.txt.mlgit", "size", "99")
    result = mlgit(repo, "status", "a.txt", code=1)
    assert "damaged pointer: it says 99 bytes" in result.err and "has 6 bytes" in result.err


def test_a_folder_pointer_with_a_wrong_file_count_or_size(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "d.mlgit", "files", "7")
    out = mlgit(repo, "status", "d", code=1).err
    assert "error: d.mlgit: damaged pointer: it says 7 files, 8 bytes but its manifest" in out
    assert "lists 2 files, 8 bytes" in out
    _edit(repo / "d.mlgit", "files", "2")
    _edit(repo / "d.mlgit", "size", "5")
    assert "it says 2 files, 5 bytes" in mlgit(repo, "ls", code=1).out
    _edit(repo / "d.mlgit", "size", "8")
    mlgit(repo, "status", "d")


def test_checkout_leaves_a_damaged_pointer_alone_and_does_the_rest(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "a.txt.mlgit", "size", HUGE)
    (repo / "a.txt").unlink()
    shutil.rmtree(repo / "d")
    result = mlgit(repo, "checkout", code=1)
    assert "a.txt: 1 failed" in result.out and "d: 2 restored" in result.out
    assert "error: a.txt.mlgit: damaged pointer: it says" in result.err
    assert "hint: restore it from Git ('git checkout -- a.txt.mlgit')" in result.err
    assert "a missing object" not in result.err
    assert not (repo / "a.txt").exists()


def test_push_skips_a_damaged_pointer(repo: Path, tmp_path: Path) -> None:
    _setup(repo)
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    _edit(repo / "a.txt.mlgit", "size", HUGE)
    result = mlgit(repo, "push", code=1)
    assert "1 failed" in result.out
    assert "error: a.txt.mlgit: damaged pointer: it says" in result.err
    assert "hint: restore it from Git ('git checkout -- a.txt.mlgit')" in result.err
    assert "0 on origin" in mlgit(repo, "status", "--remote", "a.txt").out


def test_restoring_the_pointer_from_git_clears_it(repo: Path) -> None:
    _setup(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    _edit(repo / "a.txt.mlgit", "size", HUGE)
    mlgit(repo, "status", code=1)
    git(repo, "checkout", "--", "a.txt.mlgit")
    assert "a.txt: unchanged" in mlgit(repo, "status").out


def test_status_of_a_part_of_a_damaged_folder_pointer(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "d.mlgit", "files", "7")
    out = mlgit(repo, "status", "d/1", code=1).err
    assert "error: d.mlgit: damaged pointer: it says 7 files" in out


def test_adding_the_data_again_repairs_the_pointer(repo: Path) -> None:
    _setup(repo)
    _edit(repo / "a.txt.mlgit", "size", HUGE)
    _edit(repo / "d.mlgit", "files", "7")
    out = mlgit(repo, "add", "a.txt", "d").out
    assert "updated a.txt (6 B)" in out and "updated d (2 files" in out
    assert mlgit(repo, "status").out == "a.txt: unchanged\nd: unchanged\n"
    mlgit(repo, "ls")
