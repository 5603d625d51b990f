"""mlgit gc -r REMOTE: delete from a remote what no kept revision references.

Kept: what the work tree's pointers, the pointers at HEAD and in Git's index, the lock
files' outputs and the revisions asked for (--rev, --all-...) reference, with the files of
their folders (manifests read from the cache, else from the remote) and the chunks of their
chunk lists; everything the remote received less than the grace period ago; run-cache records
all of whose outputs stay (and recent ones, with their outputs). remote/gc_survey.py lists
the remote, gc_plan.py decides and gc_delete.py deletes; this module works out what the
repository references.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from mlgit.errors import MlgitError
from mlgit.pipeline.at_revision import NO_REVISIONS, Revisions
from mlgit.pipeline.history_needs import History
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestUnavailable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.remote.gc_plan import Plan
    from mlgit.remote.gc_survey import Mapper, Survey
    from mlgit.remote.store import RemoteStore


class Root(NamedTuple):
    oid: str
    is_dir: bool
    label: str  # what names it, for messages: "data", "data at HEAD", "model in v1"
    required: bool  # a folder whose files gc must know, or it refuses to delete anything
    path: str = ""  # the artifact's path, for hints


@dataclass
class RemoteGcResult:
    remote: str
    url: str
    dry_run: bool
    grace_hours: float
    objects_gone: int = 0  # distinct objects of which no copy stays
    freed: int = 0  # bytes
    loose: int = 0  # loose objects deleted
    chunk_lists: int = 0
    runs: int = 0  # run-cache records deleted
    packs_deleted: int = 0  # packs wholly garbage
    packs_repacked: int = 0  # packs whose live objects went into new packs
    new_packs: int = 0
    leftovers: int = 0  # packs without an index and temp files of interrupted uploads
    kept: int = 0  # objects that stay
    young: int = 0  # objects (and packs) kept only because they are recent
    left_in_packs: int = 0  # garbage bytes left inside mostly-live packs
    unknown_folders: list[str] = field(default_factory=list)  # manifests on neither side
    unreadable_runs: list[str] = field(default_factory=list)  # kept: gc cannot read them
    lone_indexes: list[str] = field(default_factory=list)  # indexes whose pack is gone
    corrupt: list[str] = field(default_factory=list)  # live objects found corrupt; pack kept
    paths: list[str] = field(default_factory=list)  # every remote file deleted (or to be)
    requests: int = 0  # listings and index reads of the survey
    history: History = field(default_factory=History)  # what older commits need of it


def remote_gc(repo: Repo, name: str | None, revisions: Revisions = NO_REVISIONS,
              grace_hours: float = 24.0, dry_run: bool = False,
              jobs: int | None = None, confirm: Callable[[RemoteGcResult], bool] | None = None
              ) -> RemoteGcResult:
    """Plan the remote's gc and (unless `dry_run`, and if `confirm` agrees to the plan)
    carry it out."""
    from mlgit.remote import gc_delete, gc_plan, gc_survey
    from mlgit.remote.open import jobs_for, open_store, remote_errors
    from mlgit.remote.transfer import Mover
    from mlgit.remote.urls import describe

    _check_grace(grace_hours)
    spec, store = open_store(repo, name)
    result = RemoteGcResult(spec.name, describe(spec.url), dry_run, grace_hours)
    roots = _roots(repo, revisions)  # before touching the remote: bad pointers stop us early
    with remote_errors(spec), _doubts(spec.name):
        mover = Mover(repo.odb, store, jobs_for(spec, jobs))
        found = gc_survey.survey(store, mover.map, probe_clock=not dry_run)
        result.requests = found.requests
        _refuse_foreign(spec.name, found.foreign)
        grace = grace_hours * 3600
        cutoff = gc_plan.cutoff_of(found.now, grace)
        keep, runs_gone = _kept(repo, store, found, roots, cutoff, mover.map, result)
        todo = gc_plan.plan(found, keep, runs_gone, grace)
        _summarise(result, todo, found)
        if todo.gone and not revisions.all_commits:
            _count_needed_by_history(repo, todo.gone, result.history)
        if dry_run or todo.empty:
            return result
        if confirm is not None and not confirm(result):
            result.dry_run = True
            return result
        done = gc_delete.execute(store, found, todo, mover.map)
        result.new_packs = len(done.new_packs)
        result.corrupt = done.corrupt
        result.paths = done.deleted
    return result


def _check_grace(hours: float) -> None:
    """NaN passes every range check (each comparison is false) and would keep nothing as
    young; infinity would make gc a slow no-op."""
    import math

    if not math.isfinite(hours) or hours < 0:
        raise MlgitError(f"--grace {hours}: not a number of hours",
                         "give a number of hours of 0 or more, e.g. --grace 24 (the default)")


def _count_needed_by_history(repo: Repo, gone: dict[str, int], history: History) -> None:
    """As the cache's gc says it: the remote may hold the last copy of an old version."""
    from mlgit.git.revisions import RevisionTrees
    from mlgit.pipeline.history_needs import count_needed_by_history

    count_needed_by_history(repo, gone, history, RevisionTrees(repo.root))


def _summarise(result: RemoteGcResult, todo: Plan, found: Survey) -> None:
    result.objects_gone = todo.objects_gone
    result.freed = todo.freed
    result.loose, result.chunk_lists, result.runs = len(todo.loose), len(todo.lists), len(todo.runs)
    result.packs_deleted, result.packs_repacked = len(todo.drop_packs), len(todo.repack)
    result.leftovers = len(todo.orphan_packs) + len(todo.temps)
    result.young, result.left_in_packs = todo.young, todo.left_in_packs
    result.kept = todo.kept
    result.lone_indexes = found.lone_indexes
    result.paths = todo.paths()


class _doubts:
    """RemoteDoubt as one error line and a hint."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        from mlgit.remote.gc_survey import RemoteDoubt

        if isinstance(exc, RemoteDoubt):
            raise MlgitError(f"remote {self.name!r}: {exc.what}: {exc.why}; gc deleted"
                             " nothing", f"run 'mlgit fsck -r {self.name}' to see the damage;"
                             " delete the damaged file (and its pack) on the remote by hand,"
                             " push again from a clone that has the data, then rerun gc"
                             ) from None


def _refuse_foreign(name: str, foreign: list[str]) -> None:
    if not foreign:
        return
    shown = ", ".join(sorted(foreign)[:3])
    more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
    raise MlgitError(f"remote {name!r} holds files mlgit does not write ({shown}{more}); gc"
                     " deletes nothing on a remote it does not fully recognise",
                     "check that the remote's URL is the folder push writes to ('mlgit remote"
                     " list'); move the other files out of it, then rerun gc")


# -- what the repository references ---------------------------------------------------------------


def _roots(repo: Repo, revisions: Revisions) -> list[Root]:
    from mlgit.git.repository import refuse_missing_worktrees

    refuse_missing_worktrees(repo.root, "gc -r")
    found: list[Root] = []
    for tree in [repo, *_other_worktrees(repo)]:
        found += _workspace_roots(tree)
    if revisions.any:
        found += _revision_roots(repo, revisions)
    return found


def _other_worktrees(repo: Repo) -> list[Repo]:
    """The repository's other Git worktrees that use mlgit: their pointers and index count,
    as they push to the same remotes."""
    import os

    from mlgit.git import repository
    from mlgit.repo import DOT_DIR

    here = os.path.realpath(repo.root)
    return [Repo(root, repo.warn) for root in repository.worktrees(repo.root)
            if root != here and os.path.isdir(os.path.join(root, DOT_DIR))]


def _workspace_roots(repo: Repo) -> list[Root]:
    """The pointers in the work tree, at HEAD and in Git's index (unreadable ones stop gc,
    as for the cache), and the outputs the lock files record."""
    from mlgit import pointer as pointer_mod
    from mlgit.git import repository
    from mlgit.pipeline.outputs import every_recorded_output
    from mlgit.workspace.targets import Broken, all_tracked

    found: list[Root] = []
    for item in all_tracked(repo):
        if isinstance(item, Broken):
            raise item.refusal("gc")
        found.append(Root(item.ptr.oid, item.ptr.is_dir, item.rel, True, item.rel))
    for where, pointer_rel, raw in repository.committed_pointer_blobs(repo.root):
        at = " at HEAD" if where == repository.HEAD else f" in {where}"
        try:
            ptr = pointer_mod.loads(raw, pointer_rel)
        except MlgitError as exc:
            raise MlgitError(f"{pointer_rel}{at}: cannot read pointer ({exc.message}); gc"
                             " would not know what it references",
                             "commit or stage a fixed pointer, then rerun gc") from None
        rel = pointer_rel.removesuffix(".mlgit")
        found.append(Root(ptr.oid, ptr.is_dir, f"{rel}{at}", True, rel))
    for where, path, h in every_recorded_output(repo):
        found.append(Root(h.oid, h.nfiles is not None, f"{path} ({where})", False))
    return found


def _revision_roots(repo: Repo, revisions: Revisions) -> list[Root]:
    from mlgit.git.revisions import RevisionTrees, chosen_revisions, refuse_cut_history
    from mlgit.pipeline.at_revision import artifacts_at

    trees = RevisionTrees(repo.root)
    if revisions.history_flag:
        refuse_cut_history(trees, revisions.history_flag, "gc -r")
    found: list[Root] = []
    for revision in chosen_revisions(trees, list(revisions.revs), revisions.all_branches,
                                     revisions.all_tags, revisions.all_commits):
        listed = artifacts_at(repo, trees, revision.commit, shown=revision.name)
        if listed.broken:
            first = listed.broken[0].error
            raise MlgitError(f"{first.message}; gc would not know what it references, so"
                             " it deleted nothing",
                             "keep fewer revisions (--rev, --all-branches instead of"
                             " --all-commits) or fix the file in a new commit; then rerun gc")
        found += [Root(item.ptr.oid, item.ptr.is_dir, f"{item.rel} at {revision.name}", False)
                  for item in listed.items]
    return found


def _kept(repo: Repo, store: RemoteStore, found: Survey, roots: list[Root], cutoff: float,
          mapper: Mapper, result: RemoteGcResult) -> tuple[set[str], list[str]]:
    """Every oid that stays, and the run-cache records that go."""
    from mlgit.remote import gc_plan, gc_survey

    records = _run_records(store, found, mapper)
    for key, outs in records.items():
        if outs is None:
            result.unreadable_runs.append(key)
        elif gc_plan.young(found.runs[key], cutoff):
            roots += [Root(oid, is_dir, f"run {key[:12]}", False) for oid, is_dir in outs]
    keep = _expand(repo, store, found, roots, result)
    keep |= gc_plan.kept_by_age(found, cutoff)
    runs_gone = []
    for key, outs in sorted(records.items()):
        if outs is None or gc_plan.young(found.runs[key], cutoff):
            continue
        if all(oid in keep for oid, _ in outs):
            keep |= _expand(repo, store, found,
                            [Root(o, d, f"run {key[:12]}", False) for o, d in outs if d],
                            result)
        else:
            runs_gone.append(key)
    listed = sorted(keep & found.lists.keys())
    for parts in gc_survey.chunks_of(store, listed, mapper).values():
        keep.update(parts)
    return keep, runs_gone


def _run_records(store: RemoteStore, found: Survey, mapper: Mapper
                 ) -> dict[str, list[tuple[str, bool]] | None]:
    """{run key: its outputs as (oid, is a folder)}, None for a record that is not sound."""
    from mlgit.pipeline import runcache

    keys = sorted(found.runs)

    def read(key: str) -> list[tuple[str, bool]] | None:
        try:
            outs = runcache.decode(store.read_run(key, runcache.MAX_ENTRY))
        except FileNotFoundError:
            return []  # gone meanwhile: it names nothing
        if outs is None:
            return None
        return [(h.oid, h.nfiles is not None) for h in outs.values()]

    return dict(zip(keys, mapper(read, keys), strict=True))  # type: ignore[arg-type]


def _expand(repo: Repo, store: RemoteStore, found: Survey, roots: list[Root],
            result: RemoteGcResult) -> set[str]:
    """The roots' oids and the files of their folders."""
    keep = {r.oid for r in roots}
    folders: dict[str, Root] = {}
    for root in roots:
        if root.is_dir and (root.oid not in folders
                            or (root.required and not folders[root.oid].required)):
            folders[root.oid] = root
    for oid, root in folders.items():
        files = _folder_files(repo, store, found, root)
        if files is None:
            if root.required:
                word = shlex.quote(root.path or root.label)
                raise MlgitError(f"{root.label}: its directory manifest {oid[:12]} is in"
                                 " neither the cache nor the remote, so gc cannot tell which"
                                 " files it needs; gc deleted nothing",
                                 f"push it from a clone that has it (or add the folder again"
                                 f" with 'mlgit add {word}' and push), then rerun gc")
            result.unknown_folders.append(root.label)
            continue
        keep.update(files)
    return keep


def _folder_files(repo: Repo, store: RemoteStore, found: Survey, root: Root
                  ) -> Sequence[str] | None:
    from mlgit.remote.gc_survey import read_object
    from mlgit.storage import manifests

    try:
        return repo.manifest(root.oid, root.label).oids
    except ManifestUnavailable:
        pass
    raw = read_object(store, found, root.oid)
    if raw is None:
        return None
    try:
        return manifests.loads(raw, f"{root.label} (manifest {root.oid[:12]})").oids
    except MlgitError:
        return None

