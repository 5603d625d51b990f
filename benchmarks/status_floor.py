#!/usr/bin/env python3
"""The floor of a no-op `mlgit status` of a folder: Python start-up, then one `lstat` per
file, with the folder's top-level subfolders dealt round-robin to WORKERS processes (this one
and forked workers) as mlgit deals them. Nothing is compared, read or remembered.

    python benchmarks/status_floor.py FOLDER [WORKERS]

Prints the number of files seen. Standard library only; bench_workers.py times it beside
mlgit, in the same run.
"""

from __future__ import annotations

import os
import sys


def lstat_folder(folder: str) -> tuple[list[str], int]:
    """One lstat per file directly in `folder`: (its subfolders, how many files)."""
    subdirs: list[str] = []
    files = 0
    with os.scandir(folder) as it:
        for entry in it:
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(entry.path)
            else:
                entry.stat(follow_symlinks=False)
                files += 1
    return subdirs, files


def lstat_all(folders: list[str]) -> int:
    seen = 0
    stack = list(folders)
    while stack:
        subdirs, files = lstat_folder(stack.pop())
        stack += subdirs
        seen += files
    return seen


def main() -> int:
    root = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else len(os.sched_getaffinity(0))
    subdirs, top_files = lstat_folder(root)
    subdirs.sort()
    shares = [subdirs[i::workers] for i in range(min(workers, len(subdirs)))] or [[]]
    children = []
    for share in shares[1:]:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(write_fd, str(lstat_all(share)).encode())
            os._exit(0)
        os.close(write_fd)
        children.append((pid, read_fd))
    seen = top_files + lstat_all(shares[0])
    for pid, read_fd in children:
        seen += int(os.read(read_fd, 64))
        os.waitpid(pid, 0)
    print(seen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
