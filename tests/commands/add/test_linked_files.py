"""add of a file that is mlgit's own link into the cache: a no-op when re-added, and refused
when the link goes into another repository's cache."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit, write


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_re_adding_a_linked_file_is_a_no_op(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    write(repo / "m.bin", "model")
    write(repo / "run.sh", "#!/bin/sh\n").chmod(0o755)
    mlgit(repo, "add", "m.bin", "run.sh")
    assert (repo / "m.bin").is_symlink() == (link == "symlink")
    again = mlgit(repo, "add", "m.bin", "run.sh")
    assert again.lines[:2] == ["unchanged m.bin (5 B)", "unchanged run.sh (10 B)"]
    # the link's read-only mode does not erase the recorded executable bit
    assert b"exec: true" in (repo / "run.sh.mlgit").read_bytes()
    mlgit(repo, "status", code=0)


def test_a_symlink_into_another_repos_cache_is_still_refused(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=other, check=True)
    mlgit(other, "init")
    mlgit(other, "config", "cache.link", "symlink")
    write(other / "m.bin", "model")
    mlgit(other, "add", "m.bin")
    (repo / "m.bin").symlink_to(os.readlink(other / "m.bin"))
    assert_clean_error(mlgit(repo, "add", "m.bin", code=None), "m.bin: is a symbolic link")
