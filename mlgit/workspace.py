"""Reading the workspace: walk a tracked directory and learn each file's oid, hashing only
files the state DB cannot vouch for (and, when building, storing them in the cache)."""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from mlgit import hashing
from mlgit.errors import BadPath
from mlgit.odb import LocalODB
from mlgit.parallel import chunked_map
from mlgit.paths import RESERVED
from mlgit.state import RACY_NS, Lookup, State, fresh_oid, lookup
from mlgit.ui import ProgressCallback, noop_progress


@dataclass(slots=True)
class Found:
    """A regular file (or mlgit's own link into the cache) found in the workspace."""

    rel: str
    abs: str
    st: os.stat_result
    link_oid: str | None = None


class FileState(NamedTuple):
    oid: str
    size: int
    exec: bool


def cache_link_oid(abs_path: str, cache_dir: str) -> str | None:
    """If `abs_path` is a symlink into the cache (link type symlink), the oid it names."""
    try:
        target = os.path.realpath(abs_path)
    except OSError:
        return None
    head, tail = os.path.split(target)
    parent, prefix = os.path.split(head)
    if parent != os.path.realpath(cache_dir):
        return None
    oid = prefix + tail
    return oid if hashing.is_oid(oid) and os.path.isfile(target) else None


FOREIGN = ""
"""link_oid of a symlink or special file that mlgit did not create: it matches no object."""


def _scan_tree(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Lookup,
               fresh: dict[str, FileState], stale: list[Found]) -> None:
    """Walk a folder; files the state DB vouches for go to `fresh`, the others to `stale`.

    This loop runs once per file on every status, so it is written for speed: one lstat per
    file, the state comparison inlined.
    """
    stack = [(abs_dir, rel_dir)]
    while stack:
        folder, rel_folder = stack.pop()
        entries_known = known.get(rel_folder) or {}
        prefix = rel_folder + "/"
        with os.scandir(folder) as it:
            for entry in it:
                name = entry.name
                if name in RESERVED:
                    raise BadPath(f"{prefix}{name}: a {name} entry cannot be inside tracked data",
                                  "move it out of the directory before adding it")
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, prefix + name))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    k = entries_known.get(name)
                    if k is not None and k[0] == st.st_ino and k[1] == st.st_mtime_ns \
                            and k[2] == st.st_size and k[1] < k[4] - RACY_NS:
                        fresh[prefix + name] = FileState(k[3], st.st_size,
                                                         st.st_mode & 0o100 != 0)
                    else:
                        stale.append(Found(prefix + name, entry.path, st))
                else:
                    _other(entry.path, prefix + name, cache_dir, strict, fresh)


def _other(abs_path: str, rel: str, cache_dir: str, strict: bool,
           fresh: dict[str, FileState]) -> None:
    """A symlink or special file: mlgit's own cache link, or foreign (refused when strict)."""
    if strict:
        if not os.path.islink(abs_path):
            raise BadPath(f"{rel}: not a regular file (a socket, FIFO or device)",
                          "only regular files and folders can be tracked")
        f = _symlink(abs_path, rel, cache_dir)
    else:
        f = _lenient(abs_path, rel, cache_dir)
    assert f.link_oid is not None
    fresh[rel] = FileState(f.link_oid, f.st.st_size, f.st.st_mode & 0o100 != 0)


def _symlink(abs_path: str, rel: str, cache_dir: str) -> Found:
    oid = cache_link_oid(abs_path, cache_dir)
    if oid is None:
        raise BadPath(f"{rel}: symbolic links inside tracked data are not supported",
                      "replace the link with a copy of its target (cp -L), or track the target"
                      " itself")
    return Found(rel, abs_path, os.stat(abs_path), link_oid=oid)


def _lenient(abs_path: str, rel: str, cache_dir: str) -> Found:
    oid = cache_link_oid(abs_path, cache_dir)
    st = os.stat(abs_path) if oid else os.lstat(abs_path)
    return Found(rel, abs_path, st, link_oid=oid or FOREIGN)


def stat_file(abs_path: str, rel: str, cache_dir: str, strict: bool = True) -> Found:
    if not strict:
        st = os.lstat(abs_path)
        if stat_mod.S_ISREG(st.st_mode):
            return Found(rel, abs_path, st)
        return _lenient(abs_path, rel, cache_dir)
    st = os.lstat(abs_path)
    if stat_mod.S_ISLNK(st.st_mode):
        return _symlink(abs_path, rel, cache_dir)
    if not stat_mod.S_ISREG(st.st_mode):
        raise BadPath(f"{rel}: not a regular file or folder", "only files and folders are tracked")
    return Found(rel, abs_path, st)


Hash = Callable[[Found], tuple[str, int]]


def files_of(state: State, odb: LocalODB, abs_path: str, rel: str, *, strict: bool,
             store: bool, jobs: int, progress: ProgressCallback = noop_progress
             ) -> dict[str, FileState]:
    """Every file of the artifact at `rel` (a file or a folder) with its oid: from the state
    DB when provably unchanged, else by hashing. With `store`, hashing is storing: the
    content goes into the cache in the same read, and everything named is in the cache."""
    known = state.under(rel)
    fresh: dict[str, FileState] = {}
    stale: list[Found] = []
    if os.path.isdir(abs_path) and not os.path.islink(abs_path):
        _scan_tree(abs_path, rel, odb.root, strict, known, fresh, stale)
    else:
        one = stat_file(abs_path, rel, odb.root, strict)
        oid = one.link_oid if one.link_oid is not None else fresh_oid(lookup(known, rel), one.st)
        if oid is None:
            stale.append(one)
        else:
            fresh[rel] = _state_of(one, oid)
    progress(len(fresh), sum(fs.size for fs in fresh.values()))
    if store:
        stale.extend(_not_in_cache(abs_path, rel, fresh, odb))
    hash_one: Hash = _store_hash(odb) if store else _plain_hash
    for f, (oid, _size) in _map(hash_one, stale, jobs):
        fresh[f.rel] = _state_of(f, oid)
        state.remember(f.rel, f.st, oid)
        progress(1, f.st.st_size)
    return fresh


def _not_in_cache(abs_path: str, rel: str, fresh: dict[str, FileState],
                  odb: LocalODB) -> list[Found]:
    """Fresh files whose object is gone from the cache: they must be stored again."""
    missing = odb.missing(fs.oid for fs in fresh.values() if fs.oid)
    redo = []
    for path in [p for p, fs in fresh.items() if fs.oid in missing]:
        del fresh[path]
        inner = path[len(rel):]
        redo.append(Found(path, abs_path + inner, os.lstat(abs_path + inner)))
    return redo


def _state_of(f: Found, oid: str) -> FileState:
    return FileState(oid, f.st.st_size, bool(f.st.st_mode & stat_mod.S_IXUSR))


def _plain_hash(f: Found) -> tuple[str, int]:
    return hashing.hash_file(f.abs)


def _store_hash(odb: LocalODB) -> Hash:
    def store(f: Found) -> tuple[str, int]:
        return odb.put_file(f.abs, f.st.st_size)

    return store


def _map(fn: Hash, todo: list[Found], jobs: int) -> Iterable[tuple[Found, tuple[str, int]]]:
    return zip(todo, chunked_map(fn, todo, jobs), strict=True)
