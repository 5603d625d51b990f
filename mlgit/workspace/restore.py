"""Making the work tree match the pointers, artifact by artifact (checkout and pull): check
each out, record which version is now in place, and remove what mlgit put there for
artifacts that are no longer tracked."""

from __future__ import annotations

from mlgit.paths import artifact_path_for
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout import Shared, blame_damaged_indexes, checkout_artifact
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.linker import Linker
from mlgit.workspace.targets import Broken, Tracked, size_error


def remove_untracked(repo: Repo, items: list[Tracked | Broken]) -> list[CheckoutResult]:
    """Remove what mlgit put in the work tree for artifacts that have no pointer now (all of
    the work tree's pointers are `items`). The caller holds the repo lock."""
    from mlgit.workspace.orphans import remove_orphans

    tracked = {item.rel if isinstance(item, Tracked) else artifact_path_for(item.pointer_rel)
               for item in items}
    return list(remove_orphans(repo, tracked))


def restore(repo: Repo, items: list[tuple[Tracked | Broken, str]], force: bool,
            open_progress: OpenProgress = no_progress,
            among: dict[str, set[str]] | None = None) -> list[CheckoutResult]:
    """Check out each (artifact, part of it or "") while the caller holds the repo lock.
    `among` limits what is looked at inside some tracked folders to the paths it names
    (after a branch switch: workspace.switch)."""
    linker = Linker(repo.odb, repo.config.get("cache.link"))
    shared = Shared(repo, [item.rel for item, _ in items if isinstance(item, Tracked)])
    results = []
    for item, only in items:
        if isinstance(item, Broken):
            result = CheckoutResult(item.pointer_rel)
            result.failed.append((item.pointer_rel,
                                  item.error.message.removeprefix(f"{item.pointer_rel}: ")))
            result.hints.append(item.error.hint)
        elif (damaged := size_error(repo, item)) is not None:
            result = CheckoutResult(item.rel)
            result.failed.append((item.pointer_rel,
                                  damaged.message.removeprefix(f"{item.pointer_rel}: ")))
            result.hints.append(damaged.hint)
        else:
            total = item.ptr.files if item.ptr.is_dir else 1
            with open_progress(f"checkout {item.rel}", total, item.ptr.size) as progress:
                result = checkout_artifact(repo, item.rel, item.ptr, linker, force=force,
                                           progress=progress, only=only,
                                           among=(among or {}).get(item.rel),
                                           shared=shared)
            _record_placed(repo, item, result, whole=not only)
        results.append(result)
    repo.state.flush()
    blame_damaged_indexes(repo, results)
    return results


def _record_placed(repo: Repo, item: Tracked, result: CheckoutResult, whole: bool) -> None:
    """Remember which version of the artifact is in the work tree now. A partial or
    incomplete checkout adds that version to the ones recorded before."""
    repo.state.record_placed(item.rel, item.ptr.kind, item.ptr.oid,
                             replace=whole and result.ok)
