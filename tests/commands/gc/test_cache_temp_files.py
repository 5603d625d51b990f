"""Temp files a killed command leaves in the cache are removed by the next gc, whatever their
age (gc holds the cache lock exclusively, so nothing is writing them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git, mlgit


def test_gc_removes_the_partial_object_of_a_killed_add(gitrepo: Path) -> None:
    mlgit(gitrepo, "init")
    big = gitrepo / "big.bin"
    with open(big, "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1 << 20))
    tmp_dir = gitrepo / ".mlgit" / "cache" / "tmp"
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "add", "big.bin"], cwd=gitrepo)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (tmp_dir.is_dir() and any(tmp_dir.iterdir())):
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = list(tmp_dir.iterdir()) if tmp_dir.is_dir() else []
    if not leftovers:
        # the add finished before it could be killed: make the leftover by hand, as a
        # killed add names it (its writer's pid, then a counter)
        tmp_dir.mkdir(exist_ok=True)
        (tmp_dir / f".{proc.pid}-1.tmp").write_bytes(b"partial")
        leftovers = list(tmp_dir.iterdir())
    mlgit(gitrepo, "add", "big.bin")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "big")
    mlgit(gitrepo, "gc", "-f")
    assert not any(p.exists() for p in leftovers)
    big.unlink()
    mlgit(gitrepo, "checkout")
    assert big.stat().st_size == 64 << 20
