"""Workspace -> objects: hash and store an artifact, returning the pointer that names it."""

from __future__ import annotations

import os

from mlgit import tree
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.ui import ProgressCallback, noop_progress
from mlgit.workspace import FileState, files_of


def build(repo: Repo, rel: str, *, store: bool, progress: ProgressCallback = noop_progress
          ) -> tuple[Pointer, dict[str, FileState] | None]:
    """The pointer describing the artifact at `rel` as it is now in the workspace.

    With `store`, every object it names is in the cache when this returns (not yet synced).
    For a directory, also returns its files by path relative to the directory.
    """
    abs_path = repo.abspath(rel)
    name = rel.rpartition("/")[2]
    is_dir = os.path.isdir(abs_path) and not os.path.islink(abs_path)
    files = files_of(repo.state, repo.odb, abs_path, rel, strict=True, store=store,
                     jobs=repo.config.get("core.jobs"), progress=progress)
    if not is_dir:
        fs = files[""]
        return Pointer(kind="file", path=name, oid=fs[0], size=fs[1], exec=fs[2]), None
    by_inner = files
    manifest = tree.Manifest.from_entries([tree.Entry(p, fs[0], fs[1], fs[2])
                                           for p, fs in by_inner.items()])
    data = tree.dumps(manifest)
    oid = repo.odb.put_bytes(data) if store else tree.manifest_oid(data)
    ptr = Pointer(kind="dir", path=name, oid=oid, size=manifest.size, files=len(manifest))
    return ptr, by_inner
