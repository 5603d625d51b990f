"""A stage whose wdir is missing, or is a file, fails with a message that says so."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mlgit, write

PIPELINE = "stages:\n  a:\n    cmd: echo > x\n    wdir: work\n    outs: [x]\n"


def test_a_missing_wdir_is_named(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    result = mlgit(repo, "repro", code=1)
    assert "error: a failed: its wdir 'work' is not a folder" in result.err
    assert "No such file" not in result.err


def test_a_wdir_that_is_a_file_is_named(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "work", "a file\n")
    result = mlgit(repo, "repro", code=1)
    assert "error: a failed: its wdir 'work' is not a folder" in result.err
    status = mlgit(repo, "status")
    assert "a: never run" in status.out
