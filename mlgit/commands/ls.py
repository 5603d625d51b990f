"""mlgit ls: what is tracked, how big, and whether the cache has it."""

from __future__ import annotations

from dataclasses import dataclass

from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestUnavailable
from mlgit.workspace.targets import Broken, all_tracked, size_error


@dataclass
class Listed:
    path: str
    kind: str
    size: int
    files: int
    oid: str
    in_cache: bool
    error: str = ""


def ls(repo: Repo) -> list[Listed]:
    rows = []
    for item in all_tracked(repo):
        if isinstance(item, Broken):
            rows.append(Listed(item.pointer_rel, "?", 0, 0, "", False, item.error.message))
            continue
        ptr = item.ptr
        damaged = size_error(repo, item)
        if damaged is not None:  # its size is not believed
            rows.append(Listed(item.pointer_rel, "?", 0, 0, "", False, damaged.message))
            continue
        rows.append(Listed(item.rel, ptr.kind, ptr.size, (ptr.files or 0) if ptr.is_dir else 1,
                           ptr.oid, _in_cache(repo, ptr.oid, ptr.is_dir)))
    return rows


def _in_cache(repo: Repo, oid: str, is_dir: bool) -> bool:
    if not is_dir:
        return repo.odb.has(oid)
    try:
        manifest = repo.manifest(oid, oid)
    except ManifestUnavailable:
        return False
    return not repo.odb.missing(manifest.oids)
