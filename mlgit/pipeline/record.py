"""Before and after a stage's commands: its outputs removed (saved in the cache first when
their content is nowhere else), then checked, hashed into the cache, git-ignored, and the
stage's entry written to mlgit.lock."""

from __future__ import annotations

import os
import stat

from mlgit.errors import MlgitError
from mlgit.fileio import temp_beside
from mlgit.paths import POINTER_SUFFIX
from mlgit.pipeline.lockfile import Hashed, LockEntry, LockFiles
from mlgit.pipeline.model import Stage
from mlgit.pipeline.stale import Check, WorkTree, short, show, stage_params
from mlgit.repo import Repo
from mlgit.workspace import gitignore
from mlgit.workspace.build import build
from mlgit.workspace.targets import link_outside


class StageFailed(MlgitError):
    """A stage that ran but cannot be recorded; the message names it and why."""


def clear_outputs(repo: Repo, check: Check) -> None:
    """Remove the stage's outputs that are not `persist`. An output whose content is not in
    the cache (edited since it was recorded) is stored there first. The cached outputs are
    git-ignored before the command runs: what a failed run leaves stays out of Git."""
    for out in check.stage.outs:
        _refuse_outside(repo, check.stage, out.path)
    ignore_outputs(repo, check.stage)
    doomed = [out for out in check.stage.outs
              if not out.persist and os.path.lexists(repo.abspath(out.path))]
    for out in doomed:
        _refuse_pointers_inside(repo, check.stage, out.path)
    unsaved = [out.path for out in doomed if out.cache
               and (h := check.outs.get(out.path)) is not None and not _in_cache(repo, h)]
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


def ignore_outputs(repo: Repo, stage: Stage) -> list[str]:
    """Git-ignore the stage's cached outputs whose folder exists (the others once the stage
    has made it, when its run is recorded); returns the .gitignore files changed."""
    changed = []
    with repo.lock():
        for out in stage.outs:
            folder = out.path.rpartition("/")[0]
            if out.cache and os.path.isdir(repo.abspath(folder) if folder else repo.root) \
                    and (gi := gitignore.add_entry(repo.root, out.path)) is not None \
                    and gi not in changed:  # two outputs in one folder: one file to add
                changed.append(gi)
    return changed


def _in_cache(repo: Repo, h: Hashed) -> bool:
    """Whether the cache holds all of it: for a folder, its manifest and every file's
    object (a manifest alone does not hold the data)."""
    if not repo.odb.has(h.oid):
        return False
    if h.nfiles is None:
        return True
    try:
        manifest = repo.manifest(h.oid, f"{h.oid[:12]} (manifest)")
    except MlgitError:
        return False
    return not repo.odb.missing(manifest.oids)


def _refuse_outside(repo: Repo, stage: Stage, rel: str) -> None:
    """An output whose folder is (inside) a link to a folder outside the repository would be
    removed, written and git-ignored out there."""
    link = link_outside(repo.root, rel.rpartition("/")[0])
    if link is not None:
        raise StageFailed(f"{stage.address}: its output {rel} is inside {link}, a link to a"
                          " folder outside the repository",
                          f"replace the link {link} with a real folder, or write the output"
                          " elsewhere")


def _refuse_pointers_inside(repo: Repo, stage: Stage, rel: str) -> None:
    """An output folder that holds an artifact `mlgit add` tracks is not removed: that would
    delete the artifact and its pointer file with it."""
    path = repo.abspath(rel)
    if not os.path.isdir(path) or os.path.islink(path):
        return
    for folder, _, names in os.walk(path):
        pointer = next((n for n in sorted(names) if n.endswith(POINTER_SUFFIX)), None)
        if pointer is not None:
            found = os.path.relpath(os.path.join(folder, pointer), repo.root).replace(os.sep, "/")
            raise StageFailed(f"{stage.address}: its output {rel} holds {found}, which"
                              " 'mlgit add' tracks; running the stage would delete it",
                              "write the output to a folder of its own, or move the tracked"
                              " artifact out with 'mlgit mv'")


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
            # as after `mlgit add`: a checkout of a branch without it may remove it
            repo.state.record_placed(rel, ptr.kind, ptr.oid, replace=True)
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
    _check_params_unchanged(tree, check)
    with repo.lock():
        outs = _store(repo, [o.path for o in stage.outs if o.cache])
        outs.update({o.path: h for o in stage.outs if not o.cache
                     and (h := tree.hash(o.path)) is not None})
        entry = write_entry(locks, check, outs, declared)
    repo.state.flush()
    return entry


def _check_params_unchanged(tree: WorkTree, check: Check) -> None:
    """The params the stage uses, read again: a value edited while the stage ran may or may
    not be what its command read, so the run is not recorded (nor remembered by the
    run-cache under the old value)."""
    try:
        after = stage_params(tree, check.stage)
    except MlgitError as exc:
        raise StageFailed(f"{check.stage.address}: its params changed while the stage ran"
                          f" ({exc.message})", "run 'mlgit repro' again") from None
    for file in sorted(set(check.params) | set(after)):
        old, new = check.params.get(file, {}), after.get(file, {})
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new or show(old[key]) != show(new[key]):
                raise StageFailed(
                    f"{check.stage.address}: param {file} {key} changed while the stage ran"
                    f" ({show(old[key]) if key in old else 'none'} ->"
                    f" {show(new[key]) if key in new else 'none'})",
                    "its outputs may come from either value: run 'mlgit repro' again")


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
