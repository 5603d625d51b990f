"""mlgit gc: delete cache objects that no pointer in the workspace references."""

from __future__ import annotations

from dataclasses import dataclass

from mlgit.commands.common import Broken, all_tracked, quarantine_folder
from mlgit.errors import MlgitError
from mlgit.odb import CorruptObject
from mlgit.repo import Repo


@dataclass
class GcResult:
    removed: int
    freed_bytes: int
    kept: int
    dry_run: bool
    set_aside: int = 0  # corrupt copies in the cache's quarantine folder, which gc never empties
    set_aside_bytes: int = 0
    quarantine: str = ""  # that folder, relative to the repository root


def gc(repo: Repo, dry_run: bool) -> GcResult:
    with repo.lock():
        keep = referenced(repo)
        removed, freed, kept = repo.odb.collect(keep, dry_run)
        if not dry_run:
            repo.forget_manifest_memos(keep)
    return GcResult(removed, freed, kept, dry_run, *repo.odb.quarantine_usage(),
                    quarantine_folder(repo))


def referenced(repo: Repo) -> set[str]:
    """Every oid a workspace pointer needs. Refuses to run if any pointer is unreadable,
    because deleting objects it might name could lose data."""
    keep: set[str] = set()
    for item in all_tracked(repo):
        if isinstance(item, Broken):
            raise MlgitError(f"{item.pointer_rel}: cannot read pointer; gc would not know what"
                             " it references", "fix or remove that pointer file, then rerun gc")
        keep.add(item.ptr.oid)
        if item.ptr.is_dir:
            keep.update(_manifest_oids(repo, item.ptr.oid, item.rel))
    return keep


def _manifest_oids(repo: Repo, oid: str, rel: str) -> set[str]:
    try:
        manifest = repo.manifest(oid, rel)
    except (FileNotFoundError, CorruptObject):
        raise MlgitError(f"{rel}: its directory manifest {oid[:12]} is missing or corrupt, so gc"
                         " cannot tell which files it needs",
                         f"re-add it with 'mlgit add {rel}' or remove its pointer, then rerun"
                         " gc") from None
    return set(manifest.oids)
