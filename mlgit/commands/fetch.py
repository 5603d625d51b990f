"""mlgit fetch and mlgit pull: download the objects the workspace pointers reference from a
remote into the cache (only those it lacks); pull then checks them out. A path inside a
tracked folder moves just that part."""

from __future__ import annotations

from mlgit.pipeline.at_revision import (
    NO_REVISIONS,
    Revisions,
    revision_targets,
    skipped_at_revisions,
)
from mlgit.pipeline.outputs import targets_with_outputs
from mlgit.pipeline.runcache import MAX_ENTRY
from mlgit.pipeline.shared_runs import Runs, keep_fetched, new_runs, run_targets
from mlgit.progress import OpenProgress, no_progress
from mlgit.remote.download import fetch
from mlgit.remote.failures import pointer_failure
from mlgit.remote.open import jobs_for, open_store, remote_errors
from mlgit.remote.transfer import Mover, Outcome, TransferResult, bad_index_failures
from mlgit.remote.urls import describe
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.restore import remove_untracked, restore
from mlgit.workspace.targets import Broken, Tracked
from mlgit.workspace.wants import (
    ManifestUnreadable,
    Wants,
    manifests_of,
    read_manifests,
    total_bytes,
    wants_for,
)


def run_fetch(repo: Repo, args: list[str], remote: str | None, jobs: int | None,
              checkout: bool = False, force: bool = False,
              open_progress: OpenProgress = no_progress,
              run_cache: bool = False,
              nothing_named_is_all: bool = True,
              revisions: Revisions = NO_REVISIONS) -> Outcome[CheckoutResult]:
    """Fetch; with `checkout` (pull), then check out what the paths name (with no paths,
    everything, and remove what is no longer tracked, as checkout does). With `run_cache`,
    also the remote's run-cache records and the outputs they name (not checked out).
    Without `nothing_named_is_all`, no paths means no artifacts (only the run-cache).
    With `revisions`, also what those revisions reference (fetched, never checked out; the
    workspace's pointers count only when `revisions.workspace`)."""
    everything = not args and nothing_named_is_all and revisions.workspace
    targets, broken = (targets_with_outputs(repo, args)
                       if (args or everything) and revisions.workspace else ([], []))
    at_revs, broken_at_revs = (revision_targets(repo, revisions, args) if revisions.any
                               else ([], []))
    spec, store = open_store(repo, remote)
    result = TransferResult()
    result.failed += [pointer_failure(b.pointer_rel, b.error) for b in broken]
    result.skipped += skipped_at_revisions(broken_at_revs)
    results: list[CheckoutResult] = []
    with repo.lock():
        with remote_errors(spec, repo.cache_dir):
            mover = Mover(repo.odb, store, jobs_for(spec, jobs))
            runs = _remote_runs(repo, mover) if run_cache else {}
            moved = [*targets, *at_revs,
                     *(t for found in run_targets(runs).values() for t in found)]
            read_manifests(repo, moved)
            result.merge(fetch(mover, manifests_of(moved)))  # they say what folders need
            wants = Wants()
            for target in moved:
                found = wants_for(repo, target, manifest=False)
                if not isinstance(found, ManifestUnreadable):
                    wants.add(found)
            with open_progress("fetch", len(wants), total_bytes(wants)) as progress:
                mover.progress = progress
                result.merge(fetch(mover, wants))
            del wants  # (the checkout of a pull needs the memory)
            result.failed += bad_index_failures(store)
        if checkout:
            items: list[Tracked | Broken] = [*(t.item for t in targets), *broken]
            results = remove_untracked(repo, items) if everything else []
            results += restore(repo, [(t.item, t.sub) for t in targets], force,
                               open_progress)
        if run_cache:  # once their objects are in the cache
            result.runs = keep_fetched(repo, runs)
    return Outcome(spec.name, describe(spec.url), result, results)


def _remote_runs(repo: Repo, mover: Mover) -> Runs:
    """The remote's run-cache records the cache lacks (the sound ones)."""
    def read(key: str) -> bytes | None:
        try:
            return mover.store.read_run(key, MAX_ENTRY)
        except FileNotFoundError:  # removed since the listing
            return None

    def read_all(keys: list[str]) -> list[bytes | None]:
        return mover.map(read, keys)  # type: ignore[return-value]

    return new_runs(repo, mover.store.run_keys(mover.map), read_all)
