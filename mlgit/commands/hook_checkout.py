"""The hooks that bring the data in line after Git moved the work tree to other commits:
post-checkout (a branch switch), post-merge (a merge or pull) and post-rewrite (a finished
rebase).

Only the artifacts whose pointer files changed between the two commits are checked out (and
the stage outputs mlgit.lock records, when a pipeline file changed): a switch between
branches that differ in 100 of 20,000 pointers touches those 100 artifacts only. Artifacts
whose pointer is gone are removed from the work tree when their content is in the cache and
unchanged since mlgit put it there, never otherwise (workspace/orphans.py)."""

from __future__ import annotations

import os

from mlgit.errors import MlgitError
from mlgit.git import hooks, trees
from mlgit.paths import is_pointer_name
from mlgit.pipeline.files import PIPELINE_FILE

TYPE_CHECKING = False
if TYPE_CHECKING:  # the checkout's modules are imported only when a pointer changed
    from mlgit.repo import Repo
    from mlgit.workspace.checkout_result import CheckoutResult
    from mlgit.workspace.targets import Broken, Tracked

LOCK_FILE = "mlgit.lock"
BRANCH_CHECKOUT = "1"


def is_data_file(path: str) -> bool:
    """A file whose change can change the data: a pointer file, a lock or pipeline file."""
    return is_pointer_name(path) or path.rpartition("/")[2] in (LOCK_FILE, PIPELINE_FILE)


def post_checkout(repo: Repo, old: str, new: str, flag: str) -> list[CheckoutResult]:
    """After `git checkout`/`git switch` of a branch or commit (flag 1): the data of the
    pointers that changed between `old` and `new`. Nothing for a checkout of files (flag
    0), nor while a rebase is under way (post-rewrite follows it when it ends), unless that
    rebase is a fast-forward or has no commit left to replay: then this checkout is all it
    does, and no post-rewrite comes."""
    if flag != BRANCH_CHECKOUT or old == new:
        return []
    if old == trees.NULL_SHA:
        return follow(repo, None, new)
    if new == trees.NULL_SHA:  # `git switch --orphan`: Git emptied the work tree
        return follow(repo, old, trees.EMPTY_TREE)
    if (hooks.rebase_in_progress(repo.root) and not hooks.rebase_has_nothing_left(repo.root)
            and not trees.is_ancestor(repo.root, old, new)):
        return []
    return follow(repo, old, new)


def post_merge(repo: Repo, squash: bool) -> list[CheckoutResult]:
    """After a merge (also a `git pull`): the data of the pointers the merge changed. A
    squash merge leaves HEAD where it was and its result in Git's index."""
    if squash:
        return _sync(repo, trees.staged_changes(repo.root, is_data_file))
    return follow(repo, hooks.orig_head(repo.root), "HEAD")


def post_rewrite(repo: Repo, kind: str) -> list[CheckoutResult]:
    """After a rebase ends: the data of the pointers that differ between where the rebase
    started and where it ended. An amended commit changes no work tree: nothing."""
    if kind != "rebase":
        return []
    return follow(repo, hooks.rebase_start(repo.root), "HEAD")


def follow(repo: Repo, old: str | None, new: str) -> list[CheckoutResult]:
    """Bring the data in line with the pointers after the work tree went from commit `old`
    to commit `new` (None: from nothing known, so every artifact is checked)."""
    if old is None:
        return _sync(repo, None)
    return _sync(repo, trees.changed_between(repo.root, old, new, is_data_file), old)


def _sync(repo: Repo, changed: list[str] | None, old: str | None = None
          ) -> list[CheckoutResult]:
    """Check out the artifacts of the `changed` files (None: all of them), and remove those
    whose pointer is gone. Inside a tracked folder whose pointer at commit `old` names the
    version mlgit put there, only the files that differ between the two versions are
    looked at (workspace/switch.py)."""
    if changed is not None and not changed:
        return []
    from mlgit.git.exclude import exclude_temp_files
    from mlgit.pipeline.outputs import recorded_outputs
    from mlgit.workspace.restore import remove_untracked, restore
    from mlgit.workspace.targets import all_tracked

    exclude_temp_files(repo.root)  # for clones installed before mlgit wrote it
    pipeline_changed = changed is None or any(not is_pointer_name(p) for p in changed)
    items = all_tracked(repo) if changed is None else _load_changed(repo, changed)
    gone = changed is None or any(not os.path.lexists(repo.abspath(p))
                                  for p in changed if is_pointer_name(p))
    outputs = recorded_outputs(repo) if pipeline_changed or gone else []
    with repo.lock():
        orphans = remove_untracked(repo, [*items, *outputs]) if pipeline_changed or gone else []
        among = _changed_inside(repo, items, old) if old is not None else {}
        restored = restore(repo, [(item, "") for item in
                                  [*items, *(outputs if pipeline_changed else [])]], False,
                           among=among)
    return [*orphans, *restored]


def _changed_inside(repo: Repo, items: list[Tracked | Broken], old: str
                    ) -> dict[str, set[str]]:
    """{folder artifact: the paths inside it that differ from its version at commit `old`},
    for the changed folders whose version at `old` is the one mlgit put in the work tree."""
    from mlgit.pointer import loads
    from mlgit.workspace.switch import changed_inside
    from mlgit.workspace.targets import Tracked

    folders = [i for i in items if isinstance(i, Tracked) and i.ptr.is_dir]
    if not folders:
        return {}
    blobs = trees.blobs_at(repo.root, old, [i.pointer_rel for i in folders])
    among: dict[str, set[str]] = {}
    for item in folders:
        raw = blobs.get(item.pointer_rel)
        if raw is None:
            continue
        try:
            before = loads(raw, item.pointer_rel)  # (the origin names the artifact)
            if repo.artifact_rel(item.pointer_rel, before) != item.rel:
                continue
        except MlgitError:
            continue
        paths = changed_inside(repo, item.rel, before, item.ptr)
        if paths is not None:
            among[item.rel] = paths
    return among


def _load_changed(repo: Repo, changed: list[str]) -> list[Tracked | Broken]:
    """The artifacts of the changed pointer files that are in the work tree now."""
    from mlgit.workspace.targets import Broken, load

    items: list[Tracked | Broken] = []
    for pointer_rel in changed:
        if not is_pointer_name(pointer_rel) or not os.path.lexists(repo.abspath(pointer_rel)):
            continue
        try:
            items.append(load(repo, pointer_rel))
        except MlgitError as exc:
            items.append(Broken(pointer_rel, exc))
    return items



