"""mlgit checkout: make the workspace match the pointer files."""

from __future__ import annotations

from mlgit.paths import artifact_path_for
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout import Result, blame_damaged_indexes, checkout_artifact
from mlgit.workspace.linker import Linker
from mlgit.workspace.targets import (
    Broken,
    Tracked,
    parts_or_all,
    size_error,
)


def checkout(repo: Repo, targets: list[str], force: bool,
             open_progress: OpenProgress = no_progress) -> list[Result]:
    items = parts_or_all(repo, targets)
    with repo.lock():
        orphans = [] if targets else remove_untracked(repo, [item for item, _ in items])
        return [*orphans, *restore(repo, items, force, open_progress)]


def remove_untracked(repo: Repo, items: list[Tracked | Broken]) -> list[Result]:
    """Remove what mlgit put in the work tree for artifacts that have no pointer now (all of
    the work tree's pointers are `items`). The caller holds the repo lock."""
    from mlgit.workspace.orphans import remove_orphans

    tracked = {item.rel if isinstance(item, Tracked) else artifact_path_for(item.pointer_rel)
               for item in items}
    return list(remove_orphans(repo, tracked))


def restore(repo: Repo, items: list[tuple[Tracked | Broken, str]], force: bool,
            open_progress: OpenProgress = no_progress) -> list[Result]:
    """Check out each (artifact, part of it or "") while the caller holds the repo lock."""
    linker = Linker(repo.odb, repo.config.get("cache.link"))
    results = []
    for item, only in items:
        if isinstance(item, Broken):
            result = Result(item.pointer_rel)
            result.failed.append((item.pointer_rel,
                                  item.error.message.removeprefix(f"{item.pointer_rel}: ")))
            result.hints.append(item.error.hint)
        elif (damaged := size_error(repo, item)) is not None:
            result = Result(item.rel)
            result.failed.append((item.pointer_rel,
                                  damaged.message.removeprefix(f"{item.pointer_rel}: ")))
            result.hints.append(damaged.hint)
        else:
            total = item.ptr.files if item.ptr.is_dir else 1
            with open_progress(f"checkout {item.rel}", total, item.ptr.size) as progress:
                result = checkout_artifact(repo, item.rel, item.ptr, linker, force=force,
                                           progress=progress, only=only)
            record_placed(repo, item, result, whole=not only)
        results.append(result)
    repo.state.flush()
    blame_damaged_indexes(repo, results)
    return results


def record_placed(repo: Repo, item: Tracked, result: Result, whole: bool) -> None:
    """Remember which version of the artifact is in the work tree now. A partial or
    incomplete checkout adds that version to the ones recorded before."""
    repo.state.record_placed(item.rel, item.ptr.kind, item.ptr.oid,
                             replace=whole and result.ok)
