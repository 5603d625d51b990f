"""mlgit checkout: make the workspace match the pointer files (and the stage outputs
mlgit.lock records)."""

from __future__ import annotations

from mlgit.pipeline.outputs import output_targets, recorded_outputs
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.restore import remove_untracked, restore
from mlgit.workspace.targets import Target, parts_or_all


def checkout(repo: Repo, targets: list[str], force: bool,
             open_progress: OpenProgress = no_progress) -> list[CheckoutResult]:
    outputs, targets_left = _stage_outputs(repo, targets)
    items = parts_or_all(repo, targets_left) if targets_left or not targets else []
    with repo.lock():
        orphans = [] if targets else remove_untracked(
            repo, [*(item for item, _ in items), *(o.item for o in outputs)])
        return [*orphans, *restore(repo, [*items, *outputs], force, open_progress)]


def _stage_outputs(repo: Repo, targets: list[str]) -> tuple[list[Target], list[str]]:
    """The recorded stage outputs (or parts of output folders) to restore, all of them
    without targets; and the targets they do not cover."""
    outputs = recorded_outputs(repo)
    if not targets:
        return [Target(o, "") for o in outputs], []
    return output_targets(repo, outputs, targets)
