"""A fingerprint of what a folder holds as `lstat` sees it: every name, and each file's inode,
mtime, size and mode. Two equal fingerprints mean nothing was written, renamed, added or
removed in between (as far as the state DB could tell either; see unchanged.py).

Taking one costs little more than the `lstat` per file a status needs anyway: no state rows,
no manifest, no per-file comparison. Large folders are split over worker processes
(scan_workers) by top-level subfolder, each sending back one digest per subfolder.
"""

from __future__ import annotations

import marshal
import os
from functools import partial

from mlgit.hashing import new_hasher
from mlgit.workspace import scan_workers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Part = tuple[bytes, int]
"""One top-level subfolder's (or the top's own files') digest and newest mtime (ns)."""


class Listing:
    """A folder's fingerprint: `digest`, and `newest`, the latest mtime of any file in it
    (a fingerprint can vouch for a file only once its mtime is safely in the past)."""

    __slots__ = ("digest", "newest")

    def __init__(self, digest: bytes, newest: int) -> None:
        self.digest, self.newest = digest, newest


def folder_listing(abs_dir: str, files: int) -> Listing | None:
    """The fingerprint of the folder `abs_dir`, which holds about `files` files (to decide
    on workers). None if it holds anything but folders and regular files (a symlink's
    `lstat` says nothing of its target's content), or cannot be read."""
    try:
        top = _entries(abs_dir)
    except OSError:
        return None
    if top is None:
        return None
    subdirs = sorted(top[1])
    theirs = scan_workers.deal(subdirs, scan_workers.workers_for(files))[1:]
    taken = {name for share in theirs for name in share}
    mine = [name for name in subdirs if name not in taken]
    parts, results, _ = scan_workers.in_parallel(
        partial(_parts, abs_dir, mine), [partial(_parts, abs_dir, names) for names in theirs])
    for names, result in zip(theirs, results, strict=True):
        # a worker that failed leaves its share to this process
        parts.update(_parts(abs_dir, names) if result is None else result)
    parts[""] = _part_of([("", *top)])
    known = [(name, part) for name, part in parts.items() if part is not None]
    if len(known) != len(parts):
        return None
    digest = new_hasher()
    digest.update(marshal.dumps(sorted((name, part[0]) for name, part in known)))
    return Listing(digest.digest(), max(part[1] for _, part in known))


def file_listing(abs_path: str) -> Listing | None:
    """The fingerprint of one regular file; None if it is anything else or is gone."""
    try:
        st = os.lstat(abs_path)
    except OSError:
        return None
    if (st.st_mode & 0o170000) != 0o100000:
        return None
    return Listing(marshal.dumps((st.st_ino, st.st_mtime_ns, st.st_size, st.st_mode)),
                   st.st_mtime_ns)


def _parts(abs_dir: str, names: list[str]) -> dict[str, Part | None]:
    """The digest of each named subfolder of `abs_dir`."""
    return {name: _tree(f"{abs_dir}/{name}", name) for name in names}


def _tree(top: str, inner: str) -> Part | None:
    """The digest of the folder `top` and everything below it."""
    found: list[tuple[str, list[Any], list[str]]] = []
    stack = [(top, inner)]
    try:
        while stack:
            folder, here = stack.pop()
            entries = _entries(folder)
            if entries is None:
                return None
            found.append((here, *entries))
            stack += [(f"{folder}/{name}", f"{here}/{name}") for name in entries[1]]
    except OSError:
        return None
    return _part_of(found)


def _entries(folder: str) -> tuple[list[Any], list[str]] | None:
    """The files directly in `folder`, flat (name, inode, mtime, size, mode, name, ...), and
    its subfolders' names; None if it holds anything else."""
    files: list[Any] = []
    folders: list[str] = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                files += (entry.name, st.st_ino, st.st_mtime_ns, st.st_size, st.st_mode)
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                return None
    return files, folders


def _part_of(found: list[tuple[str, list[Any], list[str]]]) -> Part:
    digest = new_hasher()
    digest.update(marshal.dumps(found))
    return digest.digest(), max((max(files[2::5]) for _, files, _ in found if files),
                                default=0)
