"""Reading the workspace: walk a tracked directory and learn each file's oid, hashing only
files the state DB cannot vouch for (and, when building, storing them in the cache)."""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from mlgit import hashing
from mlgit.errors import BadPath
from mlgit.odb import LocalODB
from mlgit.paths import RESERVED
from mlgit.state import Known, State, fresh_oid
from mlgit.ui import ProgressCallback, noop_progress


@dataclass(frozen=True, slots=True)
class Found:
    """A regular file (or mlgit's own link into the cache) found in the workspace."""

    rel: str
    abs: str
    st: os.stat_result
    link_oid: str | None = None


@dataclass(frozen=True, slots=True)
class FileState:
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


def walk(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool = True) -> list[Found]:
    """Every file under a directory. Refuses `.git`, and (when strict) foreign symlinks and
    special files; when not strict those are returned with link_oid FOREIGN."""
    found: list[Found] = []
    stack = [(abs_dir, rel_dir)]
    while stack:
        folder, rel_folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                rel = f"{rel_folder}/{entry.name}"
                if entry.name in RESERVED:
                    raise BadPath(f"{rel}: a {entry.name} folder cannot be inside tracked data",
                                  "move it out of the directory before adding it")
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel))
                elif entry.is_file(follow_symlinks=False):
                    found.append(Found(rel, entry.path, entry.stat(follow_symlinks=False)))
                elif not strict:
                    found.append(_lenient(entry.path, rel, cache_dir))
                elif entry.is_symlink():
                    found.append(_symlink(entry.path, rel, cache_dir))
                else:
                    raise BadPath(f"{rel}: not a regular file (a socket, FIFO or device)",
                                  "only regular files and folders can be tracked")
    return found


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


def resolve(items: Iterable[Found], state: State, odb: LocalODB, *, store: bool, jobs: int,
            progress: ProgressCallback = noop_progress) -> dict[str, FileState]:
    """The oid of every found file: from the state DB when provably unchanged, else by hashing
    (with `store`, hashing is storing: the content goes into the cache in the same read)."""
    result: dict[str, FileState] = {}
    todo: list[Found] = []
    items = list(items)
    known = _known_for(items, state)
    for f in items:
        oid = f.link_oid if f.link_oid is not None else fresh_oid(known.get(f.rel), f.st)
        if oid is None:
            todo.append(f)
        else:
            result[f.rel] = _state_of(f, oid)
            progress(1, f.st.st_size)
    if store:
        todo.extend(_not_in_cache(items, result, odb))
    hash_one: Hash = _store_hash(odb) if store else _plain_hash
    for f, (oid, _size) in _map(hash_one, todo, jobs):
        result[f.rel] = _state_of(f, oid)
        if f.link_oid is None:
            state.remember(f.rel, f.st, oid)
        progress(1, f.st.st_size)
    return result


def _known_for(items: list[Found], state: State) -> dict[str, Known]:
    if len(items) == 1:
        k = state.get(items[0].rel)
        return {items[0].rel: k} if k else {}
    prefix = os.path.commonpath([f.rel for f in items]) if items else ""
    return dict(state.under(prefix)) if prefix else {}


def _not_in_cache(items: list[Found], result: dict[str, FileState],
                  odb: LocalODB) -> list[Found]:
    missing = odb.missing(fs.oid for fs in result.values() if fs.oid)
    redo = [f for f in items if f.rel in result and result[f.rel].oid in missing]
    for f in redo:
        del result[f.rel]
    return redo


def _state_of(f: Found, oid: str) -> FileState:
    return FileState(oid, f.st.st_size, bool(f.st.st_mode & stat_mod.S_IXUSR))


def _plain_hash(f: Found) -> tuple[str, int]:
    return hashing.hash_file(f.abs)


def _store_hash(odb: LocalODB) -> Hash:
    def store(f: Found) -> tuple[str, int]:
        oid, size, _ = odb.put_file(f.abs)
        return oid, size

    return store


def _map(fn: Hash, todo: list[Found], jobs: int) -> Iterable[tuple[Found, tuple[str, int]]]:
    if jobs <= 1 or len(todo) < 64:
        return ((f, fn(f)) for f in todo)
    pool = ThreadPoolExecutor(max_workers=jobs)
    results = pool.map(fn, todo, chunksize=64)
    pool.shutdown(wait=False)
    return zip(todo, results, strict=True)
