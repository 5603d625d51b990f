"""A folder where a pointer file should be (the pointer moved away and a folder created with
its name) is reported like an unreadable pointer, never silently dropped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import git, mlgit, write


def _folder_for_pointer(repo: Path) -> None:
    write(repo / "big.bin", "b" * 100)
    write(repo / "small.bin", "s")
    mlgit(repo, "add", "big.bin", "small.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    shutil.move(repo / "big.bin.mlgit", repo.parent / "moved.mlgit")
    (repo / "big.bin.mlgit").mkdir()


def test_status_reports_a_folder_where_a_pointer_should_be(repo: Path) -> None:
    _folder_for_pointer(repo)
    out = mlgit(repo, "status", code=1)
    assert "error: big.bin.mlgit: is a folder, not a pointer file" in out.err
    assert "small.bin: unchanged" in out.out
    rows = json.loads(mlgit(repo, "status", "--json", code=1).out)
    assert len(rows) == 2


def test_ls_reports_a_folder_where_a_pointer_should_be(repo: Path) -> None:
    _folder_for_pointer(repo)
    out = mlgit(repo, "ls", code=1)
    assert "big.bin.mlgit  (error: is a folder, not a pointer file)" in out.out
    assert "small.bin" in out.out


def test_checkout_reports_it_and_leaves_the_data(repo: Path) -> None:
    _folder_for_pointer(repo)
    out = mlgit(repo, "checkout", code=1)
    assert "big.bin.mlgit: is a folder, not a pointer file" in out.err
    assert (repo / "big.bin").read_text() == "b" * 100
