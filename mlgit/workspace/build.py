"""Workspace -> objects: hash and store an artifact, returning the pointer that names it."""

from __future__ import annotations

import os

from mlgit.errors import BadPath, MlgitError
from mlgit.paths import at_or_under, shell_command
from mlgit.pointer import Pointer
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.repo import Repo
from mlgit.storage import manifests
from mlgit.workspace.scan import FileState, files_of, remove_leftovers


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
    found = files_of(repo.state, repo.odb, abs_path, rel, strict=True, store=store,
                     jobs=repo.config.get("core.jobs"), progress=progress)
    remove_leftovers(found.leftovers)
    files = found.files
    if not is_dir:
        fs = files[""]
        return Pointer(kind="file", path=name, oid=fs[0], size=fs[1], exec=fs[2]), None
    by_inner = files
    manifest = manifests.Manifest.from_states(by_inner)
    data = manifests.dumps(manifest)
    oid = repo.odb.put_bytes(data) if store else manifests.manifest_oid(data)
    ptr = Pointer(kind="dir", path=name, oid=oid, size=manifest.size, files=len(manifest))
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
