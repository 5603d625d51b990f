"""Scanning a large tracked folder on two CPUs.

A no-op `mlgit status` on 20k files is mostly one lstat and a few Python operations per file,
bound by one CPU. Threads do not help (the GIL makes two scanning threads slower than one),
so for large folders a forked child scans half of the top-level subfolders and sends its
findings back through a pipe. Anything unusual (no fork, other threads running, a child that
fails) falls back to the parent scanning everything itself, so results never depend on it.
"""

from __future__ import annotations

import marshal
import os
import threading
from typing import TYPE_CHECKING

from mlgit import workspace

if TYPE_CHECKING:
    from mlgit.state import Lookup
    from mlgit.workspace import FileState, Found

MIN_FILES = 4000
"""Below this many known files the fork costs more than it saves."""


def scan_on_two_cpus(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Lookup,
                     fresh: dict[str, FileState], stale: list[Found]) -> bool:
    """Scan like workspace._scan_tree, with a child process taking half the subfolders.
    Returns False, having done nothing, when that is not worth it or not possible."""
    if not _worth_it(known):
        return False
    subdirs = sorted(e.name for e in os.scandir(abs_dir) if e.is_dir(follow_symlinks=False))
    if len(subdirs) < 2:
        return False
    theirs = frozenset(subdirs[1::2])
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: scan its half, report, and leave without any cleanup
        os.close(read_fd)
        _child(abs_dir, rel_dir, cache_dir, strict, known, sorted(theirs), write_fd)
    os.close(write_fd)
    try:
        workspace._scan_tree(abs_dir, rel_dir, cache_dir, strict, known, fresh, stale,
                             prune=theirs)
    finally:
        payload = _read_all(read_fd)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        for name in sorted(theirs):  # the child failed: scan its half here, errors and all
            workspace._scan_tree(f"{abs_dir}/{name}", f"{rel_dir}/{name}", cache_dir, strict,
                                 known, fresh, stale, inner_dir=name)
        return True
    their_fresh, their_stale, their_leftovers = marshal.loads(payload)
    fresh.update(their_fresh)
    workspace.leftovers.extend(their_leftovers)
    for key, rel, path in their_stale:
        stale.append(workspace.Found(key, rel, path, os.lstat(path)))
    return True


def _worth_it(known: Lookup) -> bool:
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    return sum(len(entries) for entries in known.values()) >= MIN_FILES


def _child(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Lookup,
           names: list[str], write_fd: int) -> None:
    code = 1
    try:
        fresh: dict[str, FileState] = {}
        stale: list[Found] = []
        workspace.leftovers.clear()
        for name in names:
            workspace._scan_tree(f"{abs_dir}/{name}", f"{rel_dir}/{name}", cache_dir, strict,
                                 known, fresh, stale, inner_dir=name)
        data = marshal.dumps((fresh, [(f.key, f.rel, f.abs) for f in stale],
                              workspace.leftovers))
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
