"""mlgit rm: stop tracking an artifact; its data stays in the workspace and the cache."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlgit.repo import Repo
from mlgit.workspace import gitignore
from mlgit.workspace.targets import tracked_targets


@dataclass
class Removed:
    path: str
    pointer_path: str
    gitignore_path: str | None


def rm(repo: Repo, targets: list[str]) -> list[Removed]:
    items = tracked_targets(repo, targets)
    removed = []
    with repo.lock():
        for item in items:
            os.unlink(repo.abspath(item.pointer_rel))
            ignore_file = gitignore.remove_entry(repo.root, item.rel)
            removed.append(Removed(item.rel, item.pointer_rel, ignore_file))
            repo.state.forget_placed(item.rel)  # the data stays: no checkout may remove it
        repo.state.flush()
    return removed
