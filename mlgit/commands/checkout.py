"""mlgit checkout: make the workspace match the pointer files (and the stage outputs
mlgit.lock records)."""

from __future__ import annotations

import os

from mlgit.errors import BadPointer, MlgitError
from mlgit.pipeline.outputs import output_targets, recorded_outputs
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.restore import remove_untracked, restore
from mlgit.workspace.targets import Broken, Target, Tracked, link_outside, parts_or_all


def checkout(repo: Repo, targets: list[str], force: bool,
             open_progress: OpenProgress = no_progress) -> list[CheckoutResult]:
    outputs, targets_left = _stage_outputs(repo, targets)
    items = parts_or_all(repo, targets_left) if targets_left or not targets else []
    with repo.lock():
        orphans = [] if targets else remove_untracked(
            repo, [*(item for item, _ in items), *(o.item for o in outputs)])
        results = restore(repo, [*items, *((_inside(repo, o.item), o.sub) for o in outputs)],
                          force, open_progress)
    for result in results[len(items):]:
        result.stage_output = True
    return [*orphans, *results]


def ignore_again(repo: Repo, results: list[CheckoutResult]) -> list[str]:
    """Write the .gitignore line of each artifact just checked out whose data Git does not
    ignore (its pointer was moved with `git mv`, which leaves the line behind); returns the
    .gitignore files changed, for `git add`."""
    from mlgit.workspace import gitignore
    from mlgit.workspace.orphans import Orphan

    rels = [r.path for r in results if r.ok and not r.stage_output and not r.removed
            and not isinstance(r, Orphan) and os.path.lexists(repo.abspath(r.path))]
    exposed = gitignore.not_ignored(repo.root, rels) if rels else []
    if not exposed:
        return []
    with repo.lock():
        changed = {gitignore.add_entry(repo.root, rel) for rel in exposed}
    return sorted(gi for gi in changed if gi is not None)


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


def _stage_outputs(repo: Repo, targets: list[str]) -> tuple[list[Target], list[str]]:
    """The recorded stage outputs (or parts of output folders) to restore, all of them
    without targets; and the targets they do not cover."""
    outputs = recorded_outputs(repo)
    if not targets:
        return [Target(o, "") for o in outputs], []
    return output_targets(repo, outputs, targets)


def checkout_revision(repo: Repo, rev: str, targets: list[str], force: bool,
                      open_progress: OpenProgress = no_progress) -> list[CheckoutResult]:
    """Restore the data revision `rev` references (what `targets` name, or all of it) from
    the cache, leaving Git, the pointer files and mlgit.lock as they are; nothing is
    removed. A path that names nothing tracked at `rev` raises BadPath."""
    from mlgit.errors import BadPath
    from mlgit.paths import resolve_user_path
    from mlgit.pipeline.at_revision import Revisions, revision_targets

    found, broken = revision_targets(repo, Revisions((rev,), workspace=False), targets)
    for arg in targets:
        rel = resolve_user_path(repo.root, arg)
        if not any(_names(rel, t.item.rel) for t in found):
            raise BadPath(f"{arg}: not tracked at {rev}",
                          f"run 'mlgit diff {rev}' to see what differs from there")
    exposed = _not_ignored(repo, found)
    if exposed and targets:
        raise _exposed_error(rev, exposed[0].item)
    found = [t for t in found if t not in exposed]
    items: list[tuple[Tracked | Broken, str]] = [*((t.item, t.sub) for t in found),
                                                 *((b, "") for b in broken)]
    with repo.lock():
        return [*restore(repo, items, force, open_progress),
                *(_not_written(rev, t.item) for t in exposed)]


def _not_ignored(repo: Repo, found: list[Target]) -> list[Target]:
    """The artifacts of a revision that Git does not ignore in the work tree now (the
    current pointers do not track them): data written there would be committed by the next
    `git add -A`. One `git check-ignore`."""
    from mlgit.git.repository import ignored

    rels = sorted({t.item.rel for t in found})
    now = ignored(repo.root, rels)
    return [t for t in found if t.item.rel not in now]


def _exposed_hint(rev: str, item: Tracked) -> str:
    from mlgit.paths import shell_command

    get = shell_command(f"mlgit get {rev}", item.rel, tail="-o OUT")
    return (f"write it elsewhere with {get}, or track it again:"
            f" {shell_command(f'git checkout {rev} --', item.pointer_rel)}, then"
            f" {shell_command('mlgit checkout', item.rel)}")


def _exposed_error(rev: str, item: Tracked) -> MlgitError:
    return MlgitError(f"{item.rel}: not written: the work tree does not track it now, so Git"
                      " does not ignore it and 'git add -A' would commit the data",
                      _exposed_hint(rev, item))


def _not_written(rev: str, item: Tracked) -> CheckoutResult:
    result = CheckoutResult(item.rel)
    result.failed.append((item.rel, "not written: the work tree does not track it now, so Git"
                                    " does not ignore it and 'git add -A' would commit it"))
    result.hints.append(_exposed_hint(rev, item))
    return result


def _names(rel: str, artifact: str) -> bool:
    return (not rel or rel == artifact or artifact.startswith(rel + "/")
            or rel.startswith(artifact + "/"))
