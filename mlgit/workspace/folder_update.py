"""An add of a tracked folder after a few changes, in proportion to the changes.

The folder's fingerprint (listing.py: one walk, by `find` processes) is taken first. The
unchanged memo (unchanged.py) remembers the fingerprint of the folder when it last matched
its recorded manifest in full, part by part (the top-level subfolders, or deeper ones). A
part whose digest is still the remembered one holds what that manifest says it holds: its
entries are kept as recorded, column by column (storage/manifest_splice.py), with no state
DB row read and no file looked at again. Only the other parts are read, as a full add reads
them (scan.files_of: the state DB vouches for a file or it is hashed and stored).

The objects of the kept entries must still be in the cache (formats.md, state DB rule 4):
they were when the memo's entry was written, at its cache stamp, or when the recorded version
was last seen complete (the state DB's complete stamp); while the cache's stamp is still one
of those, nothing was removed. Otherwise every kept object is looked for, and if one is
missing the whole folder is added the usual way (build.build), which stores it again.

A first add takes no fingerprint (a clean status or the next add does). Whatever this path
cannot vouch for (no memo entry for the recorded pointer, the files above the parts changed,
more than half the parts changed, a part that is no longer a folder, the recorded manifest
unreadable, links configured in place of copies) falls back to a full add. The fingerprint
taken first is remembered after either, once the add is done (add.py).
"""

from __future__ import annotations

import marshal
import os
from typing import TYPE_CHECKING

from mlgit.errors import MlgitError
from mlgit.paths import pointer_path_for
from mlgit.pointer import Pointer
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.storage import manifests
from mlgit.storage.manifest_splice import dumps, oids_under, spliced
from mlgit.workspace.build import build
from mlgit.workspace.recording import old_pointer
from mlgit.workspace.scan import FileState, files_of, remove_leftovers

if TYPE_CHECKING:
    from mlgit.repo import Repo
    from mlgit.workspace.unchanged import Proof, UnchangedMemo

LINKS_IN_PLACE = ("hardlink", "symlink")
"""Link types that replace the workspace files after an add (their inodes and times change):
a fingerprint taken before would never match again, and the files kept as recorded would not
be linked."""


def build_folder(repo: Repo, rel: str, memo: UnchangedMemo, *,
                 progress: ProgressCallback = noop_progress
                 ) -> tuple[Pointer, dict[str, FileState] | None, Proof | None]:
    """build.build(repo, rel, store=True), reading only the parts of a tracked folder that
    changed since the memo last saw it match its recorded manifest. Returns the pointer,
    the files that were read (by path inside the folder; for a file, None) and the folder's
    fingerprint as it was before anything was read (None if it could not be taken), for the
    caller to remember once the add is done."""
    abs_path = repo.abspath(rel)
    if not os.path.isdir(abs_path) or os.path.islink(abs_path) \
            or repo.config.get("cache.link")[0] in LINKS_IN_PLACE:
        return (*build(repo, rel, store=True, progress=progress), None)
    pointer_rel = pointer_path_for(rel)
    old = old_pointer(repo.abspath(pointer_rel), pointer_rel)
    recorded = old if old is not None and old.kind == "dir" else None
    if recorded is None:
        # A first add takes no fingerprint (a walk: +10% on adding 20k files): a clean
        # status or the next add takes one.
        return (*build(repo, rel, store=True, progress=progress), None)
    proof = memo.folder_proof(abs_path, recorded.files or 0, rel)
    if proof is not None:
        changed = memo.parts_to_read(proof, recorded.oid)
        if changed is not None:
            quick = _build_parts(repo, rel, recorded, changed, memo.remembered_stamp(rel),
                                 progress)
            if quick is not None:
                return (*quick, proof)
    return (*build(repo, rel, store=True, progress=progress), proof)


def _build_parts(repo: Repo, rel: str, recorded: Pointer, changed: list[str],
                 memo_stamp: bytes | None, progress: ProgressCallback
                 ) -> tuple[Pointer, dict[str, FileState]] | None:
    """The pointer of the folder with the entries of `recorded`'s manifest under the
    parts `changed` replaced by what those parts hold now; None if that cannot be vouched
    for (a full add is then needed)."""
    try:
        old = repo.manifest(recorded.oid, f"{rel} (manifest {recorded.oid[:12]})")
    except MlgitError:
        return None
    if not _recorded_objects_present(repo, recorded.oid, memo_stamp) \
            and repo.odb.missing(old.oids):
        return None
    abs_path = repo.abspath(rel)
    found: dict[str, dict[str, FileState]] = {}
    for name in changed:
        part = f"{abs_path}/{name}"
        if not os.path.lexists(part):
            continue  # gone: its entries go
        if os.path.islink(part) or not os.path.isdir(part):
            return None
        # the recorded version's objects are all in the cache: only the others are looked
        # for, below
        scanned = files_of(repo.state, repo.odb, part, f"{rel}/{name}", strict=True,
                           store=True, jobs=repo.config.get("core.jobs"), progress=progress,
                           check_cache=False)
        remove_leftovers(scanned.leftovers)
        if "" in scanned.files:  # replaced by a file since the fingerprint was taken
            return None
        found[name] = scanned.files
    _store_missing(repo, rel, found, oids_under(old, changed))
    manifest = spliced(old, changed, found)
    del old
    data = dumps(manifest)
    oid = repo.odb.put_bytes(data)
    progress(len(manifest) - sum(map(len, found.values())), 0)
    repo.keep_manifest_memo(oid, marshal.dumps(manifests.memo_of(manifest)))
    read = {f"{name}/{key}": fs for name, files in found.items() for key, fs in files.items()}
    return Pointer(kind="dir", path=rel.rpartition("/")[2], oid=oid, size=manifest.size,
                   files=len(manifest)), read


def _recorded_objects_present(repo: Repo, oid: str, memo_stamp: bytes | None) -> bool:
    """Whether the cache is known to hold every object of the recorded manifest `oid`: its
    stamp is the one at which they were all seen."""
    stamp = repo.odb.stamp()
    return stamp is not None and (stamp == memo_stamp
                                  or repo.state.complete_stamp(oid) == stamp)


def _store_missing(repo: Repo, rel: str, found: dict[str, dict[str, FileState]],
                   recorded: dict[str, str]) -> None:
    """The files read whose object the cache lacks, stored again: the state DB vouched for
    them (scan.files_of without check_cache), and only those whose oid is not the recorded
    one at the same path (whose objects are all in the cache) can lack it (e.g. a file
    that a status hashed after it changed, and no add stored)."""
    suspects = {fs[0] for name, files in found.items() for key, fs in files.items()
                if recorded.get(f"{name}/{key}") != fs[0]}
    missing = repo.odb.missing(suspects)
    if not missing:
        return
    top = repo.abspath(rel)
    for name, files in found.items():
        for key, (oid, _, executable) in list(files.items()):
            if oid in missing:
                path = f"{top}/{name}/{key}"
                st = os.lstat(path)
                stored, size = repo.odb.put_file(path, st.st_size)
                files[key] = (stored, size, executable)
                repo.state.remember(f"{rel}/{name}/{key}", st, stored)
