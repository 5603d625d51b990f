"""Temp files that a killed command leaves in the work tree are removed by the next command;
a running command's temp files and the user's own files never are."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import git, mlgit, write

BIG = 160 << 20


def _spawn(repo: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "mlgit", *args], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_when_temp_appears(proc: subprocess.Popen[bytes], folder: Path) -> list[str]:
    """SIGKILL `proc` as soon as an mlgit temp file shows in `folder`; the temp names seen
    (none if the command finished first)."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        temps = [n for n in os.listdir(folder) if n.endswith(".mlgit-tmp")]
        if temps:
            proc.kill()
            proc.communicate(timeout=60)
            return temps
    proc.communicate(timeout=60)
    return []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc.kill()
    proc.wait()
    return proc.pid


def _untracked(repo: Path) -> list[str]:
    return [line[3:] for line in git(repo, "status", "--porcelain", "-uall").splitlines()]


@pytest.fixture
def big_checked_in(repo: Path) -> Path:
    mlgit(repo, "config", "cache.link", "copy")  # a copy takes long enough to be caught
    with open(repo / "big.bin", "wb") as f:
        f.truncate(BIG)
    mlgit(repo, "add", "big.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big")
    return repo


def _killed_checkout(repo: Path) -> str:
    for _ in range(3):
        (repo / "big.bin").unlink(missing_ok=True)
        temps = _kill_when_temp_appears(_spawn(repo, "checkout"), repo)
        if temps:
            assert len(temps) == 1 and temps[0].startswith(".big.bin.")
            return temps[0]
    pytest.skip("checkout finished before it could be killed")


def test_a_killed_checkout_leaves_a_temp_file_the_next_checkout_removes(
        big_checked_in: Path) -> None:
    repo = big_checked_in
    temp = _killed_checkout(repo)
    assert (repo / temp).exists()
    assert temp not in _untracked(repo)  # .git/info/exclude keeps it out of `git add -A`
    mlgit(repo, "checkout")
    assert not (repo / temp).exists()
    assert _untracked(repo) == []
    assert (repo / "big.bin").stat().st_size == BIG
    assert mlgit(repo, "status", "-q").code == 0


def test_status_removes_a_killed_checkouts_temp_file(big_checked_in: Path) -> None:
    repo = big_checked_in
    temp = _killed_checkout(repo)
    mlgit(repo, "status", code=None)
    assert not (repo / temp).exists()
    assert _untracked(repo) == []


def test_a_targeted_checkout_removes_leftovers_beside_its_target(big_checked_in: Path) -> None:
    repo = big_checked_in
    temp = _killed_checkout(repo)
    mlgit(repo, "checkout", "big.bin")
    assert not (repo / temp).exists()
    assert (repo / "big.bin").stat().st_size == BIG


def test_leftovers_inside_a_tracked_folder_are_removed(repo: Path) -> None:
    write(repo / "data" / "sub" / "a", "1")
    mlgit(repo, "add", "data")
    dead = write(repo / "data" / "sub" / f".a.{_dead_pid()}-3.mlgit-tmp", "half")
    live = write(repo / "data" / "sub" / f".a.{os.getpid()}-3.mlgit-tmp", "being written")
    assert "data: unchanged" in mlgit(repo, "status").out
    assert not dead.exists()
    assert live.exists()


def test_a_killed_add_leaves_nothing_that_the_next_add_does_not_clean(repo: Path) -> None:
    with open(repo / "big.bin", "wb") as f:
        f.truncate(BIG)
    cache_tmp = repo / ".mlgit" / "cache" / "tmp"
    cache_tmp.mkdir(parents=True, exist_ok=True)
    proc = _spawn(repo, "add", "big.bin")
    if not _kill_when_temp_appears_in(proc, cache_tmp):
        pytest.skip("add finished before it could be killed")
    assert not (repo / "big.bin.mlgit").exists()
    # what an add killed while writing its pointer and .gitignore leaves beside them
    pid = _dead_pid()
    leftovers = [write(repo / f".big.bin.mlgit.{pid}-0.mlgit-tmp", "version: 1\n"),
                 write(repo / f".gitignore.{pid}-1.mlgit-tmp", "/big")]
    # a running command's temp file, and the user's own files, are never touched
    kept = [write(repo / f".other.bin.{os.getpid()}-0.mlgit-tmp", "being written"),
            write(repo / "notes.mlgit-tmp", "mine"), write(repo / ".notes.mlgit-tmp", "mine"),
            write(repo / f".x.{pid}-0.mlgit-tmp.txt", "mine")]
    mlgit(repo, "add", "big.bin")
    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in kept)
    assert sorted(p for p in _untracked(repo) if not p.startswith(".mlgit/")) == sorted(
        [".gitignore", "big.bin.mlgit", *(p.name for p in kept)])
    assert mlgit(repo, "status", "-q").code == 0


def _kill_when_temp_appears_in(proc: subprocess.Popen[bytes], folder: Path) -> bool:
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if os.listdir(folder):
            proc.kill()
            proc.communicate(timeout=60)
            return True
    proc.communicate(timeout=60)
    return False
