"""The forked workers that share a large folder's scan and store: the work must really be
split over the processes, and a worker that fails or is killed must leave its share to the
parent, never change the results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mlgit.errors import ConfigError
from mlgit.hashing import hash_bytes
from mlgit.workspace import scan, scan_workers
from tests.conftest import mlgit, write

FOLDERS = 6
PER_FOLDER = scan_workers.MIN_SHARE * 3 // FOLDERS + 10  # enough for three processes

SCAN = """
import json, os, signal
from mlgit.repo import Repo
from mlgit.workspace import scan
if os.environ.get("KILL_WORKERS"):  # every worker is killed as soon as it is forked
    os.register_at_fork(after_in_child=lambda: os.kill(os.getpid(), signal.SIGKILL))
repo = Repo.find()
found = scan.files_of(repo.state, repo.odb, os.path.abspath("data"), "data", strict=False,
                      store=False, jobs=1)
repo.close()
print(json.dumps({"files": found.files, "delivered": found.workers, "pid": os.getpid()}))
"""


def fresh_python(code: str, cwd: Path, env: dict[str, str]) -> Any:
    """Run `code` in a new interpreter (single-threaded, as the CLI is: a test process may
    have threads of earlier tests left, and then mlgit rightly never forks) and decode the
    JSON it prints."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **env}, check=True)
    return json.loads(proc.stdout)


def test_each_share_runs_in_a_worker_process_of_its_own() -> None:
    here, theirs, delivered = scan_workers.in_parallel(os.getpid, [os.getpid] * 3)
    assert here == os.getpid()
    assert len(set(theirs)) == 3 and os.getpid() not in theirs
    assert delivered == theirs


def test_a_failing_or_killed_worker_leaves_its_share_undone() -> None:
    def fails() -> None:
        raise OSError("disk gone")

    def dies_silently() -> None:
        os._exit(0)

    def killed() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    _, theirs, delivered = scan_workers.in_parallel(
        lambda: None, [fails, dies_silently, killed, os.getpid])
    assert theirs[:3] == [None, None, None]
    assert delivered == [theirs[3]] != [os.getpid()]


def test_a_worker_killed_while_sending_its_result_counts_as_failed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def sends_a_lot() -> bytes:
        pid_file.write_text(str(os.getpid()))
        return b"x" * (8 << 20)  # far more than a pipe holds: it blocks until read

    def kill_it_midway() -> None:
        deadline = time.monotonic() + 30
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.01)
        time.sleep(0.3)  # it has filled the pipe and waits for it to be read
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    _, theirs, delivered = scan_workers.in_parallel(kill_it_midway, [sends_a_lot])
    assert theirs == [None] and delivered == []


def test_the_worker_count_is_the_usable_cpus_unless_set(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv(scan_workers.WORKERS_ENV, raising=False)
    assert scan_workers.worker_count() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(scan_workers.WORKERS_ENV, "8")
    assert scan_workers.worker_count() == 8
    counts = fresh_python("from mlgit.workspace.scan_workers import MIN_FILES, workers_for\n"
                          "print([workers_for(n) for n in (MIN_FILES - 1, MIN_FILES, 100_000)])",
                          tmp_path, {})
    assert counts == [1, 2, 8]  # each process gets at least MIN_SHARE files
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(scan_workers.WORKERS_ENV, bad)
        with pytest.raises(ConfigError, match=scan_workers.WORKERS_ENV):
            scan_workers.worker_count()


def test_deal_spreads_items_round_robin() -> None:
    assert scan_workers.deal(["a", "b", "c", "d", "e"], 3) == [["a", "d"], ["b", "e"], ["c"]]
    assert scan_workers.deal(["a"], 4) == [["a"]]


@pytest.fixture
def tracked(repo: Path) -> Path:
    """A tracked folder of FOLDERS subfolders, every file recorded as verified, then a
    changed file in each subfolder and a foreign symlink in one: stale work for every
    process."""
    data = repo / "data"
    for d in range(FOLDERS):
        (data / f"part{d}").mkdir(parents=True)
        for i in range(PER_FOLDER):
            (data / f"part{d}" / f"f{i}").write_bytes(b"%d-%d" % (d, i))
        os.utime(data / f"part{d}", (1_600_000_000, 1_600_000_000))
    for path in data.rglob("f*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    mlgit(repo, "add", "data")
    mlgit(repo, "status")
    for d in range(FOLDERS):
        write(data / f"part{d}" / "f1", f"changed {d}")
    (data / "part4" / "link").symlink_to("/nowhere")
    return repo


def _scan(repo: Path, workers: int, kill: bool = False) -> tuple[Any, list[int]]:
    """files_of(data) in a new process: (what it found, the pids of the workers that
    delivered their share)."""
    env = {scan_workers.WORKERS_ENV: str(workers), "KILL_WORKERS": "1" if kill else ""}
    found = fresh_python(SCAN, repo, env)
    assert found["pid"] not in found["delivered"]
    return found["files"], found["delivered"]


def test_a_large_scan_is_split_over_the_workers(tracked: Path) -> None:
    alone, delivered = _scan(tracked, 1)
    assert delivered == []
    split, delivered = _scan(tracked, 3)
    assert len(set(delivered)) == 2
    assert split == alone
    assert len(alone) == FOLDERS * PER_FOLDER + 1
    assert alone["part4/link"][0] == scan.FOREIGN
    assert alone["part2/f1"][0] == hash_bytes(b"changed 2")  # hashed again, by a worker


def test_killed_scan_workers_change_nothing(tracked: Path) -> None:
    split, delivered = _scan(tracked, 3, kill=True)
    assert delivered == []
    assert split == _scan(tracked, 1)[0]


def _packs(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / ".mlgit" / "cache" / "packs").glob("*.pack"))


@pytest.mark.slow
def test_a_large_add_is_stored_by_every_worker_into_a_pack_of_its_own(repo: Path) -> None:
    data = repo / "data"
    for d in range(FOLDERS):
        (data / f"part{d}").mkdir(parents=True)
        for i in range(PER_FOLDER):
            (data / f"part{d}" / f"f{i}").write_bytes(b"%d-%d" % (d, i))
    mlgit(repo, "add", "data", env={scan_workers.WORKERS_ENV: "3"})
    assert len(_packs(repo)) == 3
    mlgit(repo, "fsck")
    write(data / "part0" / "f0", "changed")
    for i in range(scan_workers.MIN_FILES):
        write(data / "new" / f"n{i}", f"new {i}")
    mlgit(repo, "add", "data", env={scan_workers.WORKERS_ENV: "1"})
    assert len(_packs(repo)) == 4
    mlgit(repo, "fsck")
    assert mlgit(repo, "status", "-q", env={scan_workers.WORKERS_ENV: "3"}).code == 0


@pytest.mark.parametrize("value", ["many", "\u00b2"])  # '²': a digit to str.isdigit, not to int
def test_a_bad_worker_count_is_a_clean_error(repo: Path, value: str) -> None:
    write(repo / "data" / "a", "a")
    result = mlgit(repo, "add", "data", env={scan_workers.WORKERS_ENV: value}, code=1)
    assert result.err.splitlines()[0] == (
        f"error: {scan_workers.WORKERS_ENV} must be a whole number of at least 1, not {value!r}")


@pytest.mark.parametrize("verb", ["status", "checkout", "push", "ls"])
def test_a_bad_worker_count_is_one_error_before_anything(repo: Path, tmp_path: Path,
                                                        verb: str) -> None:
    # Not an error per folder that reads as if its pointer were broken.
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    write(repo / "data" / "a", "a")
    mlgit(repo, "add", "data")
    result = mlgit(repo, verb, env={scan_workers.WORKERS_ENV: "abc"}, code=1)
    assert result.out == ""
    assert result.err.splitlines() == [
        f"error: {scan_workers.WORKERS_ENV} must be a whole number of at least 1, not 'abc'",
        f"hint: unset {scan_workers.WORKERS_ENV} to use every CPU this process may run on"]
