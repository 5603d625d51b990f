"""Before and after a stage's commands: its outputs removed (saved in the cache first when
their content is nowhere else), then checked, hashed into the cache, git-ignored, and the
stage's entry written to mlgit.lock."""

from __future__ import annotations

import os
import stat

from mlgit.errors import MlgitError
from mlgit.fileio import temp_beside
from mlgit.pipeline.lockfile import Hashed, LockEntry, LockFiles
from mlgit.pipeline.model import Stage
from mlgit.pipeline.stale import Check, WorkTree, short
from mlgit.repo import Repo
from mlgit.workspace import gitignore
from mlgit.workspace.build import build


class StageFailed(MlgitError):
    """A stage that ran but cannot be recorded; the message names it and why."""


def clear_outputs(repo: Repo, check: Check) -> None:
    """Remove the stage's outputs that are not `persist`. An output whose content is not in
    the cache (edited since it was recorded) is stored there first."""
    doomed = [out for out in check.stage.outs
              if not out.persist and os.path.lexists(repo.abspath(out.path))]
    unsaved = [out.path for out in doomed if out.cache
               and (h := check.outs.get(out.path)) is not None and not repo.odb.has(h.oid)]
    if unsaved:
        with repo.lock():
            _store(repo, unsaved)
    for out in check.stage.outs:
        if out.persist:
            _detach(repo.abspath(out.path))
    for out in doomed:
        path = repo.abspath(out.path)
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil  # (with its compression modules) only when a stage runs

            shutil.rmtree(path)
        else:
            os.unlink(path)


def _detach(path: str) -> None:
    """Replace each file at or under `path` that is a link (a symbolic link, or a hard link
    that `mlgit checkout` may have made to a cache object) with a copy of its own, so that
    a stage writing to a `persist` output cannot change the cache."""
    if os.path.isdir(path) and not os.path.islink(path):
        files = [os.path.join(folder, name) for folder, _, names in os.walk(path)
                 for name in names]
    else:
        files = [path] if os.path.lexists(path) else []
    for file in files:
        st = os.lstat(file)
        if stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1):
            tmp = temp_beside(file)
            import shutil

            shutil.copyfile(file, tmp)  # a new file: writable, as the umask says
            os.replace(tmp, file)


def _store(repo: Repo, rels: list[str]) -> dict[str, Hashed]:
    """Hash and store each path in the cache, durably (the caller holds the repo lock)."""
    stored = {}
    try:
        for rel in rels:
            ptr, _ = build(repo, rel, store=True)
            stored[rel] = Hashed(ptr.oid, ptr.size, ptr.files)
        repo.odb.publish()
        # forked workers may have stored a large folder's files: one syncfs covers them
        repo.odb.make_durable(whole_store=any(h.nfiles is not None
                                              for h in stored.values()))
    except BaseException:
        repo.odb.abort()
        raise
    return stored


def record(tree: WorkTree, locks: LockFiles, check: Check, declared: set[str]) -> LockEntry:
    """After the stage's commands succeeded: check its outputs exist and its dependencies
    did not change while it ran, store the outputs, and write its lock entry."""
    stage = check.stage
    repo = tree.repo
    for out in stage.outs:
        if not os.path.lexists(repo.abspath(out.path)):
            raise StageFailed(f"{stage.address}: finished without writing its output"
                              f" {out.path}", "make the command write it, or remove it from"
                              " the stage's outs")
    for path, before in check.deps.items():
        after = tree.hash(path)
        if after != before:
            raise StageFailed(f"{stage.address}: dep {path} changed while the stage ran"
                              f" ({short(before) or 'none'} -> {short(after) or 'none'})",
                              "its outputs may come from either version: run 'mlgit repro'"
                              " again")
    with repo.lock():
        outs = _store(repo, [o.path for o in stage.outs if o.cache])
        outs.update({o.path: h for o in stage.outs if not o.cache
                     and (h := tree.hash(o.path)) is not None})
        entry = write_entry(locks, check, outs, declared)
    repo.state.flush()
    return entry


def write_entry(locks: LockFiles, check: Check, outs: dict[str, Hashed],
                declared: set[str]) -> LockEntry:
    """Git-ignore the stage's cached outputs and write its lock entry: the dependency hashes
    and params taken before the run, and `outs` (the caller holds the repo lock)."""
    stage = check.stage
    for out in stage.outs:
        if out.cache:
            gitignore.add_entry(locks.root, out.path)
    deps = {p: h for p, h in check.deps.items() if h is not None}
    entry = LockEntry(stage.cmd, deps, check.params, outs)
    locks.write(stage.lock_file, stage.name, entry, declared)
    return entry


def declared_names(stages: list[Stage], lock_file: str) -> set[str]:
    return {s.name for s in stages if s.lock_file == lock_file}
