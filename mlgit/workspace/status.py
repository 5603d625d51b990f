"""Compare each tracked artifact with its pointer: unchanged, modified, damaged, deleted, not in
cache."""

from __future__ import annotations

import bisect
import itertools
import operator
import os
from typing import TYPE_CHECKING

from mlgit.errors import MlgitError
from mlgit.paths import pointer_path_for, shell_command
from mlgit.storage import manifests
from mlgit.workspace.artifact_status import (
    DAMAGED,
    DELETED,
    MODIFIED,
    TYPECHANGE,
    UNCHANGED,
    ArtifactStatus,
)
from mlgit.workspace.damage import edited_through_link, pointer_size_error
from mlgit.workspace.scan import FOREIGN, dangling_cache_link, files_of, remove_leftovers

if TYPE_CHECKING:
    from mlgit.pointer import Pointer
    from mlgit.repo import Repo
    from mlgit.workspace.scan import FileState

def artifact_status(repo: Repo, rel: str, ptr: Pointer, only: list[str] | None = None
                    ) -> ArtifactStatus:
    """`only`: of a folder, the subfolders to compare (its parts, listing.py), the others
    being known to match the pointer (workspace/unchanged.py); None to compare all of it."""
    manifest = _manifest_or_none(repo, ptr) if ptr.is_dir else None
    st = ArtifactStatus(rel, ptr.kind, UNCHANGED)
    st.missing_objects = _count_missing(repo, ptr, manifest)
    abs_path = repo.abspath(rel)
    workspace_size = None
    if not os.path.lexists(abs_path):
        st.state = DELETED
    elif ptr.is_dir:
        if manifest is None or only is None or not _compare_parts(repo, st, manifest, only):
            current = _current(repo, rel)
            _compare_dir(st, ptr, manifest, current)
            if st.modified and manifest is not None:
                _find_damaged(repo, st, abs_path, manifest.oid_by_path())
    else:
        found = _current(repo, rel)
        have = found.get("")
        if have is not None and have[0] == ptr.oid:
            workspace_size = have[1]
        elif have is None and found:  # a folder holding files stands where the file belongs
            st.state = TYPECHANGE
        elif have is None:  # a link into the cache whose object was set aside
            st.state = DELETED
        elif edited_through_link(repo.odb, abs_path, ptr.oid):
            st.state = DAMAGED
        else:
            st.state = MODIFIED
    error = pointer_size_error(repo.odb, pointer_path_for(rel), rel, ptr, manifest,
                               workspace_size)
    if error is not None:
        raise error
    return st


def _compare_parts(repo: Repo, st: ArtifactStatus, manifest: manifests.Manifest,
                   names: list[str]) -> bool:
    """Compare only the subfolders `names` of the folder `st.path` with the
    manifest (the rest is known to match it). False, having compared nothing, if one of
    them is no longer a folder: the whole folder is then compared."""
    abs_path = repo.abspath(st.path)
    if not all(os.path.isdir(f"{abs_path}/{name}") for name in names):
        return False
    have: dict[str, FileState] = {}
    for name in names:
        found = _current(repo, f"{st.path}/{name}")
        if "" in found:  # replaced by a file since it was looked at
            return False
        have.update((f"{name}/{key}", fs) for key, fs in found.items())
    want = _wanted_under(manifest, names)
    _differences(st, want, have)
    if st.modified:
        _find_damaged(repo, st, abs_path, want)
    return True


def _wanted_under(manifest: manifests.Manifest, names: list[str]) -> dict[str, str]:
    """The manifest's oid of each path under the folders `names`."""
    paths, oids = manifest.paths, manifest.oids
    if not all(map(operator.lt, paths, itertools.islice(paths, 1, None))):
        prefixes = tuple(f"{name}/" for name in names)
        return {p: oid for p, oid in zip(paths, oids, strict=True) if p.startswith(prefixes)}
    want: dict[str, str] = {}
    for name in names:
        # every path under "name/" sorts from "name/" to just before "name0" ("0" follows "/")
        low = bisect.bisect_left(paths, f"{name}/")
        high = bisect.bisect_left(paths, f"{name}0", low)
        want.update(zip(paths[low:high], oids[low:high], strict=True))
    return want


def _find_damaged(repo: Repo, st: ArtifactStatus, abs_path: str,
                  want: dict[str, str]) -> None:
    """Move the modified files that are hard or symbolic links to their (now changed) cache
    object from `modified` to `damaged`."""
    st.damaged = [p for p in st.modified if edited_through_link(repo.odb, f"{abs_path}/{p}",
                                                                 want[p])]
    if st.damaged:
        st.modified = [p for p in st.modified if p not in set(st.damaged)]
        st.state = DAMAGED


def _manifest_or_none(repo: Repo, ptr: Pointer) -> manifests.Manifest | None:
    try:
        return repo.manifest(ptr.oid, ptr.path)
    except manifests.ManifestUnavailable:
        return None


def _count_missing(repo: Repo, ptr: Pointer, manifest: manifests.Manifest | None) -> int:
    if not ptr.is_dir:
        return 0 if repo.odb.has(ptr.oid) else 1
    if manifest is None:
        return 1  # the manifest itself; which files it names cannot be known without it
    stamp = repo.odb.stamp()
    if stamp is not None and repo.state.complete_stamp(ptr.oid) == stamp:
        return 0
    missing = len(repo.odb.missing(manifest.oids))
    if missing == 0 and stamp is not None:
        repo.state.set_complete_stamp(ptr.oid, stamp)
    return missing


def _current(repo: Repo, rel: str) -> dict[str, FileState]:
    """The files at `rel` and their oids. A link into the cache whose object is gone (set
    aside as damaged) holds nothing: it is left out, so it counts as deleted. Temp files
    that interrupted commands left there are removed."""
    found = files_of(repo.state, repo.odb, repo.abspath(rel), rel, strict=False, store=False,
                     jobs=repo.config.get("core.jobs"))
    remove_leftovers(found.leftovers)
    have = found.files
    for key in [k for k, fs in have.items() if fs[0] == FOREIGN]:
        if dangling_cache_link(repo.abspath(f"{rel}/{key}" if key else rel), repo.odb.root):
            del have[key]
    return have


def _compare_dir(st: ArtifactStatus, ptr: Pointer, manifest: manifests.Manifest | None,
                 have: dict[str, FileState]) -> None:
    if "" in have:  # a file stands where the directory should be
        st.state = TYPECHANGE
        return
    if manifest is None:
        if _manifest_oid_of(have) != ptr.oid:
            st.state = MODIFIED
        return
    want = manifest.oid_by_path()
    _differences(st, want, have)


def _differences(st: ArtifactStatus, want: dict[str, str], have: dict[str, FileState]
                 ) -> None:
    """Fill in what was added, deleted and modified, in one pass over the files (a folder
    of a million files with a few changed is common)."""
    added: list[str] = []
    modified: list[str] = []
    get = want.get
    for p, fs in have.items():
        oid = get(p)
        if oid != fs[0]:
            (added if oid is None else modified).append(p)
    if len(want) != len(have) - len(added):
        st.deleted = sorted(want.keys() - have.keys())
    st.added, st.modified = sorted(added), sorted(modified)
    if st.added or st.deleted or st.modified:
        st.state = MODIFIED


def _manifest_oid_of(files: dict[str, FileState]) -> str:
    entries = [manifests.Entry(p, fs[0], fs[1], fs[2]) for p, fs in files.items()]
    return manifests.manifest_oid(manifests.dumps(manifests.Manifest.from_entries(entries)))


def safe_status(repo: Repo, rel: str, ptr: Pointer, sub: str = "",
                only: list[str] | None = None) -> ArtifactStatus | MlgitError:
    try:
        return part_status(repo, rel, ptr, sub) if sub else artifact_status(repo, rel, ptr,
                                                                            only)
    except MlgitError as exc:
        return exc


def part_status(repo: Repo, rel: str, ptr: Pointer, sub: str) -> ArtifactStatus:
    """The status of the path `sub` inside the tracked folder `rel`, as if it were an
    artifact of its own: a file, or a folder whose changed files are listed relative to it."""
    part = f"{rel}/{sub}"
    manifest = _manifest_or_none(repo, ptr)
    if manifest is None:
        raise MlgitError(f"{part}: the manifest of the tracked folder {rel} is not in the"
                         " cache (or is corrupt), so its files cannot be compared",
                         f"fetch it with {shell_command('mlgit fetch', rel)}, or check the"
                         f" whole folder with {shell_command('mlgit status', rel)}")
    prefix = sub + "/"
    want: dict[str, str] = {}
    for path, oid in zip(manifest.paths, manifest.oids, strict=True):
        if path == sub:
            want[""] = oid
        elif path.startswith(prefix):
            want[path[len(prefix):]] = oid
    error = pointer_size_error(repo.odb, pointer_path_for(rel), rel, ptr, manifest)
    if error is not None:
        raise error
    is_file = "" in want or (not want and not os.path.isdir(repo.abspath(part)))
    st = ArtifactStatus(part, "file" if is_file else "dir", UNCHANGED)
    st.missing_objects = len(repo.odb.missing(set(want.values())))
    if not os.path.lexists(repo.abspath(part)):
        st.state = DELETED
        return st
    have = _current(repo, part)
    if is_file and not have:  # a link into the cache whose object was set aside
        st.state = DELETED
        return st
    if ("" in have) != is_file:  # a folder where the file belongs, or a file where the folder
        st.state = TYPECHANGE     # does
        return st
    if is_file or "" in have:  # "" in have: a file stands where the folder should be
        if "" not in have or have[""][0] != want.get(""):
            st.state = DAMAGED if "" in want and edited_through_link(
                repo.odb, repo.abspath(part), want[""]) else MODIFIED
        return st
    _differences(st, want, have)
    if st.modified:
        _find_damaged(repo, st, repo.abspath(part), want)
    return st
