"""Doing the per-file work of a large folder on two CPUs with a forked child process.

A no-op `mlgit status` or an `mlgit add` of 20k small files is mostly a system call and a few
Python operations per file, bound by one CPU. Threads do not help much (the interpreter lock
makes two scanning threads slower than one), so for large folders a forked child takes half
the work and sends its findings back through a pipe (marshal). Anything unusual (no fork,
other threads running, a child that fails) makes the parent do that half itself, so results
never depend on the child.
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mlgit.workspace import scan

if TYPE_CHECKING:
    from mlgit.storage.objects import LocalODB
    from mlgit.storage.state import Lookup
    from mlgit.workspace.scan import FileState, Found

T = TypeVar("T")

MIN_FILES = 4000
"""Below this many files the fork costs more than it saves."""


def can_fork() -> bool:
    """Fork only from a single-threaded process: a thread holding a lock at fork time could
    leave the child stuck."""
    return hasattr(os, "fork") and threading.active_count() == 1


def in_parallel(here: Callable[[], T], there: Callable[[], Any]) -> tuple[T, Any | None]:
    """Run `there` in a forked child while `here` runs in this process. Returns here's result
    and there's (through marshal), or None for there's if the child failed in any way."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(there, write_fd)
    os.close(write_fd)
    try:
        mine = here()
    finally:
        payload = _read_all(read_fd)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return mine, None
    return mine, marshal.loads(payload)


def _child(work: Callable[[], Any], write_fd: int) -> None:
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


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def scan_split(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Lookup,
         fresh: dict[str, FileState], stale: list[Found], leftovers: list[str]) -> bool:
    """scan._scan_tree with a child taking half the top-level subfolders. Returns
    False, having done nothing, when that is not worth it or not possible."""
    if not can_fork() or sum(len(entries) for entries in known.values()) < MIN_FILES:
        return False
    subdirs = sorted(e.name for e in os.scandir(abs_dir) if e.is_dir(follow_symlinks=False))
    if len(subdirs) < 2:
        return False
    theirs = sorted(subdirs[1::2])

    def scan_theirs(into_fresh: dict[str, FileState], into_stale: list[Found],
                    into_leftovers: list[str]) -> None:
        for name in theirs:
            scan._scan_tree(f"{abs_dir}/{name}", f"{rel_dir}/{name}", cache_dir, strict,
                                 known, into_fresh, into_stale, into_leftovers, inner_dir=name)

    def there() -> Any:
        their_fresh: dict[str, FileState] = {}
        their_stale: list[Found] = []
        their_leftovers: list[str] = []
        scan_theirs(their_fresh, their_stale, their_leftovers)
        return (their_fresh, [(f.key, f.rel, f.abs) for f in their_stale], their_leftovers)

    def here() -> None:
        scan._scan_tree(abs_dir, rel_dir, cache_dir, strict, known, fresh, stale, leftovers,
                             prune=frozenset(theirs))

    _, result = in_parallel(here, there)
    if result is None:
        # errors and all, as a single scan would report them
        scan_theirs(fresh, stale, leftovers)
        return True
    their_fresh, their_stale, their_leftovers = result
    fresh.update(their_fresh)
    leftovers.extend(their_leftovers)
    stale.extend(scan.Found(key, rel, path, os.stat(path))
                 for key, rel, path in their_stale)
    return True


def store(odb: LocalODB, files: list[Found]) -> list[tuple[str, int]] | None:
    """[odb.put_file(f) for f in files] with a child storing the second half into a pack of
    its own. None, having done nothing, when that is not worth it or not possible."""
    if len(files) < MIN_FILES or not can_fork():
        return None
    half = len(files) // 2

    def put(batch: list[Found]) -> list[tuple[str, int]]:
        return [odb.put_file(f.abs, f.st.st_size) for f in batch]

    def there() -> Any:
        odb.after_fork()
        stored = put(files[half:])
        odb.publish()  # its own pack; the parent's final sync makes it durable
        return stored

    mine, theirs = in_parallel(lambda: put(files[:half]), there)
    odb.reread()  # the child's pack is new
    if theirs is None:
        theirs = put(files[half:])
    return mine + [tuple(pair) for pair in theirs]
