"""mlgit push / fetch / pull: move the objects the workspace pointers reference between the
cache and a remote. A path inside a tracked folder moves just that part."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import NamedTuple

from mlgit.errors import MlgitError, describe_error
from mlgit.fileio import disk_full_error, is_disk_full
from mlgit.hashing import hash_bytes
from mlgit.paths import artifact_path_for
from mlgit.progress import OpenProgress, ProgressCallback, no_progress
from mlgit.remote import schemes, settings
from mlgit.remote.backends import open_backend
from mlgit.remote.settings import RemoteSpec
from mlgit.remote.store import RemoteStore
from mlgit.remote.transfer import Failure, Mover, Stopped, TransferResult, Want, fetch, push
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestCorrupt, ManifestMissing
from mlgit.workspace import targets
from mlgit.workspace.checkout import Result
from mlgit.workspace.targets import (
    Broken,
    Target,
    Tracked,
    all_tracked,
    check_part,
    select_part,
    size_error,
)

REMOTE_JOBS = {"local": 4, "memory": 4, "ssh": 8, "gs": 16, "s3": 16}


class Outcome(NamedTuple):
    remote: str
    url: str
    result: TransferResult
    checkouts: list[Result]


def resolve_targets(repo: Repo, args: list[str]) -> tuple[list[Target], list[Broken]]:
    if not args:
        found = all_tracked(repo)
        return ([Target(i, "") for i in found if isinstance(i, Tracked)],
                [i for i in found if isinstance(i, Broken)])
    return targets.resolve_targets(repo, args), []


def open_store(repo: Repo, name: str | None) -> tuple[RemoteSpec, RemoteStore]:
    spec = settings.resolve(repo.config, name)
    url = spec.resolved_url(repo.root)
    with remote_errors(spec):
        backend = open_backend(url, spec.options)
        problem = backend.check_root()
    if problem:
        hint = _fix_hint(spec)
        if spec.scheme == "local":
            from shlex import quote

            folder = quote(os.path.abspath(schemes.parse_url(url).root))
            hint = (f"fix the path with 'mlgit remote modify {spec.name} url PATH', or create"
                    f" the folder if it is meant to be new: mkdir -p {folder}")
        raise MlgitError(f"remote {spec.name!r} ({schemes.describe(spec.url)}): {problem}", hint)
    index_cache = os.path.join(repo.tmp_dir, "remote-index", hash_bytes(url.encode()))
    return spec, RemoteStore(backend, index_cache)


def _fix_hint(spec: RemoteSpec) -> str:
    return (f"check the URL and credentials: 'mlgit remote list', "
            f"'mlgit remote modify {spec.name} KEY VALUE --local'")


@contextmanager
def remote_errors(spec: RemoteSpec, disk: str = "") -> Iterator[None]:
    """Errors that stop a whole transfer (the remote cannot be reached or listed, refuses
    writes, or a disk is full: `disk` is where the objects are written) as one clear line."""
    try:
        yield
    except MlgitError:
        raise
    except Stopped as stop:
        if isinstance(stop.cause, OSError) and is_disk_full(stop.cause):
            raise disk_full_error(stop.cause, disk, stop.needed) from None
        raise MlgitError(f"remote {spec.name!r} ({schemes.describe(spec.url)}) refuses writes"
                         f" ({describe_error(stop.cause)}); the push stopped",
                         _read_only_hint(spec)) from None
    except Exception as exc:  # any backend's error type: fsspec does not unify them
        if disk and isinstance(exc, OSError) and is_disk_full(exc):
            raise disk_full_error(exc, disk) from None
        raise MlgitError(f"remote {spec.name!r} ({schemes.describe(spec.url)}):"
                         f" {describe_error(exc)}", _fix_hint(spec)) from None


def _read_only_hint(spec: RemoteSpec) -> str:
    if spec.scheme == "local":  # a folder has no credentials to change
        return ("check that you may write in the remote's folder (its permissions, and that"
                " it is not on a read-only mount), or push to another remote (a read-only"
                " remote still serves fetch and pull)")
    return ("push to a remote you may write to, or with credentials that may write:"
            f" 'mlgit remote modify {spec.name} KEY VALUE --local' (a read-only remote still"
            " serves fetch and pull)")


def _jobs(spec: RemoteSpec, jobs: int | None) -> int:
    return jobs or REMOTE_JOBS.get(spec.scheme, 4)


def wants_for(repo: Repo, target: Target, failures: list[Failure],
              manifest: bool = True) -> list[Want]:
    """The objects a target needs (with its folder manifest, unless `manifest` is False),
    given that the manifest is in the cache."""
    item, sub = target
    ptr = item.ptr
    check_part(target)
    if not ptr.is_dir:
        return [Want(ptr.oid, ptr.size, item.rel)]
    wants = [Want(ptr.oid, -1, f"{item.rel} (folder manifest)")]
    try:
        listing = repo.manifest(ptr.oid, f"{item.rel} (manifest {ptr.oid[:12]})")
    except ManifestMissing:
        failures.append(Failure(wants[0].path, ptr.oid, "not in the cache"))
        return []
    except ManifestCorrupt:
        failures.append(Failure(wants[0].path, ptr.oid, "corrupt in the cache; set aside"))
        return []
    selected = select_part(listing, sub, item.rel)
    return (wants if manifest else []) + [
        Want(listing.oids[i], listing.sizes[i], f"{item.rel}/{listing.paths[i]}")
        for i in selected]


def _progress(open_progress: OpenProgress, verb: str, wants: list[Want]
              ) -> AbstractContextManager[ProgressCallback]:
    return open_progress(verb, len(wants), sum(max(w.size, 0) for w in wants))


def run_push(repo: Repo, args: list[str], remote: str | None, jobs: int | None,
             open_progress: OpenProgress = no_progress) -> Outcome:
    targets, broken = resolve_targets(repo, args)
    spec, store = open_store(repo, remote)
    result = TransferResult()
    _report_broken(broken, result)
    with repo.lock(), remote_errors(spec, _push_disk(repo, spec, store)):
        wants: list[Want] = []
        for target in targets:
            if (damaged := size_error(repo, target.item)) is not None:
                result.failed.append(Failure(
                    target.item.pointer_rel, target.item.ptr.oid,
                    damaged.message.removeprefix(f"{target.item.pointer_rel}: "), damaged.hint))
                continue
            wants += wants_for(repo, target, result.failed)
        with _progress(open_progress, "push", wants) as progress:
            mover = Mover(repo.odb, store, _jobs(spec, jobs), progress,
                          stops=lambda exc: _push_stops(repo, exc))
            result.merge(push(mover, wants))
        _report_bad_indexes(store, result)
        _report_damaged_cache(repo, result)
    return Outcome(spec.name, schemes.describe(spec.url), result, [])


def _push_disk(repo: Repo, spec: RemoteSpec, store: RemoteStore) -> str:
    """Where a push writes: the remote's folder for a local remote."""
    root = getattr(store.backend, "root", "")
    return root if spec.scheme == "local" and isinstance(root, str) else repo.tmp_dir


def _push_stops(repo: Repo, exc: BaseException) -> bool:
    """A full disk, or a remote that refuses writes: every other object would fail the
    same way, so the push stops at the first."""
    if is_disk_full(exc):
        return True
    name = getattr(exc, "filename", None)
    if isinstance(name, str) and name.startswith(repo.cache_dir + "/"):
        return False  # our own cache, not the remote
    return isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EROFS \
        or type(exc).__name__ == "SFTPPermissionDenied"


def run_fetch(repo: Repo, args: list[str], remote: str | None, jobs: int | None,
              checkout: bool = False, force: bool = False,
              open_progress: OpenProgress = no_progress) -> Outcome:
    targets, broken = resolve_targets(repo, args)
    spec, store = open_store(repo, remote)
    result = TransferResult()
    _report_broken(broken, result)
    results: list[Result] = []
    with repo.lock():
        with remote_errors(spec, repo.cache_dir):
            mover = Mover(repo.odb, store, _jobs(spec, jobs))
            _read_manifests(repo, targets)
            _fetch_manifests(mover, targets, result)
            wants: list[Want] = []
            for target in targets:
                wants += wants_for(repo, target, [], manifest=False)
            with _progress(open_progress, "fetch", wants) as progress:
                mover.progress = progress
                result.merge(fetch(mover, wants, sync=not checkout))
            _report_bad_indexes(store, result)
        if checkout:
            results = _remove_untracked(repo, targets, broken) if not args else []
            results += _checkout_while_syncing(repo, targets, force, open_progress)
    return Outcome(spec.name, schemes.describe(spec.url), result, results)


def _read_manifests(repo: Repo, targets: list[Target]) -> None:
    """Read the folder manifests the cache has, so that a corrupt one is set aside now and
    fetched again with the others."""
    for t in targets:
        if t.item.ptr.is_dir:
            with contextlib.suppress(MlgitError):  # not in the cache, corrupt or unsafe
                repo.manifest(t.item.ptr.oid, t.item.rel)


def _fetch_manifests(mover: Mover, targets: list[Target], result: TransferResult) -> None:
    """Folder manifests first: they say which objects the folder needs."""
    manifests = [Want(t.item.ptr.oid, -1, f"{t.item.rel} (folder manifest)")
                 for t in targets if t.item.ptr.is_dir]
    if manifests:
        result.merge(fetch(mover, manifests))


def _checkout_while_syncing(repo: Repo, targets: list[Target], force: bool,
                            open_progress: OpenProgress) -> list[Result]:
    """Check out while the fetched objects are made durable: the disk writes back the
    cache while the checkout creates files."""
    import threading

    syncing = threading.Thread(target=repo.odb.make_durable, name="mlgit-sync")
    syncing.start()
    try:
        from mlgit.commands.checkout import restore

        return restore(repo, [(t.item, t.sub) for t in targets], force, open_progress)
    finally:
        syncing.join()


def _remove_untracked(repo: Repo, targets: list[Target], broken: list[Broken]
                      ) -> list[Result]:
    """A pull of everything also removes artifacts that are no longer tracked, as checkout
    does."""
    from mlgit.commands.checkout import remove_untracked

    return remove_untracked(repo, [*(t.item for t in targets), *broken])


def _report_broken(broken: list[Broken], result: TransferResult) -> None:
    result.failed.extend(Failure(b.pointer_rel, "",
                                 b.error.message.removeprefix(f"{b.pointer_rel}: "),
                                 b.error.hint) for b in broken)


def _report_damaged_cache(repo: Repo, result: TransferResult) -> None:
    """Name the cache's damaged pack indexes once, when objects were not found there."""
    if not any(f.reason == "not in the cache" for f in result.failed):
        return
    result.failed[:0] = [  # first: the cause, before the objects it explains
        Failure(os.path.relpath(path, repo.root), "",
                "damaged pack index in the cache: the objects it lists cannot be found",
                "run 'mlgit fsck --repair' to set the damaged index aside, then 'mlgit fetch'"
                " to restore its objects from a remote (or add the data again)")
        for path in repo.odb.damaged_files]


def _report_bad_indexes(store: RemoteStore, result: TransferResult) -> None:
    result.failed.extend(Failure(path, "", "damaged pack index on the remote; ignored")
                         for path in store.bad_indexes)


class RemoteStatus(NamedTuple):
    """Where one artifact's objects are. `objects` counts a folder's manifest too."""

    path: str
    pointer_rel: str
    objects: int
    in_cache: int
    on_remote: int
    nowhere: int  # in neither the cache nor the remote
    error: str = ""


def run_remote_status(repo: Repo, args: list[str], remote: str | None,
                      jobs: int | None = None) -> tuple[str, str, list[RemoteStatus]]:
    """Compare the cache and the remote per artifact. Folder manifests missing from the
    cache are fetched (they are needed to know what the folder holds)."""
    targets, broken = resolve_targets(repo, args)
    spec, store = open_store(repo, remote)
    rows = [RemoteStatus(artifact_path_for(b.pointer_rel), b.pointer_rel, 0, 0, 0, 0,
                         b.error.message) for b in broken]
    with repo.lock(), remote_errors(spec):
        mover = Mover(repo.odb, store, _jobs(spec, jobs))
        _fetch_manifests(mover, targets, TransferResult())
        per_target = []
        for target in targets:
            failures: list[Failure] = []
            wants = wants_for(repo, target, failures)
            if failures:  # the manifest is neither in the cache nor on the remote
                wants = [Want(target.item.ptr.oid, -1, failures[0].path)]
            per_target.append((target, {w.oid for w in wants}))
        every = set().union(*(oids for _, oids in per_target))
        cached = every - repo.odb.missing(every)
        packed = mover.packed()
        remote_has = (every & packed.keys()) | store.loose_present(every - packed.keys(),
                                                                    mover.map)
    for target, oids in per_target:
        rows.append(RemoteStatus(target.item.rel, target.item.pointer_rel, len(oids),
                                 len(oids & cached),
                                 len(oids & remote_has), len(oids - cached - remote_has)))
    return spec.name, schemes.describe(spec.url), rows
