"""mlgit checkout: make the workspace match the pointer files."""

from __future__ import annotations

from mlgit.checkout import Result, checkout_artifact
from mlgit.commands.common import (
    Broken,
    Tracked,
    parts_or_all,
    size_error,
)
from mlgit.linker import Linker
from mlgit.repo import Repo
from mlgit.ui import Progress


def checkout(repo: Repo, targets: list[str], force: bool) -> list[Result]:
    items = parts_or_all(repo, targets)
    with repo.lock():
        return restore(repo, items, force)


def restore(repo: Repo, items: list[tuple[Tracked | Broken, str]], force: bool) -> list[Result]:
    """Check out each (artifact, part of it or "") while the caller holds the repo lock."""
    linker = Linker(repo.odb, repo.config.get("cache.link"))
    results = []
    for item, only in items:
        if isinstance(item, Broken):
            result = Result(item.pointer_rel)
            result.failed.append((item.pointer_rel, item.error.message))
            result.hints.append(item.error.hint)
        elif (damaged := size_error(repo, item)) is not None:
            result = Result(item.rel)
            result.failed.append((item.pointer_rel,
                                  damaged.message.removeprefix(f"{item.pointer_rel}: ")))
            result.hints.append(damaged.hint)
        else:
            total = item.ptr.files if item.ptr.is_dir else 1
            with Progress(f"checkout {item.rel}", total, item.ptr.size) as progress:
                result = checkout_artifact(repo, item.rel, item.ptr, linker, force=force,
                                           progress=progress, only=only)
        results.append(result)
    repo.state.flush()
    return results
