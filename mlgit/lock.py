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


CACHE_LOCK = "lock"
"""A file at the top of the cache: writers of any work tree using the cache hold a shared
flock on it, `gc` an exclusive one."""


@contextlib.contextmanager
def cache_lock(cache_dir: str, timeout: float, exclusive: bool, create: bool
               ) -> Iterator[None]:
    """Lock the cache; without `create` only if its lock file exists (some work tree or
    repository that shares the cache made it)."""
    path = os.path.join(cache_dir, CACHE_LOCK)
    try:  # read-only is enough for flock, and works in a cache other users share
        fd = os.open(path, os.O_RDONLY | (os.O_CREAT if create else 0), 0o666)
    except (FileNotFoundError, PermissionError):  # not shared, no cache yet, or not ours
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(_cache_busy(cache_dir, exclusive),
                                   "wait for it to finish and retry; raise core.lock_timeout"
                                   " to wait longer") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _cache_busy(cache_dir: str, exclusive: bool) -> str:
    if exclusive:
        return (f"another mlgit command is using the cache {cache_dir}"
                " (from another work tree or repository)")
    return f"mlgit gc is cleaning the cache {cache_dir} (from another work tree or repository)"


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
