"""A push or pull killed half-way leaves a consistent state, and running it again finishes
the job without sending again what already arrived (local folder remote, real processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import git, mlgit, read_tree

FILES = 16
SIZE = 8 << 20


def _loose_objects(store: Path) -> list[Path]:
    return [p for p in store.glob("??/*") if not p.name.startswith(".")]


def _start(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "mlgit", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _stop_when(proc: subprocess.Popen[bytes], arrived: Callable[[], bool], sig: int) -> None:
    deadline = time.monotonic() + 60
    while not arrived() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(sig)
    proc.communicate(timeout=60)


def _setup(repo: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    data = {f"models/m{i:02d}.bin": os.urandom(SIZE) for i in range(FILES)}
    for rel, blob in data.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(blob)
    store = tmp_path / "store"
    store.mkdir()
    mlgit(repo, "add", "models")
    mlgit(repo, "remote", "add", "origin", str(store))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "models")
    return store, data


def test_a_killed_push_is_finished_by_the_next_one(repo: Path, tmp_path: Path) -> None:
    store, data = _setup(repo, tmp_path)
    proc = _start(repo, "push", "-j", "1")
    _stop_when(proc, lambda: len(_loose_objects(store)) >= 1, signal.SIGKILL)
    arrived = len(_loose_objects(store))
    assert 0 < arrived < FILES, arrived
    again = json.loads(mlgit(repo, "push", "--json").out)
    assert again["already"] >= arrived
    assert again["transferred"] + again["already"] == FILES + 1  # + the folder manifest
    assert again["failed"] == []
    assert len(_loose_objects(store)) == FILES
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert read_tree(clone / "models") == {k.removeprefix("models/"): v for k, v in data.items()}


def test_an_interrupted_pull_exits_130_and_the_next_one_finishes(repo: Path,
                                                                  tmp_path: Path) -> None:
    _, data = _setup(repo, tmp_path)
    mlgit(repo, "push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    cache = clone / ".mlgit" / "cache"
    proc = _start(clone, "pull", "-j", "1")
    _stop_when(proc, lambda: len(_loose_objects(cache)) >= 1, signal.SIGINT)
    assert proc.returncode == 130
    assert len(_loose_objects(cache)) < FILES
    again = json.loads(mlgit(clone, "pull", "--json").out)
    assert again["already"] >= 1 and again["failed"] == []
    assert read_tree(clone / "models") == {k.removeprefix("models/"): v for k, v in data.items()}
    assert mlgit(clone, "status").out.strip() == "models: unchanged"
