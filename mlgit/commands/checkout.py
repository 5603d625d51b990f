"""mlgit checkout: make the workspace match the pointer files (and the stage outputs
mlgit.lock records)."""

from __future__ import annotations

from mlgit.errors import BadPointer
from mlgit.pipeline.outputs import recorded_outputs, split_targets
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.restore import remove_untracked, restore
from mlgit.workspace.targets import Broken, Tracked, link_outside, parts_or_all


def checkout(repo: Repo, targets: list[str], force: bool,
             open_progress: OpenProgress = no_progress) -> list[CheckoutResult]:
    outputs, targets_left = _stage_outputs(repo, targets)
    items = parts_or_all(repo, targets_left) if targets_left or not targets else []
    with repo.lock():
        orphans = [] if targets else remove_untracked(
            repo, [*(item for item, _ in items), *outputs])
        results = restore(repo, [*items, *((_inside(repo, o), "") for o in outputs)], force,
                          open_progress)
    for result in results[len(items):]:
        result.stage_output = True
    return [*orphans, *results]


def _inside(repo: Repo, output: Tracked) -> Tracked | Broken:
    """The output, or why it is not checked out: mlgit.lock is untrusted input, and an
    output under a folder that is a link out of the repository would be written out
    there."""
    link = link_outside(repo.root, output.rel.rpartition("/")[0])
    if link is None:
        return output
    return Broken(output.pointer_rel, BadPointer(
        f"{output.pointer_rel}: {output.rel}: its folder {link} is a link to a folder outside"
        " the repository, so mlgit does not check it out",
        f"replace the link {link} with a real folder"))


def _stage_outputs(repo: Repo, targets: list[str]) -> tuple[list[Tracked], list[str]]:
    """The recorded stage outputs to restore (all of them without targets), and the targets
    they do not cover."""
    outputs = recorded_outputs(repo)
    return split_targets(repo, outputs, targets) if targets else (outputs, [])
