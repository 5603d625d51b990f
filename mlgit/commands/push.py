"""mlgit push: upload the objects the workspace pointers reference to a remote (only those it
lacks). A path inside a tracked folder moves just that part."""

from __future__ import annotations

import errno
import os

from mlgit.fileio import is_disk_full
from mlgit.pipeline.at_revision import (
    NO_REVISIONS,
    Revisions,
    revision_targets,
    skipped_at_revisions,
)
from mlgit.pipeline.outputs import targets_with_outputs
from mlgit.pipeline.shared_runs import Runs, complete_local_runs, run_targets, to_publish
from mlgit.progress import OpenProgress, no_progress
from mlgit.remote.failures import Failure, FailureKind, pointer_failure
from mlgit.remote.open import jobs_for, open_store, remote_errors
from mlgit.remote.settings import RemoteSpec
from mlgit.remote.store import RemoteStore
from mlgit.remote.transfer import Mover, Outcome, TransferResult, bad_index_failures, push
from mlgit.remote.urls import describe
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.targets import Target, size_error
from mlgit.workspace.wants import (
    ManifestUnreadable,
    Wants,
    total_bytes,
    wants_for,
)


def run_push(repo: Repo, args: list[str], remote: str | None, jobs: int | None,
             open_progress: OpenProgress = no_progress,
             run_cache: bool = False,
             revisions: Revisions = NO_REVISIONS) -> Outcome[CheckoutResult]:
    """Push what the paths name (everything without paths); with `run_cache`, also the
    run-cache's entries and the outputs they name; with `revisions`, also what those
    revisions reference (and the workspace's only when `revisions.workspace`)."""
    targets, broken = (targets_with_outputs(repo, args, pushing=True)
                       if revisions.workspace else ([], []))
    at_revs, broken_at_revs = (revision_targets(repo, revisions, args, pushing=True)
                               if revisions.any else ([], []))
    targets += at_revs
    spec, store = open_store(repo, remote)
    result = TransferResult()
    result.failed += [pointer_failure(b.pointer_rel, b.error) for b in broken]
    result.skipped += skipped_at_revisions(broken_at_revs)
    with repo.lock(), remote_errors(spec, _push_disk(repo, spec, store)):
        wants = _wants(repo, targets, result)
        runs = complete_local_runs(repo) if run_cache else {}
        run_wants = {key: _wants(repo, found, result)
                     for key, found in run_targets(runs).items()}
        for found in run_wants.values():
            wants.add(found)
        with open_progress("push", len(wants), total_bytes(wants)) as progress:
            mover = Mover(repo.odb, store, jobs_for(spec, jobs), progress,
                          stops=lambda exc: _push_stops(repo, exc))
            result.merge(push(mover, wants))
        if run_cache:
            needs = {key: {w.oid for w in found} for key, found in run_wants.items()}
            result.runs = _publish_runs(mover, runs, needs, result)
        result.failed += bad_index_failures(store)
        _report_damaged_cache(repo, result)
    return Outcome(spec.name, describe(spec.url), result, [])


def _publish_runs(mover: Mover, runs: Runs, needs: dict[str, set[str]],
                  result: TransferResult) -> int:
    """Upload the run-cache records the remote lacks whose objects all arrived; how many."""
    records = to_publish(runs, mover.store.run_keys(mover.map), needs,
                         {f.oid for f in result.failed})
    mover.map(lambda key: mover.store.write_run(key, records[key]), list(records))
    return len(records)


def _wants(repo: Repo, targets: list[Target], result: TransferResult) -> Wants:
    """What the targets need; a damaged pointer or an unreadable folder manifest is a
    failure instead."""
    wants = Wants()
    for target in targets:
        item = target.item
        if (damaged := size_error(repo, item)) is not None:
            result.failed.append(pointer_failure(item.pointer_rel, damaged, item.ptr.oid))
            continue
        found = wants_for(repo, target)
        if isinstance(found, ManifestUnreadable):
            kind = FailureKind.SET_ASIDE if found.set_aside else FailureKind.NOT_IN_CACHE
            result.failed.append(Failure(found.path, found.oid, kind))
            continue
        wants.add(found)
    return wants


def _push_disk(repo: Repo, spec: RemoteSpec, store: RemoteStore) -> str:
    """Where a push writes: the remote's folder for a local remote."""
    return store.backend.root if spec.scheme == "local" else repo.tmp_dir


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


def _report_damaged_cache(repo: Repo, result: TransferResult) -> None:
    """Name the cache's damaged pack indexes once, when objects were not found there."""
    if not any(f.kind is FailureKind.NOT_IN_CACHE for f in result.failed):
        return
    result.failed[:0] = [  # first: the cause, before the objects it explains
        Failure(os.path.relpath(path, repo.root), "", FailureKind.DAMAGED_CACHE_INDEX, "",
                "run 'mlgit fsck --repair' to set the damaged index aside, then 'mlgit fetch'"
                " to restore its objects from a remote (or add the data again)")
        for path in repo.odb.damaged_files]
