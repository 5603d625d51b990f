"""The repo lock: a second writer waits briefly, then fails clearly; nothing is corrupted."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_tree, mlgit, read_tree, write


def test_second_writer_fails_clearly_while_lock_is_held(repo: Path) -> None:
    write(repo / "m.bin", "x")
    mlgit(repo, "config", "core.lock_timeout", "0.3")
    lock = repo / ".mlgit" / "tmp" / "lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        result = mlgit(repo, "add", "m.bin", code=1)
        assert "another mlgit command is working in this repository (pid 4242)" in result.err
        assert "hint:" in result.err
        assert not (repo / "m.bin.mlgit").exists()
    finally:
        os.close(fd)
    mlgit(repo, "add", "m.bin")  # the lock is released with its holder


def test_concurrent_adds_both_succeed(repo: Path) -> None:
    make_tree(repo / "a", {f"f{i}": os.urandom(2000) for i in range(300)})
    make_tree(repo / "b", {f"g{i}": os.urandom(2000) for i in range(300)})
    mlgit(repo, "config", "core.lock_timeout", "60")
    procs = [subprocess.Popen([sys.executable, "-m", "mlgit", "add", d], cwd=repo,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for d in "ab"]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    expected = {d: read_tree(repo / d) for d in "ab"}
    import shutil

    for d in "ab":
        shutil.rmtree(repo / d)
    mlgit(repo, "checkout")
    assert {d: read_tree(repo / d) for d in "ab"} == expected
    assert set((repo / ".gitignore").read_text().split()) == {"/a", "/b"}
