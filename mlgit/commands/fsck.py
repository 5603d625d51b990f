"""mlgit fsck: check every object and pack index in the cache (or on a remote), say what is
damaged and which artifacts it affects; with --repair, set damaged cache objects aside so
that a fetch restores them. A remote is only read, never changed."""

from __future__ import annotations

import functools
import os
from contextlib import nullcontext
from dataclasses import dataclass, field

from mlgit.errors import MlgitError
from mlgit.progress import OpenProgress, no_progress
from mlgit.remote.store import PACK_DIR, loose_rel
from mlgit.remote.verify import check_remote
from mlgit.repo import Repo
from mlgit.storage.check import (
    CHUNK_LIST,
    CHUNKS,
    LOOSE,
    OBJECT,
    OpenCheckProgress,
    Problem,
    Report,
    check_cache,
    set_aside,
)
from mlgit.storage.chunks import SUFFIX
from mlgit.workspace.damage import quarantine_folder
from mlgit.workspace.targets import Broken, all_tracked


@dataclass
class Damaged:
    kind: str  # "object" or "pack index"
    name: str  # the oid, or the index's path in the store
    location: str  # "loose", or the pack (index) path in the store
    size: int | None
    reason: str
    artifacts: list[str]  # what uses it: artifact paths, files inside folders
    set_aside: bool = False


@dataclass
class Missing:
    oid: str
    artifacts: list[str]


@dataclass
class FsckResult:
    remote: str | None  # None for the local cache
    url: str  # the cache folder (relative to the repository root) or the remote's URL
    objects: int
    bytes: int
    pack_indexes: int
    damaged: list[Damaged]
    missing: list[Missing]  # used by a pointer, no copy in the store (not damage)
    repaired: bool
    quarantine: str = ""  # the cache's quarantine folder and what it holds (local only)
    set_aside: int = 0
    set_aside_bytes: int = 0
    unreadable_pointers: list[str] = field(default_factory=list)
    remote_files: list[str] = field(default_factory=list)  # to delete on the remote, by hand


def fsck(repo: Repo, repair: bool, remote: str | None, jobs: int | None,
         open_progress: OpenProgress = no_progress) -> FsckResult:
    fsck_progress = functools.partial(open_progress, "fsck")
    if remote is not None:
        if repair:
            raise MlgitError("--repair works on the local cache only: mlgit never changes a"
                             " remote's objects",
                             "delete the damaged objects on the remote yourself, then push"
                             " them again from a clone whose cache has them intact")
        return _check_remote(repo, remote, jobs, fsck_progress)
    with repo.lock() if repair else nullcontext():
        report = check_cache(repo.odb, jobs or repo.config.get("core.jobs"), fsck_progress)
        unreadable = {p.name for p in report.problems if p.kind == OBJECT}
        result = _result(repo, report, unreadable, None,
                         os.path.relpath(repo.odb.root, repo.root))
        if repair and report.problems:
            _set_aside(repo, report.problems, result.damaged)
            result.repaired = True
    result.quarantine = quarantine_folder(repo)
    result.set_aside, result.set_aside_bytes = repo.odb.quarantine_usage()
    return result


def _check_remote(repo: Repo, name: str, jobs: int | None,
                  open_progress: OpenCheckProgress) -> FsckResult:
    from mlgit.remote.open import jobs_for, open_store, remote_errors
    from mlgit.remote.urls import describe

    spec, store = open_store(repo, name)
    with remote_errors(spec):
        report = check_remote(store, repo.odb, jobs_for(spec, jobs), open_progress)
        listed = set(store.backend.list_dir(PACK_DIR)) if report.problems else set()
    result = _result(repo, report, set(), spec.name, describe(spec.url))
    result.remote_files = _files_to_delete(report.problems, listed)
    return result


def _files_to_delete(problems: list[Problem], listed: set[str]) -> list[str]:
    """The remote's files holding damage: a damaged object's loose file, or its whole pack
    (the pack and its index: an index left without its pack is damage too); a damaged
    index and its pack, where that exists. `listed` is the remote's packs folder."""
    files: list[str] = []
    for p in problems:
        if p.kind == OBJECT and p.location == LOOSE:
            files.append(loose_rel(p.name))
            continue
        if p.kind == OBJECT and p.location in (CHUNK_LIST, CHUNKS):
            if p.location == CHUNK_LIST:  # lacking chunks: a push sends them, nothing to delete
                files.append(loose_rel(p.name) + SUFFIX)
            continue
        idx = p.location if p.kind != OBJECT else p.location[: -len(".pack")] + ".idx"
        pack = idx[: -len(".idx")] + ".pack"
        files += [f for f in (pack, idx) if f.rpartition("/")[2] in listed]
    return list(dict.fromkeys(files))


def _result(repo: Repo, report: Report, unreadable: set[str], remote: str | None,
            url: str) -> FsckResult:
    uses, broken = _uses(repo, unreadable)
    report.problems.sort(key=lambda p: (p.kind, p.location, p.name))  # _set_aside zips them
    damaged = [Damaged(p.kind, p.name, p.location, None if p.size < 0 else p.size, p.reason,
                       _users(p.name, uses, report.parts_of) if p.kind == OBJECT else [])
               for p in report.problems]
    missing = [Missing(oid, paths) for oid, paths in sorted(uses.items())
               if oid not in report.seen]
    return FsckResult(remote, url, report.objects, report.bytes, report.indexes, damaged,
                      missing, False, unreadable_pointers=broken)


def _users(oid: str, uses: dict[str, list[str]], parts_of: dict[str, list[str]]) -> list[str]:
    """What needs an object: its own users, and for a chunk those of the files made of it."""
    found = list(uses.get(oid, []))
    for whole in parts_of.get(oid, []):
        found += [u for u in uses.get(whole, []) if u not in found]
    return found


def _uses(repo: Repo, unreadable: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """{oid: the artifacts (and files inside folders) that use it} over the work tree's
    pointers, and the pointers that could not be read. Folder manifests in `unreadable` are
    not read (that would set them aside)."""
    uses: dict[str, list[str]] = {}
    broken: list[str] = []
    for item in all_tracked(repo):
        if isinstance(item, Broken):
            broken.append(item.pointer_rel)
            continue
        ptr = item.ptr
        if not ptr.is_dir:
            uses.setdefault(ptr.oid, []).append(item.rel)
            continue
        uses.setdefault(ptr.oid, []).append(f"{item.rel} (folder manifest)")
        if ptr.oid in unreadable:
            continue
        try:
            manifest = repo.manifest(ptr.oid, f"{item.rel} (manifest {ptr.oid[:12]})")
        except MlgitError:  # not in the cache, corrupt or unsafe
            continue
        for path, oid in zip(manifest.paths, manifest.oids, strict=True):
            uses.setdefault(oid, []).append(f"{item.rel}/{path}")
    return uses, broken


def _set_aside(repo: Repo, problems: list[Problem], damaged: list[Damaged]) -> None:
    odb = repo.odb
    for problem, entry in zip(problems, damaged, strict=True):
        try:
            set_aside(odb, problem)
        except OSError as exc:
            raise MlgitError(f"{problem.location}: cannot set it aside: {exc.strerror or exc}",
                             "check the permissions of the cache folder, then run"
                             " 'mlgit fsck --repair' again") from None
        entry.set_aside = True
