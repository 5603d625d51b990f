"""Regression tests for reported bugs: each one failed before its fix."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run, mlgit


def assert_clean_error(result: Run, *needles: str) -> None:
    """Bad input: exactly one `error:` line and one `hint:` line on stderr, exit 1."""
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 2, result.err
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.err
    for needle in needles:
        assert needle in result.err, (needle, result.err)


# --- --help shows the help text of arguments ------------------------------------------------


def test_help_shows_argument_help(tmp_path: Path) -> None:
    # click 8.5 silently dropped typer's argument help; pyproject pins a compatible click.
    add = mlgit(tmp_path, "add", "--help")
    assert "Files, folders or glob patterns." in add.out
    config = mlgit(tmp_path, "config", "--help")
    assert "Setting name, e.g. cache.link." in config.out
    assert "New value; omit to read." in config.out
