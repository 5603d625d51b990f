"""Reading the workspace: walk a tracked artifact and learn each file's oid, hashing only the
files the state DB cannot vouch for (and, when building, storing them in the cache).

This module is on the path of every `mlgit status`, so it avoids dataclasses and typing at
run time (importing them costs ~30 ms) and keeps the per-file loop tight.
"""

from __future__ import annotations

import gc
import os
import stat as stat_mod
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from mlgit import hashing
from mlgit.errors import BadPath
from mlgit.fileio import is_temp_name, remove_leftover
from mlgit.parallel import chunked_map
from mlgit.paths import RESERVED, check_utf8
from mlgit.progress import noop_progress
from mlgit.storage.state_entries import (
    MIN_ENTRY_BYTES,
    RACY_NS,
    Stat,
    entries_in,
    fresh_oid,
    lookup,
    slim,
)
from mlgit.workspace import scan_workers

if TYPE_CHECKING:
    from mlgit.progress import ProgressCallback
    from mlgit.storage.objects import LocalODB
    from mlgit.storage.state import State
    from mlgit.storage.state_entries import KnownRow, Rows

P = ParamSpec("P")
R = TypeVar("R")

FileState = tuple[str, int, bool]
"""What a workspace file holds: (oid, size, executable bit). A plain tuple: this is built
once per file on every status."""

FOREIGN = ""
"""The oid given to a symlink or special file mlgit did not create: it matches no object."""


class Scanned:
    """What a scan of one artifact found: `files`, each file's state by its key (see Found),
    and `leftovers`, the temp files of interrupted commands it came across. The scan leaves
    those in place; its caller removes them (remove_leftovers). `workers` are the pids of
    the worker processes whose share of a large folder's work was used (scan_workers)."""

    __slots__ = ("files", "leftovers", "workers")

    def __init__(self, files: dict[str, FileState], leftovers: list[str],
                 workers: list[int] | None = None) -> None:
        self.files, self.leftovers, self.workers = files, leftovers, workers or []


class Found:
    """A file found in the workspace: `key` is its path inside the artifact ("" for a file
    artifact itself), `rel` its path in the repo, `abs` its absolute path. A file found by
    walking a folder keeps only its key and shares the folder's paths (see `inside`), as
    many stale files of a large folder wait in memory at once."""

    __slots__ = ("_abs", "_inside", "_rel", "key", "link_oid", "st")

    def __init__(self, key: str, rel: str, abs_path: str, st: os.stat_result | Stat,
                 link_oid: str | None = None) -> None:
        self.key, self._rel, self._abs, self.st, self.link_oid = key, rel, abs_path, st, link_oid
        self._inside = False

    @classmethod
    def inside(cls, root_rel: str, root_abs: str, key: str, st: Stat) -> Found:
        """The regular file `key` of the folder artifact at `root_rel` (`root_abs`)."""
        found = cls(key, root_rel, root_abs, st)
        found._inside = True
        return found

    @property
    def rel(self) -> str:
        return f"{self._rel}/{self.key}" if self._inside else self._rel

    @property
    def abs(self) -> str:
        return f"{self._abs}/{self.key}" if self._inside else self._abs


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


def dangling_cache_link(abs_path: str, cache_dir: str) -> bool:
    """Whether `abs_path` is a symlink into the cache whose object is gone (set aside as
    damaged, or deleted): it holds nothing, so a checkout may put the object back there."""
    if not os.path.islink(abs_path) or os.path.exists(abs_path):
        return False
    head, tail = os.path.split(os.path.realpath(abs_path))
    parent, prefix = os.path.split(head)
    return parent == os.path.realpath(cache_dir) and hashing.is_oid(prefix + tail)


def _gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` with the garbage collector paused: a scan allocates a few objects per file, which
    would set off full collections of the whole heap, and it makes no reference cycles."""
    @wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()
    return paused


@_gc_paused
def files_of(state: State, odb: LocalODB, abs_path: str, rel: str, *, strict: bool,
             store: bool, jobs: int, progress: ProgressCallback = noop_progress,
             check_cache: bool = True) -> Scanned:
    """Every file of the artifact at `rel` (a folder, or a single file keyed "") with its
    oid: from the state DB when provably unchanged, else by hashing. With `store`, hashing
    is storing: the content goes into the cache in the same read, and every object named
    is in the cache when this returns (unless `check_cache` is False: then the objects of
    the files the state DB vouches for are not looked for, and the caller must).

    `strict` refuses symlinks and special files (for add); otherwise they are reported with
    the oid FOREIGN. A `.git` or `.mlgit` entry inside is always refused. Temp files of
    interrupted commands are not files of the artifact: they are returned as leftovers.
    """
    known = state.rows_under(rel)
    seen_at = time.time_ns()  # entries recorded below were observed no earlier than this
    fresh: dict[str, FileState] = {}
    stale: list[Found] = []
    leftovers: list[str] = []
    workers: list[int] = []
    if os.path.isdir(abs_path) and not os.path.islink(abs_path):
        workers = _scan_split(abs_path, rel, odb.root, strict, known, fresh, stale, leftovers)
    else:
        one = stat_file(abs_path, rel, odb.root, strict)
        if one.link_oid is not None:
            oid = one.link_oid if vouched_link(one, lookup(known, rel)) else None
        else:
            oid = fresh_oid(lookup(known, rel), one.st)
        if oid is None:
            stale.append(one)
        else:
            fresh[""] = state_of(one, oid)
    if strict:
        check_utf8([*fresh, *(f.key for f in stale)], rel)
    progress(len(fresh), sum(fs[1] for fs in fresh.values()))
    if store and check_cache:
        stale.extend(_not_in_cache(abs_path, rel, fresh, odb))
    results = _store_split(odb, stale, jobs, workers) if store else \
        chunked_map(plain_hash, stale, jobs)
    if len(results) != len(stale):
        raise AssertionError("a stored file has no result")
    # Popped, not iterated: each file's scan record is freed once it is recorded, and what
    # the state DB is told is compacted as it grows (a first add of a million files).
    done = 0
    while stale:
        f = stale.pop()
        oid = results.pop()[0]
        fresh[f.key] = state_of(f, oid)
        state.remember(f.rel, f.st, oid, seen_at)
        progress(1, f.st.st_size)
        done += 1
        if done % COMPACT_EVERY == 0:
            state.compact()
    if done >= COMPACT_EVERY:
        state.compact()
    return Scanned(fresh, leftovers, workers)


COMPACT_EVERY = 50_000
"""Files recorded between two compactions of what the state DB is told (State.compact)."""


def _scan_tree(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Rows,
               fresh: dict[str, FileState], stale: list[Found], leftovers: list[str],
               inner_dir: str = "", prune: frozenset[str] = frozenset()) -> None:
    """Walk a folder; files the state DB vouches for go to `fresh`, the others to `stale`,
    temp files of interrupted commands to `leftovers`.
    Keys are paths below the artifact (`inner_dir` is this folder's). Top-level folders
    named in `prune` are skipped (another process scans them).

    This loop runs once per file on every status, so it is written for speed: one lstat per
    file, the state comparison inlined.
    """
    # the artifact's own paths, which every stale file's paths are made from
    root_abs = abs_dir[:-len(inner_dir) - 1] if inner_dir else abs_dir
    root_rel = rel_dir[:-len(inner_dir) - 1] if inner_dir else rel_dir
    stack = [(abs_dir, rel_dir, inner_dir)]
    while stack:
        folder, rel_folder, inner = stack.pop()
        entries_known = entries_in(known, rel_folder)
        rel_prefix = rel_folder + "/"
        key_prefix = inner + "/" if inner else ""
        with os.scandir(folder) as it:
            for entry in it:
                name = entry.name
                if name[0] == ".":  # rare: only dot-names can be reserved or our temp files
                    if is_temp_name(name):
                        leftovers.append(entry.path)
                        continue
                    if name in RESERVED:
                        raise BadPath(f"{rel_prefix}{name}: a {name} entry cannot be inside"
                                      " tracked data", "move it out of the folder before adding it")
                if entry.is_file(follow_symlinks=False):  # first: most entries are files
                    st = entry.stat(follow_symlinks=False)
                    k = entries_known.get(name)
                    if k is not None and k[0] == st.st_ino and k[1] == st.st_mtime_ns \
                            and k[2] == st.st_size and k[1] < k[4] - RACY_NS:
                        fresh[key_prefix + name] = (k[3], k[2], st.st_mode & 0o100 != 0)
                    else:
                        stale.append(Found.inside(root_rel, root_abs, key_prefix + name,
                                                  slim(st)))
                elif entry.is_dir(follow_symlinks=False):
                    if prune and folder is abs_dir and name in prune:
                        continue
                    stack.append((entry.path, rel_prefix + name, key_prefix + name))
                else:
                    f = _other(entry.path, rel_prefix + name, cache_dir, strict)
                    f.key = key_prefix + name
                    if vouched_link(f, entries_known.get(name)):
                        fresh[f.key] = state_of(f, f.link_oid or FOREIGN)
                    else:
                        stale.append(f)


def _scan_split(abs_dir: str, rel_dir: str, cache_dir: str, strict: bool, known: Rows,
                fresh: dict[str, FileState], stale: list[Found], leftovers: list[str]
                ) -> list[int]:
    """_scan_tree, with the top-level subfolders of a large folder dealt to worker
    processes (scan_workers); the files at the top and the first share are scanned here.
    Returns the pids of the workers whose share was used."""
    # at most this many files are recorded: decoding the rows to count them would cost more
    workers = scan_workers.workers_for(sum(map(len, known.values())) // MIN_ENTRY_BYTES)
    subdirs = sorted(e.name for e in os.scandir(abs_dir) if e.is_dir(follow_symlinks=False)) \
        if workers > 1 else []
    theirs = scan_workers.deal(subdirs, workers)[1:]

    def scan_share(names: list[str], into_fresh: dict[str, FileState],
                   into_stale: list[Found], into_leftovers: list[str]) -> None:
        for name in names:
            _scan_tree(f"{abs_dir}/{name}", f"{rel_dir}/{name}", cache_dir, strict, known,
                       into_fresh, into_stale, into_leftovers, inner_dir=name)

    def there(names: list[str]) -> tuple[dict[str, FileState], list[tuple[str, str, str, bool]],
                                         list[str]]:
        their_fresh: dict[str, FileState] = {}
        their_stale: list[Found] = []
        their_leftovers: list[str] = []
        scan_share(names, their_fresh, their_stale, their_leftovers)
        return (their_fresh, [(f.key, f.rel, f.abs, f.link_oid is None) for f in their_stale],
                their_leftovers)

    _, results, delivered = scan_workers.in_parallel(
        lambda: _scan_tree(abs_dir, rel_dir, cache_dir, strict, known, fresh, stale, leftovers,
                           prune=frozenset(name for names in theirs for name in names)),
        [partial(there, names) for names in theirs])
    for names, result in zip(theirs, results, strict=True):
        if result is None:
            # errors and all, as a single scan reports them
            scan_share(names, fresh, stale, leftovers)
            continue
        their_fresh, their_stale, their_leftovers = result
        fresh.update(their_fresh)
        leftovers.extend(their_leftovers)
        stale.extend(_refound(key, rel, path, regular, cache_dir, strict)
                     for key, rel, path, regular in their_stale)
    return delivered


def _refound(key: str, rel: str, abs_path: str, regular: bool, cache_dir: str,
             strict: bool) -> Found:
    """A file a worker found stale, looked at again here as the scan did (a Found's stat
    result does not travel through marshal)."""
    if regular:
        return Found(key, rel, abs_path, slim(os.lstat(abs_path)))
    found = _other(abs_path, rel, cache_dir, strict)
    found.key = key
    return found


def _store_split(odb: LocalODB, files: list[Found], jobs: int, workers: list[int]
                 ) -> list[tuple[str, int]]:
    """[odb.put_file(f) for f in files], on `jobs` threads, or with many files dealt to
    worker processes, each storing its share into a pack of its own (the pids of those
    that delivered are added to `workers`)."""
    count = scan_workers.workers_for(len(files))
    if count == 1:
        return chunked_map(lambda f: odb.put_file(f.abs, f.st.st_size), files, jobs)
    size = -(-len(files) // count)
    shares = [files[i:i + size] for i in range(0, len(files), size)]

    def put(share: list[Found]) -> list[tuple[str, int]]:
        return [odb.put_file(f.abs, f.st.st_size) for f in share]

    def there(share: list[Found]) -> list[tuple[str, int]]:
        odb.after_fork()
        stored = put(share)
        odb.publish()  # its own pack; the parent's final sync makes it durable
        return stored

    mine, results, delivered = scan_workers.in_parallel(
        partial(put, shares[0]), [partial(there, share) for share in shares[1:]])
    workers.extend(delivered)
    odb.reread()  # the workers' packs are new
    stored = list(mine)
    for share, result in zip(shares[1:], results, strict=True):
        stored.extend(put(share) if result is None else [(oid, size) for oid, size in result])
    return stored


def vouched_link(f: Found, known: KnownRow | None) -> bool:
    """Whether a symlink's oid can be taken without reading it: a foreign one matches nothing
    anyway; mlgit's own link into the cache names an oid, but its target may have been edited
    in place (root ignores the read-only bit), so the name is believed only while the state
    DB vouches for the target as it is now; otherwise the target is hashed."""
    return not f.link_oid or fresh_oid(known, f.st) == f.link_oid


def remove_leftovers(paths: list[str]) -> None:
    """Remove the leftover temp files a scan came across whose writer is gone (see
    remove_leftover)."""
    for path in paths:
        remove_leftover(path)


def _other(abs_path: str, rel: str, cache_dir: str, strict: bool) -> Found:
    """A symlink or special file: mlgit's own cache link, or foreign (refused when strict)."""
    if not strict:
        return lenient(abs_path, rel, cache_dir)
    if not os.path.islink(abs_path):
        raise BadPath(f"{rel}: not a regular file (a socket, FIFO or device)",
                      "only regular files and folders can be tracked")
    return _symlink(abs_path, rel, cache_dir)


def _symlink(abs_path: str, rel: str, cache_dir: str) -> Found:
    oid = cache_link_oid(abs_path, cache_dir)
    if oid is None:
        raise BadPath(f"{rel}: symbolic links inside tracked data are not supported",
                      "replace the link with a copy of its target (cp -L), or track the target"
                      " itself")
    return Found("", rel, abs_path, os.stat(abs_path), link_oid=oid)


def lenient(abs_path: str, rel: str, cache_dir: str) -> Found:
    oid = cache_link_oid(abs_path, cache_dir)
    st = os.stat(abs_path) if oid else os.lstat(abs_path)
    return Found("", rel, abs_path, st, link_oid=oid or FOREIGN)


def stat_file(abs_path: str, rel: str, cache_dir: str, strict: bool = True) -> Found:
    """The single file at `rel` (key ""); mlgit's own cache links are accepted."""
    st = os.lstat(abs_path)
    if stat_mod.S_ISREG(st.st_mode):
        return Found("", rel, abs_path, st)
    return _other(abs_path, rel, cache_dir, strict)


def _not_in_cache(abs_path: str, rel: str, fresh: dict[str, FileState],
                  odb: LocalODB) -> list[Found]:
    """Fresh files whose object is gone from the cache: they must be stored again."""
    missing = odb.missing(fs[0] for fs in fresh.values() if fs[0])
    if not missing:
        return []
    redo = []
    for key in [k for k, fs in fresh.items() if fs[0] in missing]:
        del fresh[key]
        path = f"{abs_path}/{key}" if key else abs_path
        redo.append(Found(key, f"{rel}/{key}" if key else rel, path, os.lstat(path)))
    return redo


def state_of(f: Found, oid: str) -> FileState:
    return (oid, f.st.st_size, bool(f.st.st_mode & stat_mod.S_IXUSR))


def plain_hash(f: Found) -> tuple[str, int]:
    return hashing.hash_file(f.abs)
