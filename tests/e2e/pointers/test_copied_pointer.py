"""A pointer copied to a new name (its `path` still names the old one): status, checkout,
push and pull name it once, in one error line, with the hint that fixes it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import mlgit, write

MESSAGE = ('b.mlgit: path is "a", but this pointer can only describe "b" (the name of the'
           ' pointer file without .mlgit)')
HINT = "hint: if the pointer was renamed, set its path to \"b\"; else re-create it with"


def _copied(repo: Path) -> Path:
    write(repo / "a", "data")
    mlgit(repo, "add", "a")
    shutil.copy(repo / "a.mlgit", repo / "b.mlgit")
    return repo


def test_status(repo: Path) -> None:
    result = mlgit(_copied(repo), "status", code=1)
    assert result.lines == ["a: unchanged"]
    assert result.err.splitlines()[0] == f"error: {MESSAGE}"
    assert result.err.splitlines()[1].startswith(HINT) and len(result.err.splitlines()) == 2


def test_checkout(repo: Path) -> None:
    result = mlgit(_copied(repo), "checkout", code=1)
    errors = result.err.splitlines()
    assert errors[0] == f"error: {MESSAGE}"
    assert errors[1].startswith(HINT) and len(errors) == 2, result.err
    assert result.err.count("b.mlgit") == 1


def test_push_and_pull(repo: Path, tmp_path: Path) -> None:
    _copied(repo)
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    for command in ("push", "pull"):
        result = mlgit(repo, command, code=1)
        errors = result.err.splitlines()
        assert errors == [f"error: {MESSAGE}", errors[1]], result.err
        assert errors[1].startswith(HINT)
