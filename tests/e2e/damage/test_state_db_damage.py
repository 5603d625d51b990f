"""A damaged state DB is only a cache of hashes: it is rebuilt with one warning and the
command succeeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import mlgit, write


def _garbage(db: Path) -> None:
    db.write_bytes(b"this is not a database " * 100)


def _truncated(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:100])


def _folder(db: Path) -> None:
    db.unlink()
    (db / "inside").mkdir(parents=True)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": _garbage, "truncated": _truncated, "folder": _folder}


@pytest.mark.parametrize("how", list(DAMAGE))
@pytest.mark.parametrize("command", [["status"], ["add", "f.bin"], ["checkout", "--force"]])
def test_a_damaged_state_db_is_rebuilt_with_one_warning(repo: Path, how: str,
                                                        command: list[str]) -> None:
    write(repo / "f.bin", b"content")
    mlgit(repo, "add", "f.bin")
    db = repo / ".mlgit" / "tmp" / "state.db"
    for extra in db.parent.glob("state.db-*"):
        extra.unlink()
    DAMAGE[how](db)
    result = mlgit(repo, *command)
    warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.err
    assert ".mlgit/tmp/state.db was damaged" in warnings[0] and "rebuilt" in warnings[0]
    assert "error" not in result.err
    assert db.is_file()
    assert (repo / "f.bin").read_bytes() == b"content"
    again = mlgit(repo, "status")
    assert again.err == "" and "f.bin: unchanged" in again.out

