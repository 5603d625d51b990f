"""The repo lock: an flock on `.mlgit/tmp/lock`, released by the OS if the process dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

from mlgit.errors import LockBusy


@contextlib.contextmanager
def repo_lock(path: str, timeout: float) -> Iterator[None]:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, timeout)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def _acquire(fd: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"another mlgit command is working in this repository ({_holder(path)})",
                    "wait for it to finish and retry; raise core.lock_timeout to wait longer",
                ) from None
            time.sleep(0.05)


def _holder(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            pid = f.read().strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid else "lock file " + path
