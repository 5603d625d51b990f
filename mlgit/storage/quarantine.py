"""The cache's quarantine folder: where corrupt copies of objects (and damaged pack files) are
set aside. mlgit never reads them again and never deletes them. Spec: docs/formats.md."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from mlgit.fileio import write_all

QUARANTINE_DIR = "quarantine"


def _free_names(folder: str, name: str) -> Iterator[str]:
    """Quarantine file names for `name` (an oid or a file name): as is, then .1, .2, ..."""
    yield os.path.join(folder, name)
    n = 1
    while True:
        yield os.path.join(folder, f"{name}.{n}")
        n += 1


def move_aside(src: str, folder: str, name: str) -> str:
    """Move a file into quarantine under a free name (never over another); returns where it
    went (`folder` if another thread or command moved it first)."""
    for dest in _free_names(folder, name):
        try:
            os.link(src, dest)
        except FileExistsError:
            continue
        except FileNotFoundError:
            return folder  # already moved (by another thread or command)
        except OSError:  # no hard links on this filesystem
            if os.path.lexists(dest):
                continue
            os.rename(src, dest)
            return dest
        with contextlib.suppress(FileNotFoundError):
            os.unlink(src)
        return dest
    raise AssertionError("unreachable")


def write_aside(data: bytes, folder: str, name: str) -> str:
    """Keep the bytes of a corrupt copy in quarantine under a free name."""
    for dest in _free_names(folder, name):
        try:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            continue
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        return dest
    raise AssertionError("unreachable")


def usage(folder: str) -> tuple[int, int]:
    """(files, bytes) set aside in `folder`."""
    files = size = 0
    with contextlib.suppress(FileNotFoundError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                files += 1
                size += entry.stat(follow_symlinks=False).st_size
    return files, size
