"""Pointer files reached through a symbolic link to a folder outside the work tree are not
used: mlgit never reads or writes data outside the repository, as for `add`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import git, mlgit, write


def _linked_out(repo: Path, tmp_path: Path) -> Path:
    """models/w.bin is tracked; models is then replaced by a link to a folder outside the
    repository holding the same pointer (but not the data)."""
    write(repo / "models/w.bin", "w" * 10)
    write(repo / "top.bin", "t")
    mlgit(repo, "add", "models/w.bin", "top.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    out = tmp_path / "out"
    shutil.move(repo / "models", out)
    (out / "w.bin").unlink()
    (repo / "top.bin").unlink()
    os.symlink(out, repo / "models")
    return out


def test_checkout_does_not_write_through_a_linked_folder(repo: Path, tmp_path: Path) -> None:
    out = _linked_out(repo, tmp_path)
    result = mlgit(repo, "checkout", code=1)
    assert not (out / "w.bin").exists()
    assert "models/w.bin.mlgit: its folder models is a link to a folder outside the" \
        " repository" in result.err
    assert (repo / "top.bin").read_text() == "t"  # the others proceed


def test_status_and_a_named_checkout_report_it(repo: Path, tmp_path: Path) -> None:
    out = _linked_out(repo, tmp_path)
    status = mlgit(repo, "status", code=1)
    assert "error: models/w.bin.mlgit: its folder models is a link" in status.err
    assert "top.bin: deleted" in status.out
    named = mlgit(repo, "checkout", "models/w.bin", code=1)
    assert "outside the repository" in named.err
    assert not (out / "w.bin").exists()


def test_checkout_removes_nothing_through_a_linked_folder(repo: Path, tmp_path: Path) -> None:
    """A no-longer-tracked artifact whose folder became a link out of the repository."""
    write(repo / "models/w.bin", "w" * 10)
    mlgit(repo, "add", "models/w.bin")
    out = tmp_path / "out"
    shutil.move(repo / "models", out)
    (out / "w.bin.mlgit").unlink()  # no pointer: mlgit would remove the data it put there
    os.symlink(out, repo / "models")
    result = mlgit(repo, "checkout", code=1)
    assert (out / "w.bin").read_text() == "w" * 10
    assert "error: models/w.bin: its folder models is a link to a folder outside the" \
        " repository; not removed" in result.err
