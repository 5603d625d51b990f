"""Paths typed by the user: a reserved folder (.git, .mlgit) is named in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.errors import BadPath
from mlgit.paths import resolve_user_path


@pytest.mark.parametrize(("arg", "says"), [
    ("sub/.git/f", "path is inside sub/.git/, which mlgit never tracks"),
    ("a/b/.mlgit/c/d", "path is inside a/b/.mlgit/,"),
    (".git/config", "path is inside .git/,"),
    ("sub/.git", "path is a .git folder,"),
    (".mlgit", "path is the .mlgit folder,"),
])
def test_reserved_folders_are_named_in_full(tmp_path: Path, arg: str, says: str) -> None:
    with pytest.raises(BadPath) as info:
        resolve_user_path(str(tmp_path), arg, cwd=str(tmp_path))
    assert info.value.message.startswith(f"{arg}: {says}"), info.value.message
    assert info.value.hint
