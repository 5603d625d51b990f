"""Spreading the per-file work of a large folder over the CPUs with forked worker processes.

A no-op `mlgit status` or an `mlgit add` of 20k small files is mostly a system call and a few
Python operations per file, bound by one CPU. Threads do not help much (the interpreter lock
makes two scanning threads slower than one), so for large folders the work is dealt into
shares: this process does the first, and a forked worker process each of the others, sending
its findings back through a pipe (marshal). Anything unusual (no fork, other threads running,
a worker that fails or is killed) leaves that share to this process, so results never depend
on a worker. This module knows nothing of what the work is (see scan.py).
"""

from __future__ import annotations

import gc
import marshal
import os
import sys
from collections.abc import Callable, Sequence

from mlgit.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

WORKERS_ENV = "MLGIT_WORKERS"
"""Overrides how many processes share a large folder's work (default: the usable CPUs)."""

MIN_FILES = 4000
"""Below this many files the fork costs more than it saves."""

MIN_SHARE = MIN_FILES // 2
"""Each process gets at least this many files (more workers would cost more than they save)."""

def worker_count() -> int:
    """How many processes may share a large folder's work: MLGIT_WORKERS if set, else the
    CPUs this process may run on."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if not value:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ConfigError(f"{WORKERS_ENV} must be a whole number of at least 1, not {value!r}",
                          f"unset {WORKERS_ENV} to use every CPU this process may run on")
    return int(value)


def workers_for(files: int) -> int:
    """How many processes should share the work on `files` files (1: no worker)."""
    count = worker_count()  # checked every time: a bad setting is never silently ignored
    if files < MIN_FILES or not can_fork():
        return 1
    return max(1, min(count, files // MIN_SHARE))


def can_fork() -> bool:
    """Fork only from a single-threaded process: a thread holding a lock at fork time could
    leave the child stuck."""
    threading = sys.modules.get("threading")  # not imported: no thread was started
    return hasattr(os, "fork") and (threading is None or threading.active_count() == 1)


def deal(items: Sequence[T], shares: int) -> list[list[T]]:
    """`items` dealt round-robin into at most `shares` non-empty shares."""
    return [list(items[i::shares]) for i in range(min(shares, len(items)))]


def in_parallel(here: Callable[[], T], there: list[Callable[[], Any]]
                ) -> tuple[T, list[Any | None], list[int]]:
    """Run each of `there` in a forked worker while `here` runs in this process. Returns
    here's result; in order, each worker's result (through marshal), or None for a worker
    that could not be started or failed in any way (its work is then still to do); and the
    pids of the workers that delivered."""
    children: list[tuple[int, int]] = []
    results: list[Any | None] = [None] * len(there)
    delivered: list[int] = []
    try:
        for work in there:
            started = _start(work, [fd for _, fd in children])
            if started is None:
                break
            children.append(started)
        mine = here()
    finally:
        for i, (pid, read_fd) in enumerate(children):
            payload = _collect(pid, read_fd)
            if payload is not None:
                results[i] = marshal.loads(payload)
                delivered.append(pid)
    return mine, results, delivered


def _start(work: Callable[[], Any], siblings: list[int]) -> tuple[int, int] | None:
    """Fork a worker for `work`: (its pid, the pipe its result comes through), or None."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: this process does the share
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:
        os.close(read_fd)
        for fd in siblings:
            os.close(fd)
        _child(work, write_fd)
    os.close(write_fd)
    return pid, read_fd


def _child(work: Callable[[], Any], write_fd: int) -> None:
    gc.disable()  # short-lived: a collection would touch (and so copy) the whole shared heap
    code = 1
    try:
        view = memoryview(marshal.dumps(work()))
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)  # no cleanup: the parent owns every open file and connection


def _collect(pid: int, read_fd: int) -> bytes | None:
    """A worker's marshalled result once it has exited, or None if it failed or was
    killed."""
    chunks = []
    try:
        while chunk := os.read(read_fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not chunks:
        return None
    return b"".join(chunks)
