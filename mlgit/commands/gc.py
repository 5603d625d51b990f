"""mlgit gc: delete cache objects that no pointer in the workspace references."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlgit import scm
from mlgit.commands.common import Broken, all_tracked
from mlgit.errors import MlgitError
from mlgit.odb import CorruptObject
from mlgit.repo import DOT_DIR, Repo


@dataclass
class GcResult:
    removed: int
    freed_bytes: int
    kept: int
    dry_run: bool


def gc(repo: Repo, dry_run: bool, force: bool = False) -> GcResult:
    sharing = worktrees_sharing_cache(repo)
    if not dry_run and not force:
        refuse_foreign_cache(repo, sharing)
    with repo.lock(exclusive_cache=True):
        keep = referenced(repo)
        for other in sharing:
            keep |= referenced_by_worktree(other)
        removed, freed, kept = repo.odb.collect(keep, dry_run)
        if not dry_run:
            repo.forget_manifest_memos(keep)
    return GcResult(removed, freed, kept, dry_run)


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


def worktrees_sharing_cache(repo: Repo) -> list[Repo]:
    """The repository's other Git worktrees that use the same cache (their pointers count)."""
    mine = os.path.realpath(repo.cache_dir)
    here = os.path.realpath(repo.root)
    found = []
    for root in scm.worktrees(repo.root):
        if root == here or not os.path.isdir(os.path.join(root, DOT_DIR)):
            continue
        other = Repo(root)
        try:
            same = os.path.realpath(other.cache_dir) == mine
        except MlgitError as exc:
            raise MlgitError(f"worktree {root}: {exc.message}; gc cannot tell whether it uses"
                             " this cache", "fix that worktree's settings, or remove it"
                             " with 'git worktree remove', then rerun gc") from None
        if same:
            found.append(other)
    return found


def refuse_foreign_cache(repo: Repo, sharing: list[Repo]) -> None:
    """A cache outside every work tree of this repository (cache.dir) may be used by other
    repositories, whose pointers gc cannot see: deleting needs -f."""
    homes = {os.path.realpath(r.own_cache_dir) for r in [repo, *sharing]}
    if os.path.realpath(repo.cache_dir) in homes:
        return
    raise MlgitError(f"the cache {repo.cache_dir} is set by cache.dir and may be shared with"
                     " other repositories; gc knows only this repository's pointers and would"
                     " delete what the others need",
                     "make sure no other repository uses that cache (or that it may lose"
                     " what this one does not reference), then run 'mlgit gc -f'")


def referenced_by_worktree(other: Repo) -> set[str]:
    try:
        return referenced(other)
    except MlgitError as exc:
        raise MlgitError(f"worktree {other.root}: {exc.message}",
                         f"{exc.hint} (in that worktree)") from None
