"""Damage that must not pass for an ordinary change (spec: docs/formats.md):

- a pointer whose `size` (or a folder's `files`) disagrees with the content its oid names:
  the pointer was edited or mangled, so it is reported and not believed;
- a workspace file that is a hard link to its cache object and was edited in place: the
  cache object itself changed, so the original content is gone from the cache.
"""

from __future__ import annotations

import os

from mlgit.errors import BadPointer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.pointer import Pointer
    from mlgit.repo import Repo
    from mlgit.storage.manifests import Manifest
    from mlgit.storage.objects import LocalODB


DAMAGED_POINTER = "damaged pointer"
DAMAGED_HINT = ("a damaged file was edited in place through a hard or symbolic link into the"
                " cache (cache.link hardlink or symlink), which changed its cache object too:"
                " keep the edit with 'mlgit add PATH', or get the original back from a remote"
                " with 'mlgit fsck --repair' then 'mlgit pull --force PATH'; run"
                " 'mlgit unprotect PATH' before editing linked files")
DAMAGED_LEFT = ("damaged: edited in place through a link into the cache, which changed its"
                " cache object too; left as is")


def pointer_size_error(odb: LocalODB, pointer_rel: str, rel: str, ptr: Pointer,
                       manifest: Manifest | None = None,
                       workspace_size: int | None = None) -> BadPointer | None:
    """A BadPointer if `ptr` states a size (or file count) its content does not have.

    A file's true size comes from the cache, else from `workspace_size` (the size of a
    workspace file known to hold the pointer's oid); a folder's from its manifest. When
    neither is known, nothing is said. A loose object whose size disagrees is hashed first:
    if the object itself is damaged, the pointer is not blamed."""
    if ptr.is_dir:
        if manifest is None:
            return None
        total = sum(manifest.sizes)
        if ptr.size == total and (ptr.files is None or ptr.files == len(manifest)):
            return None
        said = f"{_files(ptr.files or 0)}, {ptr.size} bytes"
        return _damaged(pointer_rel, rel, f"it says {said} but its manifest {ptr.oid[:12]}"
                                          f" lists {_files(len(manifest))}, {total} bytes")
    actual = odb.size(ptr.oid)
    if actual is not None and actual != ptr.size and not odb.intact(ptr.oid):
        actual = None  # the object is damaged, not the pointer
    if actual is None:
        actual = workspace_size
    if actual is None or actual == ptr.size:
        return None
    return _damaged(pointer_rel, rel, f"it says {ptr.size} bytes but its content"
                                      f" {ptr.oid[:12]} has {actual} bytes")


def _files(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


def _damaged(pointer_rel: str, rel: str, detail: str) -> BadPointer:
    from mlgit.paths import shell_command

    return BadPointer(f"{pointer_rel}: {DAMAGED_POINTER}: {detail}",
                      f"restore it from Git ({shell_command('git checkout --', pointer_rel)})"
                      f" or add the data again ({shell_command('mlgit add', rel)})")


def edited_through_link(odb: LocalODB, abs_path: str, oid: str) -> bool:
    """Whether the workspace file at `abs_path`, whose content no longer hashes to `oid`,
    is the very file of cache object `oid` (a hard link, or a symbolic link into the cache,
    edited in place)."""
    return odb.holds(abs_path, oid)


def quarantine_folder(repo: Repo) -> str:
    """The cache's folder of corrupt copies set aside, relative to the repository root."""
    return os.path.relpath(repo.odb.quarantine_dir, repo.root)
