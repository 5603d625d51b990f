"""Reading a few files of a tracked folder without scanning it (a branch switch that changed
100 of 20,000 files): one `lstat` per file, then the state DB's row or a hash, whichever costs
less. The whole-folder scan is scan.py."""

from __future__ import annotations

import os
import stat as stat_mod
import time
from typing import TYPE_CHECKING

from mlgit import hashing
from mlgit.parallel import chunked_map
from mlgit.storage.state_entries import fresh_oid
from mlgit.workspace.scan import (
    FOREIGN,
    FileState,
    Found,
    lenient,
    plain_hash,
    state_of,
    vouched_link,
)

if TYPE_CHECKING:
    from mlgit.storage.objects import LocalODB
    from mlgit.storage.state import State
    from mlgit.storage.state_entries import Rows


_FEW_BYTES = 4 << 20
_ROW_NS_PER_BYTE = 3
_HASH_NS_PER_FILE = 20_000
"""What decoding a folder's state row costs (per byte of the row) and hashing a small file
(open, read, close), measured: the basis of files_at's choice between the two."""


def files_at(state: State, odb: LocalODB, abs_path: str, rel: str, keys: set[str],
             jobs: int) -> dict[str, FileState] | None:
    """The files among `keys` (paths inside the folder artifact at `rel`) that are in the
    workspace, each with its oid as files_of would find it: one `lstat` per key, then the
    state DB's entry or a hash, whichever costs less (a few small files in a folder of
    thousands are hashed rather than decoding the folder's whole row). None when only a
    scan of the whole folder can tell: the artifact is not a plain folder, or a folder,
    link or file stands where one of the keys or its folders should be."""
    if not _plain_folders(abs_path, {k.rpartition("/")[0] for k in keys}):
        return None
    known = state.rows_of({f"{rel}/{key}".rpartition("/")[0] for key in keys})
    seen_at = time.time_ns()
    here: list[Found] = []
    for key in sorted(keys):
        path, file_rel = f"{abs_path}/{key}", f"{rel}/{key}"
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat_mod.S_ISDIR(st.st_mode):
            return None
        if stat_mod.S_ISREG(st.st_mode):
            here.append(Found(key, file_rel, path, st))
        else:
            here.append(lenient(path, file_rel, odb.root))
            here[-1].key = key
    decoded = {folder: state.entries(known, folder) for folder in _worth_reading(known, here)}
    found: dict[str, FileState] = {}
    stale: list[Found] = []
    for f in here:
        folder, _, name = f.rel.rpartition("/")
        entry = decoded[folder].get(name) if folder in decoded else None
        if f.link_oid is None:
            oid = fresh_oid(entry, f.st)
        else:
            oid = (f.link_oid or FOREIGN) if vouched_link(f, entry) else None
        if oid is None:
            stale.append(f)
        else:
            found[f.key] = state_of(f, oid)
    few = sum(f.st.st_size for f in stale) < _FEW_BYTES  # threads would cost more than they save
    for f, (oid, _size) in zip(stale, chunked_map(plain_hash, stale, 1 if few else jobs),
                               strict=True):
        found[f.key] = state_of(f, oid)
        state.remember(f.rel, f.st, oid, seen_at)
    return found


def file_at(state: State, abs_path: str, rel: str) -> FileState | tuple[()] | None:
    """The regular file at `rel` with its oid, as files_of would find it: () when there is
    nothing there, None when something else is (a folder, a link). The state DB's row for
    the file's folder is decoded once for all the files in it (State.folder_entries)."""
    try:
        st = os.lstat(abs_path)
    except FileNotFoundError:
        return ()
    if not stat_mod.S_ISREG(st.st_mode):
        return None
    seen_at = time.time_ns()
    folder, _, name = rel.rpartition("/")
    oid = fresh_oid(state.folder_entries(folder).get(name), st)
    if oid is None:
        oid = hashing.hash_file(abs_path)[0]
        state.remember(rel, st, oid, seen_at)
    return (oid, st.st_size, bool(st.st_mode & stat_mod.S_IXUSR))


def _worth_reading(known: Rows, files: list[Found]) -> set[str]:
    """The folders of `files` whose state row costs less to decode than hashing their
    files among `files` would (always, for a link into the cache: its target can be big)."""
    cost: dict[str, int] = {}
    for f in files:
        folder = f.rel.rpartition("/")[0]
        hashing_it = _HASH_NS_PER_FILE + f.st.st_size // 10 if not f.link_oid else 1 << 62
        cost[folder] = cost.get(folder, 0) + hashing_it
    return {folder for folder, ns in cost.items()
            if folder in known and len(known[folder]) * _ROW_NS_PER_BYTE < ns}


def _plain_folders(abs_path: str, folders: set[str]) -> bool:
    """Whether `abs_path` and each of `folders` inside it (with the folders above them) is a
    real folder or absent, never a link or a file: what a scan of the whole folder would
    walk into."""
    checked: set[str] = set()
    for folder in sorted(folders):
        parts = folder.split("/") if folder else []
        for i in range(len(parts) + 1):
            inner = "/".join(parts[:i])
            if inner in checked:
                continue
            checked.add(inner)
            try:
                st = os.lstat(f"{abs_path}/{inner}" if inner else abs_path)
            except FileNotFoundError:
                break  # nothing below it either
            if not stat_mod.S_ISDIR(st.st_mode):
                return False
    return True
