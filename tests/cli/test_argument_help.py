"""`--help` of a command shows the help text of its arguments."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mlgit


def test_help_shows_argument_help(tmp_path: Path) -> None:
    # click 8.5 silently dropped typer's argument help; pyproject pins a compatible click.
    add = mlgit(tmp_path, "add", "--help")
    assert "Files, folders or glob patterns." in add.out
    config = mlgit(tmp_path, "config", "--help")
    assert "Setting name, e.g. cache.link." in config.out
    assert "New value; omit to read." in config.out
