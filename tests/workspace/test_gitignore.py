from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlgit.workspace import gitignore

NAMES = ["plain", "with space", "trailing space ", "#hash", "!bang", "star*", "q?", "[set]",
         "back\\slash", "ünïcödé", "日本"]


@pytest.mark.parametrize("name", NAMES)
def test_entry_matches_exactly_that_path_with_real_git(tmp_path: Path, name: str) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / name).write_text("x")
    decoy = "decoy" + name.replace("*", "x")
    (tmp_path / decoy).write_text("x")
    gitignore.add_entry(str(tmp_path), name)
    def ignored(p: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--", p], cwd=tmp_path).returncode == 0

    assert ignored(name)
    assert not ignored(decoy)
    gitignore.remove_entry(str(tmp_path), name)
    assert not ignored(name)
    assert not (tmp_path / ".gitignore").exists()


def test_existing_lines_are_kept(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.pyc\n# comment\n")
    gitignore.add_entry(str(tmp_path), "data")
    gitignore.add_entry(str(tmp_path), "data")
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n# comment\n/data\n"
    gitignore.remove_entry(str(tmp_path), "data")
    assert (tmp_path / ".gitignore").read_text() == "*.pyc\n# comment\n"
