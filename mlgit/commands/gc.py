"""mlgit gc: delete cache objects that neither the work tree's pointers nor the pointers
committed at HEAD (or staged in Git's index, or held by a Git stash) reference.

It works in two steps so that the command line can ask first: `plan` says what would be
deleted (and, if asked, how much of it no remote has); `collect` deletes what a plan named,
minus anything that became referenced meanwhile. Nothing here prompts or prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlgit import pointer as pointer_mod
from mlgit.errors import MlgitError
from mlgit.git import repository
from mlgit.git.revisions import RevisionTrees, chosen_revisions, refuse_cut_history
from mlgit.paths import shell_command
from mlgit.pipeline.at_revision import NO_REVISIONS, Revisions, artifacts_at
from mlgit.pipeline.history_needs import History, count_needed_by_history, files_of
from mlgit.pipeline.outputs import every_recorded_output, recorded_outputs
from mlgit.pointer import Pointer
from mlgit.repo import DOT_DIR, Repo
from mlgit.storage import garbage
from mlgit.storage.manifests import ManifestUnavailable
from mlgit.workspace.damage import quarantine_folder
from mlgit.workspace.targets import Broken, all_tracked


@dataclass
class RemoteCheck:
    """Which of the objects gc would delete the configured remotes have."""

    checked: list[str] = field(default_factory=list)  # remotes that answered
    problems: list[str] = field(default_factory=list)  # remotes that could not be checked
    unbacked: int = 0  # objects to delete that no remote checked has
    unbacked_bytes: int = 0


@dataclass
class GcPlan:
    garbage: dict[str, int]  # oid -> bytes deleting it frees
    kept: int
    remotes: RemoteCheck | None = None
    history: History = field(default_factory=History)
    trees: RevisionTrees | None = field(default=None, repr=False)  # read once, reused

    @property
    def count(self) -> int:
        return len(self.garbage)

    @property
    def nbytes(self) -> int:
        return sum(self.garbage.values())


@dataclass
class GcResult:
    removed: int
    freed_bytes: int
    kept: int
    dry_run: bool
    remotes: RemoteCheck | None = None
    history: History = field(default_factory=History)
    set_aside: int = 0  # damaged files in the cache's quarantine folder, which gc never empties
    set_aside_bytes: int = 0
    quarantine: str = ""  # that folder, relative to the repository root


def plan(repo: Repo, check_remotes: bool, revisions: Revisions = NO_REVISIONS) -> GcPlan:
    """What gc would delete now, keeping what `revisions` reference too. With
    `check_remotes`, also which of it the configured remotes hold (a remote that cannot be
    reached is reported, not fatal)."""
    history = History()
    trees = RevisionTrees(repo.root)
    keep = (referenced_by_all(repo) | _kept_by_revisions(repo, revisions, history, trees)
            | _kept_by_stashes(repo, trees))
    unused = garbage.unreferenced(repo.odb, keep)
    kept = len(set(repo.odb.iter_oids()) & keep)
    result = GcPlan(unused, kept, history=history, trees=trees)
    if unused and not revisions.all_commits:
        count_needed_by_history(repo, unused, history, trees)
    if check_remotes and unused:
        result.remotes = _check_remotes(repo, unused)
    return result


def _kept_by_revisions(repo: Repo, revisions: Revisions, history: History,
                       trees: RevisionTrees) -> set[str]:
    if not revisions.any:
        return set()
    if revisions.history_flag:
        refuse_cut_history(trees, revisions.history_flag, "gc")
    keep: set[str] = set()
    folders: dict[str, str] = {}  # manifest oid -> "PATH at REV" (the first met)
    for revision in chosen_revisions(trees, list(revisions.revs), revisions.all_branches,
                                     revisions.all_tags, revisions.all_commits):
        found = artifacts_at(repo, trees, revision.commit, shown=revision.name)
        history.unreadable += [b.error.message for b in found.broken]  # a commit is final
        for item in found.items:
            keep.add(item.ptr.oid)
            if item.ptr.is_dir:
                folders.setdefault(item.ptr.oid, f"{item.rel} at {revision.name}")
    for oid, where in folders.items():
        files = files_of(repo, oid, where.rpartition(" at ")[0])
        if files is None:
            history.unknown_folders.append(where)
        else:
            keep.update(files)
    return keep


def _kept_by_stashes(repo: Repo, trees: RevisionTrees) -> set[str]:
    """What Git's stashes reference: after `git stash` and `mlgit checkout`, the cache holds
    the only copy of stashed data, and Git keeps stashes until they are dropped."""
    stashes = repository.stash_commits(repo.root)
    if not stashes:
        return set()
    return _kept_by_revisions(repo, Revisions(revs=tuple(stashes)), History(), trees)


def preview(p: GcPlan) -> GcResult:
    return GcResult(p.count, p.nbytes, p.kept, True, p.remotes, p.history)


def collect(repo: Repo, approved: GcPlan | None, revisions: Revisions = NO_REVISIONS
            ) -> GcResult:
    """Delete the objects `approved` names (all unreferenced ones when None) that are still
    unreferenced: what is referenced is worked out again under the repository lock."""
    with repo.lock(exclusive_cache=True):
        history = History()
        trees = approved.trees if approved is not None and approved.trees else \
            RevisionTrees(repo.root)  # what Git's objects said then, they say now
        keep = (referenced_by_all(repo) | _kept_by_revisions(repo, revisions, history, trees)
                | _kept_by_stashes(repo, trees))
        if approved is not None:
            keep |= set(repo.odb.iter_oids()) - approved.garbage.keys()
        removed, freed, kept = garbage.delete_unreferenced(repo.odb, keep, False)
        repo.forget_manifest_memos(keep)
    if approved is not None:
        history = approved.history
    return GcResult(removed, freed, kept, False, None, history, *repo.odb.quarantine_usage(),
                    quarantine_folder(repo))


def referenced(repo: Repo) -> set[str]:
    """Every oid a pointer in the work tree, at HEAD or in Git's index needs. Refuses to run
    if any pointer is unreadable, because deleting objects it might name could lose data."""
    keep: set[str] = set()
    for item in all_tracked(repo):
        if isinstance(item, Broken):
            raise item.refusal("gc")
        _add(repo, keep, item.ptr, item.rel, "")
    for item in recorded_outputs(repo):  # stage outputs mlgit.lock records
        _add(repo, keep, item.ptr, item.rel, "")
    _keep_other_outputs(repo, keep)
    for where, pointer_rel, raw in repository.committed_pointer_blobs(repo.root):
        at = " at HEAD" if where == repository.HEAD else f" in {where}"
        try:
            ptr = pointer_mod.loads(raw, pointer_rel)
            rel = repo.artifact_rel(pointer_rel, ptr)
        except MlgitError as exc:
            fix = ("commit a fixed pointer (or remove it with 'git rm')" if where == repository.HEAD
                   else f"stage a fixed pointer ('git add'), or unstage it ('git restore"
                        f" --staged {pointer_rel}')")
            raise MlgitError(f"{pointer_rel}{at}: cannot read pointer ({exc.message});"
                             " gc would not know what it references",
                             f"{fix}, then rerun gc") from None
        if ptr.oid not in keep:
            _add(repo, keep, ptr, rel, at)
    return keep


def _keep_other_outputs(repo: Repo, keep: set[str]) -> None:
    """The outputs of every entry of the work tree's lock files and of those at HEAD and in
    Git's index. Those of an output whose root object is not in the cache (never cached, or
    deleted already) are not there to keep."""
    for _, path, h in every_recorded_output(repo):
        if h.oid in keep or not repo.odb.has(h.oid):
            continue
        keep.add(h.oid)
        if h.nfiles is not None:
            try:
                keep.update(repo.manifest(h.oid, path).oids)
            except ManifestUnavailable:  # corrupt: fsck says so; its files stay unknown
                continue


def _add(repo: Repo, keep: set[str], ptr: Pointer, rel: str, where: str) -> None:
    keep.add(ptr.oid)
    if ptr.is_dir:
        keep.update(_manifest_oids(repo, ptr.oid, rel, where))


def _manifest_oids(repo: Repo, oid: str, rel: str, where: str) -> set[str]:
    try:
        manifest = repo.manifest(oid, rel)
    except ManifestUnavailable:
        hint = (f"get it with {shell_command('mlgit fetch', rel)} (or add the folder again"
                f" with {shell_command('mlgit add', rel)}), or remove its pointer; then rerun gc"
                if not where else
                f"the pointer{where} names it: run 'mlgit fetch' with that pointer checked"
                " out, or commit or stage one without it; then rerun gc")
        raise MlgitError(f"{rel}{where}: its directory manifest {oid[:12]} is missing or"
                         " corrupt, so gc cannot tell which files it needs", hint) from None
    return set(manifest.oids)


def _check_remotes(repo: Repo, garbage: dict[str, int]) -> RemoteCheck:
    from mlgit.remote import settings
    from mlgit.remote.open import open_store, remote_errors
    from mlgit.remote.transfer import Mover

    check = RemoteCheck()
    wanted = set(garbage)
    backed: set[str] = set()
    for name in settings.names(repo.config):
        try:
            spec, store = open_store(repo, name)
            with remote_errors(spec):
                mover = Mover(repo.odb, store, 4)
                packed = mover.packed()
                found = wanted & packed.keys()
                found |= store.loose_present(wanted - found, mover.map)
        except MlgitError as exc:
            check.problems.append(exc.message)
            continue
        check.checked.append(name)
        backed |= found
    unbacked = wanted - backed
    check.unbacked = len(unbacked)
    check.unbacked_bytes = sum(garbage[oid] for oid in unbacked)
    return check


REMOTE_TMP_AGE = 3600
"""`gc --tmp` deletes a remote's temp files whose upload started longer ago than this
(seconds); younger ones may belong to a push that is still running."""


@dataclass
class RemoteTmp:
    remote: str
    url: str
    removed: list[str]  # remote-relative paths
    kept: list[str]  # temp files too young to be known abandoned
    dry_run: bool


def remote_tmp(repo: Repo, name: str | None, dry_run: bool) -> RemoteTmp:
    """Delete (or with `dry_run`, list) the temp files interrupted pushes left on a remote."""
    import time

    from mlgit.remote.open import jobs_for, open_store, remote_errors
    from mlgit.remote.transfer import Mover
    from mlgit.remote.urls import describe

    spec, store = open_store(repo, name)
    with remote_errors(spec):
        mover = Mover(repo.odb, store, jobs_for(spec, None))
        temps = store.list_temps(mover.map)
        if dry_run:
            cutoff = time.time() - REMOTE_TMP_AGE
            removed = sorted({rel for rel, at in temps if at < cutoff})
        else:
            removed = store.remove_temps(temps, REMOTE_TMP_AGE, mover.map)
    kept = sorted({rel for rel, _ in temps} - set(removed))
    return RemoteTmp(spec.name, describe(spec.url), removed, kept, dry_run)


def worktrees_sharing_cache(repo: Repo) -> list[Repo]:
    """The repository's other Git worktrees that use the same cache (their pointers count)."""
    mine = os.path.realpath(repo.cache_dir)
    here = os.path.realpath(repo.root)
    found = []
    for root in repository.worktrees(repo.root):
        if root == here or not os.path.isdir(os.path.join(root, DOT_DIR)):
            continue
        other = Repo(root, repo.warn)
        try:
            same = os.path.realpath(other.cache_dir) == mine
        except MlgitError as exc:
            raise MlgitError(f"worktree {root}: {exc.message}; gc cannot tell whether it uses"
                             " this cache", "fix that worktree's settings, or remove it"
                             " with 'git worktree remove', then rerun gc") from None
        if same:
            found.append(other)
    return found


def referenced_by_all(repo: Repo) -> set[str]:
    """What the pointers of this work tree and of every Git worktree sharing its cache need."""
    repository.refuse_missing_worktrees(repo.root, "gc")
    keep = referenced(repo)
    for other in worktrees_sharing_cache(repo):
        keep |= referenced_by_worktree(other)
    return keep


def refuse_foreign_cache(repo: Repo) -> None:
    """A cache outside every work tree of this repository (cache.dir) may be used by other
    repositories, whose pointers gc cannot see: deleting needs -f."""
    sharing = worktrees_sharing_cache(repo)
    homes = {os.path.realpath(r.own_cache_dir) for r in [repo, *sharing]}
    if os.path.realpath(repo.cache_dir) in homes:
        return
    raise MlgitError(f"the cache {repo.cache_dir} is set by cache.dir and may be shared with"
                     " other repositories; gc knows only this repository's pointers and would"
                     " delete what the others need",
                     "make sure no other repository uses that cache (or that it may lose"
                     " what this one does not reference), then run 'mlgit gc -f'")


def referenced_by_worktree(other: Repo) -> set[str]:
    try:
        return referenced(other)
    except MlgitError as exc:
        raise MlgitError(f"worktree {other.root}: {exc.message}",
                         f"{exc.hint} (in that worktree)") from None
