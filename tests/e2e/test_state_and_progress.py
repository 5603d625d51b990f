"""The state DB spares re-hashing; progress bars appear on a terminal and nowhere else."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlgit import hashing
from mlgit.cli.main import run
from mlgit.storage import objects
from tests.conftest import make_tree, mlgit, read_pty, write


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file mlgit hashes or stores, by path (in this process)."""
    seen: list[str] = []
    real_hash, real_put = hashing.hash_file, objects.LocalODB.put_file

    def hash_file(path: str) -> tuple[str, int]:
        seen.append(str(path))
        return real_hash(path)

    def put_file(self: objects.LocalODB, src: str, size: int) -> tuple[str, int]:
        seen.append(src)
        return real_put(self, src, size)

    monkeypatch.setattr(hashing, "hash_file", hash_file)
    monkeypatch.setattr("mlgit.workspace.scan.hashing.hash_file", hash_file)
    monkeypatch.setattr(objects.LocalODB, "put_file", put_file)
    return seen


def _old_mtimes(root: Path) -> None:
    """Age files past the racy window, as if they were written a while ago."""
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(Path(dirpath) / name, (1_600_000_000, 1_600_000_000))


def test_unchanged_files_are_hashed_once(repo: Path, count_reads: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(repo / "data", {f"f{i}": f"content {i}" for i in range(50)})
    _old_mtimes(repo / "data")
    monkeypatch.chdir(repo)
    assert run(["add", "data"]) == 0
    assert len(count_reads) == 50
    count_reads.clear()
    assert run(["status"]) == 0
    assert run(["add", "data"]) == 0
    assert count_reads == []  # nothing re-read
    write(repo / "data" / "f7", "changed")
    assert run(["status", "-q"]) == 1
    assert [Path(p).name for p in count_reads] == ["f7"]


def _stderr_on_a_terminal(repo: Path, *args: str) -> tuple[int, str]:
    """Run mlgit with stderr on a pseudo-terminal: (exit code, what it wrote there)."""
    env = {k: v for k, v in os.environ.items() if k != "MLGIT_NO_PROGRESS"}
    main, secondary = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "mlgit", *args], cwd=repo,
                              env=env, stdout=subprocess.PIPE, stderr=secondary, timeout=60)
        os.close(secondary)
        screen = read_pty(main)
    finally:
        os.close(main)
    return proc.returncode, screen.decode(errors="replace")


def test_progress_shows_on_a_terminal_only(repo: Path) -> None:
    make_tree(repo / "data", {f"f{i}": os.urandom(100) for i in range(200)})
    code, tty_err = _stderr_on_a_terminal(repo, "add", "data")
    assert code == 0
    assert "files" in tty_err and "add data" in tty_err
    # not a terminal: no progress noise at all
    env = {k: v for k, v in os.environ.items() if k != "MLGIT_NO_PROGRESS"}
    (repo / "data" / "new").write_text("x")
    quiet = mlgit(repo, "add", "data", env=env)
    assert quiet.err == ""


def test_push_and_pull_show_files_and_bytes_on_a_terminal(repo: Path, tmp_path: Path) -> None:
    make_tree(repo / "data", {f"f{i}": os.urandom(3000) for i in range(300)})
    mlgit(repo, "add", "data")
    (tmp_path / "store").mkdir()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    code, tty_err = _stderr_on_a_terminal(repo, "push")
    assert code == 0 and "push" in tty_err and "files" in tty_err and "B/s" in tty_err
    shutil.rmtree(repo / ".mlgit" / "cache")
    shutil.rmtree(repo / "data")
    code, tty_err = _stderr_on_a_terminal(repo, "pull")
    assert code == 0 and "fetch" in tty_err and "checkout data" in tty_err
