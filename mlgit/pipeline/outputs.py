"""The stage outputs mlgit.lock records, as artifacts that `mlgit checkout` restores, push,
fetch and pull move, and `mlgit gc` keeps, like those pointer files name.

On the path of every `mlgit status` and `mlgit checkout` (Git hooks run them): without a
pipeline, this imports nothing of the pipeline's machinery."""

from __future__ import annotations

import os

from mlgit.pipeline.files import PIPELINE_FILE, pipeline_files

TYPE_CHECKING = False  # importing typing costs what status must not pay
if TYPE_CHECKING:
    from mlgit.pipeline.lockfile import Hashed
    from mlgit.repo import Repo
    from mlgit.workspace.targets import Broken, Target, Tracked


def has_pipeline(root: str) -> bool:
    """Whether the work tree has a pipeline: an mlgit.yaml at the top (one stat), or one in
    a subfolder that Git's index holds (one `git ls-files` of the index, no walk of the work
    tree), as `mlgit status` and the pre-commit hook ask. (An mlgit.yaml in a subfolder that
    was never `git add`ed is seen by the pipeline commands only.)"""
    if os.path.isfile(os.path.join(root, PIPELINE_FILE)):
        return True
    from mlgit.git.repository import indexed_files_named

    return any(os.path.isfile(os.path.join(root, rel))
               for rel in indexed_files_named(root, PIPELINE_FILE))


def recorded_outputs(repo: Repo, pushed_only: bool = False) -> list[Tracked]:
    """Each cached output of a declared stage with an entry in its mlgit.lock (with
    `pushed_only`, not those marked `push: false`); the lock file stands where a pointer
    file would (messages name it). None without a pipeline (one `git ls-files` finds the
    pipeline files, in subfolders too)."""
    if not pipeline_files(repo.root):
        return []
    from mlgit.pipeline.load import load_pipeline
    from mlgit.pipeline.lockfile import LockFiles
    from mlgit.pointer import Pointer
    from mlgit.workspace.targets import Tracked

    locks = LockFiles(repo.root)
    found = []
    for stage in load_pipeline(repo.root).stages:
        entry = locks.entries(stage.lock_file).get(stage.name)
        if entry is None:
            continue
        for out in stage.outs:
            h = entry.outs.get(out.path)
            if out.cache and h is not None and (out.push or not pushed_only):
                kind = "file" if h.nfiles is None else "dir"
                ptr = Pointer(kind, out.path.rpartition("/")[2], h.oid, h.size, h.nfiles)
                found.append(Tracked(stage.lock_file, out.path, ptr))
    return found


def output_targets(repo: Repo, outputs: list[Tracked], args: list[str]
                   ) -> tuple[list[Target], list[str]]:
    """The outputs, or parts of output folders, the user paths name; and the paths that
    name none (left to the pointer files)."""
    from mlgit.paths import check_utf8, resolve_user_path
    from mlgit.workspace.targets import Target

    named: dict[tuple[str, str], Target] = {}
    rest = []
    for arg in args:
        rel = resolve_user_path(repo.root, arg)
        holder = next((o for o in outputs if rel == o.rel or rel.startswith(o.rel + "/")),
                      None)
        if holder is None:
            rest.append(arg)
            continue
        if rel != holder.rel:
            check_utf8([rel])
        sub = rel[len(holder.rel) + 1:]
        named.setdefault((holder.rel, sub), Target(holder, sub))
    return list(named.values()), rest


def every_recorded_output(repo: Repo) -> list[tuple[str, str, Hashed]]:
    """(where, path, hash) of every output any mlgit.lock records: in the work tree (every
    entry, also of stages no mlgit.yaml declares now: they may come back), committed at
    HEAD, or staged in Git's index. What `mlgit gc` keeps besides `recorded_outputs`; a lock
    file that cannot be read is an error (gc would not know what it references)."""
    from mlgit.errors import MlgitError
    from mlgit.git.repository import HEAD, committed_blobs_named, files_named
    from mlgit.pipeline.lockfile import loads, read_lock
    from mlgit.pipeline.model import LOCK_FILE

    found = []
    for lock_rel in files_named(repo.root, LOCK_FILE):
        for entry in read_lock(repo.root, lock_rel).values():
            found += [(lock_rel, path, h) for path, h in entry.outs.items()]
    for where, lock_rel, text in committed_blobs_named(repo.root, LOCK_FILE):
        at = f"{lock_rel} at HEAD" if where == HEAD else f"{lock_rel} in {where}"
        try:
            entries = loads(text, lock_rel)
        except MlgitError as exc:
            raise MlgitError(f"{at}: cannot read it ({exc.message}); gc would not know what"
                             " it references", "commit (or stage) a fixed mlgit.lock, then"
                             " rerun gc") from None
        for entry in entries.values():
            found += [(at, path, h) for path, h in entry.outs.items()]
    return found


def targets_with_outputs(repo: Repo, args: list[str], pushing: bool = False
                         ) -> tuple[list[Target], list[Broken]]:
    """What push, fetch and pull move: the artifacts the pointer files track and the stage
    outputs mlgit.lock records (every one of them without paths; else what the paths
    name; a push leaves out outputs marked `push: false`), and the pointer files that
    cannot be read."""
    from mlgit.workspace.targets import Target
    from mlgit.workspace.wants import targets_or_all

    outputs = recorded_outputs(repo, pushed_only=pushing)
    if not args:
        targets, broken = targets_or_all(repo, [])
        return [*targets, *(Target(o, "") for o in outputs)], broken
    named, rest = output_targets(repo, outputs, args)
    targets, broken = targets_or_all(repo, rest) if rest else ([], [])
    return [*named, *targets], broken
