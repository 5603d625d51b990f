"""Which objects the pointers of the work tree need: the want lists that push, fetch, pull
and `status --remote` hand to a transfer (remote/transfer.py)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, overload

from mlgit.errors import MlgitError
from mlgit.repo import Repo
from mlgit.storage.manifests import Manifest, ManifestCorrupt, ManifestMissing
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


class FolderWants(Sequence[Wanted]):
    """The objects of a tracked folder's files (the manifest entries `selected`), each made
    a Wanted only when asked: a million files cost the compact manifest, not a million
    tuples and paths."""

    def __init__(self, rel: str, manifest: Manifest, selected: Sequence[int]) -> None:
        self._prefix, self._manifest, self._selected = rel + "/", manifest, selected
        self._all = isinstance(selected, range) and selected == range(len(manifest))

    def __len__(self) -> int:
        return len(self._selected)

    @overload
    def __getitem__(self, i: int) -> Wanted: ...

    @overload
    def __getitem__(self, i: slice) -> list[Wanted]: ...

    def __getitem__(self, i: int | slice) -> Wanted | list[Wanted]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        m, j = self._manifest, self._selected[i]
        return Wanted(m.oids[j], m.sizes[j], self._prefix + m.paths[j])

    def __iter__(self) -> Iterator[Wanted]:
        if not self._all:
            return (self[i] for i in range(len(self)))
        m = self._manifest
        return map(Wanted, m.oids, m.sizes, map(self._prefix.__add__, m.paths))

    def total_bytes(self) -> int:
        sizes = self._manifest.sizes
        return sum(sizes) if self._all else sum(sizes[j] for j in self._selected)


class Wants(Sequence[Wanted]):
    """The wants of several targets, one part after another, each kept as it came (a
    folder's as a FolderWants)."""

    def __init__(self, parts: Iterable[Sequence[Wanted]] = ()) -> None:
        self._parts = list(parts)

    def add(self, part: Sequence[Wanted]) -> None:
        self._parts.append(part)

    def __len__(self) -> int:
        return sum(map(len, self._parts))

    @overload
    def __getitem__(self, i: int) -> Wanted: ...

    @overload
    def __getitem__(self, i: slice) -> list[Wanted]: ...

    def __getitem__(self, i: int | slice) -> Wanted | list[Wanted]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        for part in self._parts:
            if 0 <= i < len(part):
                return part[i]
            i -= len(part)
        raise IndexError("want index out of range")

    def __iter__(self) -> Iterator[Wanted]:
        return itertools.chain.from_iterable(self._parts)

    def total_bytes(self) -> int:
        return sum(total_bytes(part) for part in self._parts)


def wants_for(repo: Repo, target: Target,
              manifest: bool = True) -> Sequence[Wanted] | ManifestUnreadable:
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
    files = FolderWants(item.rel, listing, select_part(listing, sub, item.rel))
    return Wants([wants, files]) if manifest else files


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


def total_bytes(wants: Iterable[Wanted]) -> int:
    """The bytes of the objects whose size is known."""
    if isinstance(wants, FolderWants | Wants):
        return wants.total_bytes()
    return sum(max(w.size, 0) for w in wants)
