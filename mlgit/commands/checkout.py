"""mlgit checkout: make the workspace match the pointer files."""

from __future__ import annotations

from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.restore import remove_untracked, restore
from mlgit.workspace.targets import parts_or_all


def checkout(repo: Repo, targets: list[str], force: bool,
             open_progress: OpenProgress = no_progress) -> list[CheckoutResult]:
    items = parts_or_all(repo, targets)
    with repo.lock():
        orphans = [] if targets else remove_untracked(repo, [item for item, _ in items])
        return [*orphans, *restore(repo, items, force, open_progress)]
