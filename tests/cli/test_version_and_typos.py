"""`mlgit --version` prints the version; a mistyped command gets one suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit import __version__
from tests.conftest import mlgit


def test_version_option(tmp_path: Path) -> None:
    result = mlgit(tmp_path, "--version")
    assert result.out == f"mlgit {__version__}\n" and result.err == ""


def test_version_option_is_in_the_help(tmp_path: Path) -> None:
    assert "--version" in mlgit(tmp_path, "--help").out


@pytest.mark.parametrize(("args", "suggestion"), [(["lss"], "'ls'"), (["stauts"], "'status'"),
                                                  (["remote", "lsit"], "'list'")])
def test_a_mistyped_command_is_suggested_once(tmp_path: Path, args: list[str],
                                              suggestion: str) -> None:
    result = mlgit(tmp_path, *args, code=2)
    assert result.err.count("Did you mean") == 1, result.err
    assert f"Did you mean {suggestion}?" in result.err
