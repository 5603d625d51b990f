"""Warnings about the repository reach the screen only through the callback the command line
hands in: the library itself prints nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.repo import Repo
from tests.conftest import mlgit


def _with_unknown_key(gitrepo: Path) -> Path:
    mlgit(gitrepo, "init")
    with (gitrepo / ".mlgit" / "config.yaml").open("a", encoding="utf-8") as f:
        f.write("core:\n  colour: blue\n")
    return gitrepo


def test_the_library_only_hands_warnings_to_its_caller(
        gitrepo: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(_with_unknown_key(gitrepo))
    heard: list[str] = []
    Repo.find(warn=heard.append)
    Repo.find()
    assert capsys.readouterr() == ("", "")
    assert len(heard) == 1 and "unknown config key 'core.colour' is ignored" in heard[0]


@pytest.mark.parametrize("args", [["status"], ["ls"], ["status", "--remote", "x"],
                                  ["config", "core.jobs"], ["version"]])
def test_the_command_line_shows_each_warning_once(gitrepo: Path, args: list[str]) -> None:
    result = mlgit(_with_unknown_key(gitrepo), *args, code=None)
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, result.err
    assert "unknown config key 'core.colour' is ignored" in warnings[0]
