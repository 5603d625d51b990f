"""Workspace -> objects: hash and store an artifact, returning the pointer that names it."""

from __future__ import annotations

import marshal
import os
import stat as stat_mod
import time

from mlgit import pointer
from mlgit.errors import BadPath, MlgitError
from mlgit.fileio import is_disk_full
from mlgit.paths import at_or_under, pointer_path_for, shell_command
from mlgit.pointer import Pointer
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.repo import Repo
from mlgit.storage import manifests
from mlgit.storage.manifest_compare import changed_oids
from mlgit.storage.objects import CorruptObject
from mlgit.storage.stamp import RECENT_NS
from mlgit.workspace.scan import FileState, files_of, remove_leftovers

LARGE_FOLDER = 50_000
"""A folder of this many files or more is worth proving complete in the cache after an add
(see remember_complete): the proof may cost a wait of 55 ms, while looking for every object
of such a folder costs more."""


def build(repo: Repo, rel: str, *, store: bool, progress: ProgressCallback = noop_progress
          ) -> tuple[Pointer, dict[str, FileState] | None]:
    """The pointer describing the artifact at `rel` as it is now in the workspace.

    With `store`, every object it names is in the cache when this returns (not yet synced).
    For a directory, also returns its files by path relative to the directory. Temp files
    that interrupted commands left in it are removed (the caller holds the repo lock).
    """
    abs_path = repo.abspath(rel)
    name = rel.rpartition("/")[2]
    is_dir = os.path.isdir(abs_path) and not os.path.islink(abs_path)
    complete = complete_version(repo, rel) if store and is_dir else None
    found = files_of(repo.state, repo.odb, abs_path, rel, strict=True, store=store,
                     jobs=repo.config.get("core.jobs"), progress=progress,
                     check_cache=complete is None)
    remove_leftovers(found.leftovers)
    files = found.files
    if not is_dir:
        fs = files[""]
        return Pointer(kind="file", path=name, oid=fs[0], size=fs[1], exec=fs[2]), None
    by_inner = files
    manifest = manifests.Manifest.from_states(by_inner)
    data = manifests.dumps(manifest)
    size, count = manifest.size, len(manifest)
    # the next add or status reads it without parsing the JSON (Repo.manifest)
    memo = marshal.dumps(manifests.memo_of(manifest)) if store else None
    del manifest  # its columns are not needed beside the bytes while the old one is read
    if complete is not None:
        restored = _store_missing(repo, rel, complete, by_inner, data)
        if restored is not None:
            data, size, count = restored
            memo = None
    oid = repo.odb.put_bytes(data) if store else manifests.manifest_oid(data)
    if memo is not None:
        repo.keep_manifest_memo(oid, memo)
    ptr = Pointer(kind="dir", path=name, oid=oid, size=size, files=count)
    return ptr, by_inner


def build_parts(repo: Repo, rel: str, ptr: Pointer, subs: list[str], *,
                progress: ProgressCallback = noop_progress
                ) -> tuple[Pointer, dict[str, FileState]]:
    """The pointer of the tracked folder `rel` after replacing, for each path in `subs`
    (paths inside the folder), the entries of its manifest at or under that path with what
    the workspace holds there now. The other entries are kept as recorded, whatever the
    workspace holds for them. Every object named is in the cache when this returns (not yet
    synced). Also returns the files that were read, by path inside the folder. Temp files
    that interrupted commands left in those parts are removed (the caller holds the repo
    lock)."""
    try:
        manifest = repo.manifest(ptr.oid, f"{rel} (manifest {ptr.oid[:12]})")
    except manifests.ManifestUnavailable as exc:
        why = "is corrupt in the cache" if isinstance(exc, manifests.ManifestCorrupt) \
            else "is not in the cache"
        raise MlgitError(f"{rel}: its directory manifest {why}, so part of it cannot be"
                         " updated",
                         f"fetch it with {shell_command('mlgit fetch', rel)}, then add again"
                         ) from None
    entries: dict[str, FileState] = {e.path: (e.oid, e.size, e.exec)
                                     for e in manifest.entries()}
    for sub in subs:
        _check_not_below_a_file(rel, sub, entries)
        for path in [p for p in entries if at_or_under(p, sub)]:
            del entries[path]
        part = f"{rel}/{sub}"
        if os.path.lexists(repo.abspath(part)):
            found = files_of(repo.state, repo.odb, repo.abspath(part), part, strict=True,
                             store=True, jobs=repo.config.get("core.jobs"), progress=progress)
            remove_leftovers(found.leftovers)
            entries.update({f"{sub}/{key}" if key else sub: fs
                            for key, fs in found.files.items()})
    read = {p: fs for p, fs in entries.items() if any(at_or_under(p, sub) for sub in subs)}
    new = manifests.Manifest.from_states(entries)
    oid = repo.odb.put_bytes(manifests.dumps(new))
    return Pointer(kind="dir", path=rel.rpartition("/")[2], oid=oid, size=new.size,
                   files=len(new)), read


def _check_not_below_a_file(rel: str, sub: str, entries: dict[str, FileState]) -> None:
    """The manifest must not record a file where `sub` needs a folder (e.g. `sub` is a/b and
    the manifest has a file a): that file is replaced only by adding it (a) itself."""
    parent = sub.rpartition("/")[0]
    while parent:
        if parent in entries:
            raise BadPath(f"{rel}/{sub}: {rel}/{parent} is recorded as a file, not a folder",
                          f"add {rel}/{parent} (or the whole folder {rel}) instead")
        parent = parent.rpartition("/")[0]


def complete_version(repo: Repo, rel: str) -> str | None:
    """The manifest oid of the version of folder `rel` that its pointer records, if the
    cache is known to hold every object it names: the state DB's `complete` stamp for it
    is the cache's stamp now (no object added or removed since it was seen complete)."""
    pointer_rel = pointer_path_for(rel)
    try:
        with open(repo.abspath(pointer_rel), "rb") as f:
            old = pointer.loads(f.read(), pointer_rel)
    except (OSError, MlgitError):
        return None
    if old.kind != "dir":
        return None
    stamp = repo.odb.stamp()
    if stamp is None or repo.state.complete_stamp(old.oid) != stamp:
        return None
    return old.oid


def _store_missing(repo: Repo, rel: str, complete: str, files: dict[str, FileState],
                   data: bytes) -> tuple[bytes, int, int] | None:
    """The files of `files` that the state DB vouched for were not looked for in the cache
    (files_of with check_cache False): those whose oid is also in the complete version
    `complete` at the same path are there; the others (entries that differ from it, found
    by comparing the manifests' bytes) are looked for, and the objects the cache lacks are
    stored again from the workspace files. If any was, returns the manifest's bytes, size
    and file count again (a file may hold other content than recorded); else None."""
    try:
        old = repo.odb.read_verified(complete)
    except (OSError, CorruptObject):
        suspects = None
    else:
        suspects = changed_oids(data, old)
        del old
    missing = repo.odb.missing(fs[0] for fs in files.values()) if suspects is None \
        else repo.odb.missing(suspects)
    if not missing:
        return None
    top = repo.abspath(rel)
    for path, (oid, _, _) in list(files.items()):
        if oid in missing:
            st = os.lstat(f"{top}/{path}")
            stored, size = repo.odb.put_file(f"{top}/{path}", st.st_size)
            files[path] = (stored, size, bool(st.st_mode & stat_mod.S_IXUSR))
            repo.state.remember(f"{rel}/{path}", st, stored)
    manifest = manifests.Manifest.from_states(files)
    return manifests.dumps(manifest), manifest.size, len(manifest)


def remember_complete(repo: Repo, built: list[Pointer]) -> bytes | None:
    """Record that the cache holds every object of these folders' manifests (just added:
    every object stored or found), at the cache's stamp: the next add of such a folder
    (and a status) then looks only at the entries that changed (complete_version). A stamp
    is only given once the cache has not changed for 50 ms (storage/stamp.py); for a large
    folder it is worth waiting for. Returns the stamp (None if none was given)."""
    oids = [ptr.oid for ptr in built if ptr.kind == "dir"]
    if not oids:
        return None
    stamp = repo.odb.stamp()
    if stamp is None and any((ptr.files or 0) >= LARGE_FOLDER for ptr in built):
        time.sleep(RECENT_NS / 1e9 + 0.005)  # one sleep: on a busy machine each costs a turn
        stamp = repo.odb.stamp()
    if stamp is None:
        return None
    try:
        for oid in oids:
            repo.state.set_complete_stamp(oid, stamp)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        # only a shortcut for the next add: on a full disk it is not recorded
    return stamp
