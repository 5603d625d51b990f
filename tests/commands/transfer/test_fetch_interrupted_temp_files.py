"""Ctrl-C (or SIGTERM) during fetch or pull says `interrupted` and leaves no temp file in the
cache: neither a loose object being downloaded nor a pack being written, also when other
threads are still writing them as the process exits (docs/exit-codes.md, exit code 130)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, mlgit, read_tree, stopped_midway


def _temps(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob(".*") if p.name.endswith(".mlgit-tmp"))


@pytest.fixture(params=["loose", "chunks"])
def clone(request: pytest.FixtureRequest, repo: Path, tmp_path: Path) -> tuple[Path, dict]:
    """A clone with an empty cache, whose remote holds three 40 MiB files as loose objects
    or (cut in chunks) in packs."""
    if request.param == "chunks":
        mlgit(repo, "config", "cache.chunk_threshold", str(1 << 20))
    data = {f"big{i}.bin": os.urandom(40 << 20) for i in range(3)}
    for name, blob in data.items():
        (repo / name).write_bytes(blob)
    mlgit(repo, "add", *data)
    store = tmp_path / "store"
    store.mkdir()
    mlgit(repo, "remote", "add", "origin", str(store))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    mlgit(repo, "push")
    other = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(other))
    return other, data


def _interrupted(cwd: Path, verb: str, sig: int) -> tuple[int, str]:
    """`verb`, stopped by `sig` while a download is being written into the cache."""
    cache = cwd / ".mlgit" / "cache"

    def undo() -> None:
        mlgit(cwd, "gc", "-f", "--all-commits")
        subprocess.run(["rm", "-rf", str(cache)], check=True)

    return stopped_midway(cwd, verb, sig, lambda: bool(_temps(cache)), undo)


@pytest.mark.parametrize(("verb", "sig"), [("fetch", signal.SIGINT), ("pull", signal.SIGTERM)])
def test_an_interrupted_fetch_leaves_no_temp_file_in_the_cache(
        clone: tuple[Path, dict], verb: str, sig: int) -> None:
    where, data = clone
    code, err = _interrupted(where, verb, sig)
    assert code == 130
    assert err.strip().splitlines()[-1] == "interrupted"
    assert _temps(where / ".mlgit" / "cache") == []
    again = json.loads(mlgit(where, "pull", "--json").out)
    assert again["failed"] == []
    assert {k: v for k, v in read_tree(where).items() if k in data} == data
    assert mlgit(where, "fsck").code == 0
