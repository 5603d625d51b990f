"""Two branches that each add a remote conflict in .mlgit/config.yaml when merged: mlgit says
"merge conflict" and how to resolve it, and never suggests deleting the settings."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import assert_clean_error, git, mlgit


def _conflicted(repo: Path, tmp_path: Path) -> None:
    git(repo, "commit", "-qm", "init")
    git(repo, "checkout", "-qb", "r1")
    mlgit(repo, "remote", "add", "one", str(tmp_path / "one"))
    git(repo, "commit", "-qam", "r1")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "r2")
    mlgit(repo, "remote", "add", "two", str(tmp_path / "two"))
    git(repo, "commit", "-qam", "r2")
    merge = subprocess.run(["git", "merge", "r1"], cwd=repo, capture_output=True, text=True)
    assert merge.returncode == 1 and "config.yaml" in merge.stdout, merge


def test_a_conflicted_config_says_merge_conflict(repo: Path, tmp_path: Path) -> None:
    git(repo, "add", "-A")
    _conflicted(repo, tmp_path)
    before = (repo / ".mlgit" / "config.yaml").read_bytes()
    for command in (["status"], ["remote", "list"], ["push"]):
        result = mlgit(repo, *command, code=None)
        assert_clean_error(result, "error: merge conflict in .mlgit/config.yaml",
                           "core.remote", "git add .mlgit/config.yaml")
        assert "delete" not in result.err and "invalid YAML" not in result.err
    assert (repo / ".mlgit" / "config.yaml").read_bytes() == before

    # resolved as the hint says: both remotes, one core.remote
    merged = (f"remote:\n  one:\n    url: {tmp_path / 'one'}\n  two:\n    url: {tmp_path / 'two'}\n"
              "core:\n  remote: two\n")
    (repo / ".mlgit" / "config.yaml").write_text(merged)
    git(repo, "add", ".mlgit/config.yaml")
    listed = mlgit(repo, "remote", "list").out
    assert "* two" in listed and "  one" in listed, (merged, listed)
