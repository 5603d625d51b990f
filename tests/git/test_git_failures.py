"""Every way Git can fail under mlgit (git missing or not runnable, a git command failing, a
damaged repository read through libgit2) is one `error:` line, one `hint:` line, exit 1."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write
from tests.hooks.helpers import BIN


@pytest.fixture
def committed(repo: Path) -> Path:
    write(repo / "m.bin", "v1")
    mlgit(repo, "add", "m.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    return repo


def _path_with_git(folder: Path | None) -> dict[str, str]:
    """PATH with this venv (python, mlgit) and, when given, `folder` instead of Git."""
    keep = [d for d in os.environ["PATH"].split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "git"))]
    return {"PATH": os.pathsep.join([*([str(folder)] if folder else []), BIN, *keep])}


def test_git_not_on_path(committed: Path) -> None:
    result = mlgit(committed, "status", code=None, env=_path_with_git(None))
    assert_clean_error(result, "git is not installed or not on PATH", "install Git")


def test_git_that_cannot_be_run(committed: Path, tmp_path: Path) -> None:
    write(tmp_path / "fake" / "git", "#!/bin/sh\nexit 0\n").chmod(0o644)
    result = mlgit(committed, "status", code=None, env=_path_with_git(tmp_path / "fake"))
    assert_clean_error(result, "git cannot be run: Permission denied", "command -v git")


def test_a_failing_git_command(committed: Path) -> None:
    (committed / ".git" / "index").write_bytes(b"not an index")
    result = mlgit(committed, "status", code=None)
    assert_clean_error(result, "git ls-files failed: fatal:", "hint: run 'git status'")


def test_a_failing_git_command_in_a_hook(committed: Path) -> None:
    result = mlgit(committed, "hook", "post-checkout", "no-such-commit", "HEAD", "1", code=None)
    assert_clean_error(result, "git diff failed: ", "hint: run 'git status'")


@pytest.mark.parametrize("args", [["diff", "HEAD"], ["get", "HEAD", "m.bin", "-o", "out.bin"],
                                  ["checkout", "--rev", "HEAD"], ["gc", "-n", "--all-commits"],
                                  ["push", "--rev", "HEAD", "--no-workspace"]])
def test_a_missing_git_object_read_through_libgit2(committed: Path, args: list[str]) -> None:
    tree = git(committed, "rev-parse", "HEAD^{tree}").strip()
    loose = committed / ".git" / "objects" / tree[:2] / tree[2:]
    shutil.move(loose, committed / "tree-object")
    mlgit(committed, "remote", "add", "r", str(committed.parent / "store"))
    result = mlgit(committed, *args, code=None)
    assert_clean_error(result, "failed: ", "hint: run 'git status' (and 'git fsck'")
    assert subprocess.run(["git", "fsck"], cwd=committed, capture_output=True).returncode != 0
