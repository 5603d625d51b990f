"""Which objects the pointers of the work tree need: the want lists that push, fetch, pull
and `status --remote` hand to a transfer (remote/transfer.py)."""

from __future__ import annotations

import contextlib
from typing import NamedTuple

from mlgit.errors import MlgitError
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestCorrupt, ManifestMissing
from mlgit.workspace import targets
from mlgit.workspace.targets import (
    Broken,
    Target,
    Tracked,
    all_tracked,
    check_part,
    select_part,
)


class Wanted(NamedTuple):
    """An object a target needs."""

    oid: str
    size: int  # -1 when unknown (a manifest not read yet)
    path: str  # the workspace path it is for, for messages


class ManifestUnreadable(NamedTuple):
    """A folder's manifest is not in the cache, or was corrupt there (then it was set aside),
    so the objects the folder needs are unknown."""

    path: str
    oid: str
    set_aside: bool


def targets_or_all(repo: Repo, args: list[str]) -> tuple[list[Target], list[Broken]]:
    """The targets the paths name; with none, every tracked artifact (and the pointers that
    cannot be read)."""
    if not args:
        found = all_tracked(repo)
        return ([Target(i, "") for i in found if isinstance(i, Tracked)],
                [i for i in found if isinstance(i, Broken)])
    return targets.resolve_targets(repo, args), []


def wants_for(repo: Repo, target: Target,
              manifest: bool = True) -> list[Wanted] | ManifestUnreadable:
    """The objects a target needs (with its folder manifest, unless `manifest` is False),
    given that the manifest is in the cache."""
    item, sub = target
    ptr = item.ptr
    check_part(target)
    if not ptr.is_dir:
        return [Wanted(ptr.oid, ptr.size, item.rel)]
    wants = [manifest_of(target)]
    try:
        listing = repo.manifest(ptr.oid, f"{item.rel} (manifest {ptr.oid[:12]})")
    except ManifestMissing:
        return ManifestUnreadable(wants[0].path, ptr.oid, set_aside=False)
    except ManifestCorrupt:
        return ManifestUnreadable(wants[0].path, ptr.oid, set_aside=True)
    selected = select_part(listing, sub, item.rel)
    return (wants if manifest else []) + [
        Wanted(listing.oids[i], listing.sizes[i], f"{item.rel}/{listing.paths[i]}")
        for i in selected]


def manifest_of(target: Target) -> Wanted:
    """A folder target's manifest object."""
    return Wanted(target.item.ptr.oid, -1, f"{target.item.rel} (folder manifest)")


def manifests_of(found: list[Target]) -> list[Wanted]:
    """The folder manifests of the targets: fetched first, as they say what a folder needs."""
    return [manifest_of(t) for t in found if t.item.ptr.is_dir]


def read_manifests(repo: Repo, found: list[Target]) -> None:
    """Read the folder manifests the cache has, so that a corrupt one is set aside now (and
    then fetched again with the others)."""
    for t in found:
        if t.item.ptr.is_dir:
            with contextlib.suppress(MlgitError):  # not in the cache, corrupt or unsafe
                repo.manifest(t.item.ptr.oid, t.item.rel)


def total_bytes(wants: list[Wanted]) -> int:
    """The bytes of the objects whose size is known."""
    return sum(max(w.size, 0) for w in wants)
