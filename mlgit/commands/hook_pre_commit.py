"""The pre-commit hook: refuse a commit that would record pointers that do not match the data.

Refused (exit 1): a tracked artifact changed in the work tree since its pointer was written
(the commit would record the old version); a staged pointer or lock file still in merge
conflict; a staged pointer that cannot be read; a staged pointer whose object is not in the
cache (nobody could get the data it names, not even `mlgit push`); a staged file that is
data mlgit keeps out of Git: an artifact's data (as after `git mv` of its pointer, which
leaves the .gitignore line behind), a cached stage output (as a failed run leaves it), or a
temp file of an interrupted mlgit command (`.NAME.PID-N.mlgit-tmp`). Stale pipeline stages are a
warning, or a refusal with `hooks.pre_commit.stale_stages: error`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlgit import pointer as pointer_mod
from mlgit.errors import MlgitError
from mlgit.fileio import is_temp_name
from mlgit.git import framework_stash, hooks, trees
from mlgit.paths import artifact_path_for, is_pointer_name, shell_command
from mlgit.pipeline.outputs import has_pipeline
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestUnavailable
from mlgit.workspace.artifact_status import CHANGED, UNCHANGED
from mlgit.workspace.targets import Broken, Tracked, all_tracked
from mlgit.workspace.unchanged import UnchangedMemo

LOCK_FILE = "mlgit.lock"


@dataclass(frozen=True)
class Finding:
    path: str
    message: str
    hint: str = ""


@dataclass
class PreCommit:
    refused: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def _conflicted_file(path: str) -> bool:
    return is_pointer_name(path) or path.rpartition("/")[2] == LOCK_FILE


def pre_commit(repo: Repo, index_file: str | None = None) -> PreCommit:
    """`index_file`: the index Git is about to commit, when it is not the repository's own
    (`git commit -a` and `git commit PATH` build one and name it in GIT_INDEX_FILE)."""
    found = PreCommit()
    found.refused += _unmerged(repo, index_file)
    staged = trees.staged_changes(repo.root, _conflicted_file, index_file)
    blobs = trees.staged_blobs(repo.root, staged, index_file)
    found.refused += _bad_staged(repo, blobs)
    tracked = all_tracked(repo)
    found.refused += _data_staged(repo, tracked, index_file)
    changed, stash_unknown = _changed_data(repo, tracked, index_file)
    found.refused += changed
    if changed and stash_unknown:
        found.warnings.append(_FRAMEWORK_STASH_UNKNOWN)
    _stale_stages(repo, found)
    return found


def _unmerged(repo: Repo, index_file: str | None) -> list[Finding]:
    return [Finding(path, f"merge conflict in {path}", _conflict_hint(repo, path))
            for path in trees.unmerged(repo.root, _conflicted_file, index_file)]


def _conflict_hint(repo: Repo, path: str) -> str:
    if is_pointer_name(path):
        # in a rebase the sides swap: a user keeping "mine" with --ours would lose it
        sides = (" (in this rebase, --ours is the branch rebased onto and --theirs your own"
                 " commit)" if hooks.rebase_in_progress(repo.root) else "")
        return (f"pick a side with {shell_command('git checkout --ours --', path)} or"
                f" {shell_command('git checkout --theirs --', path)}{sides}, then"
                f" 'mlgit checkout' and {shell_command('git add', path)}")
    return (f"edit {path}: keep one side's entry for each stage and no conflict marker lines,"
            f" then {shell_command('git add', path)}")


def _bad_staged(repo: Repo, blobs: dict[str, bytes]) -> list[Finding]:
    """Staged pointers and lock files with conflict markers, pointers that cannot be read,
    and pointers whose data is not in the cache."""
    refused: list[Finding] = []
    pointers: dict[str, pointer_mod.Pointer] = {}
    for path, raw in sorted(blobs.items()):
        if pointer_mod.has_conflict_markers(raw):
            refused.append(Finding(path, f"merge conflict in {path}",
                                   _conflict_hint(repo, path)))
        elif is_pointer_name(path):
            try:
                pointers[path] = pointer_mod.loads(raw, path)
            except MlgitError as exc:
                refused.append(Finding(path, exc.message, exc.hint))
    refused += _not_in_cache(repo, pointers)
    return refused


def _not_in_cache(repo: Repo, pointers: dict[str, pointer_mod.Pointer]) -> list[Finding]:
    """Staged pointers whose data the cache lacks. Those a merge brings unchanged from the
    other side (MERGE_HEAD's version) are left out: that side's commits already name the
    data, and its pre-push sent it to the remote (git-lfs does not ask for it either).
    (Pointers unchanged from HEAD are not staged changes, so never get here.)"""
    pointers = {path: ptr for path, ptr in pointers.items()
                if path not in _as_merged_in(repo, pointers)}
    missing = repo.odb.missing({p.oid for p in pointers.values()})
    refused = []
    for path, ptr in pointers.items():
        rel = artifact_path_for(path)
        hint = _get_the_data_hint(repo, rel)
        if ptr.oid in missing:
            what = "folder manifest" if ptr.is_dir else "object"
            refused.append(Finding(path, f"{path}: its {what} {ptr.oid[:12]} is not in the"
                                         " cache", hint))
        elif ptr.is_dir:
            count = _files_not_cached(repo, path, ptr)
            if count:
                refused.append(Finding(path, f"{path}: {count} of its files are not in the"
                                             " cache", hint))
    return refused


def _get_the_data_hint(repo: Repo, rel: str) -> str:
    """With the data file absent from the work tree there is nothing `mlgit add` could
    record: the data must come from a remote."""
    if not os.path.lexists(repo.abspath(rel)):
        return (f"get the data with {shell_command('mlgit fetch', rel)}"
                f" (or {shell_command('mlgit pull', rel)} to place it in the work tree too)")
    return (f"add the data again with {shell_command('mlgit add', rel)}, or get it with"
            f" {shell_command('mlgit fetch', rel)}")


def _as_merged_in(repo: Repo, pointers: dict[str, pointer_mod.Pointer]) -> set[str]:
    """The paths of `pointers` that name the same data as in a commit being merged in."""
    merged_in: set[str] = set()
    for commit in hooks.merge_heads(repo.root) if pointers else []:
        for path, raw in trees.blobs_at(repo.root, commit, list(pointers)).items():
            try:
                theirs = pointer_mod.loads(raw, path)
            except MlgitError:
                continue
            if (theirs.oid, theirs.is_dir) == (pointers[path].oid, pointers[path].is_dir):
                merged_in.add(path)
    return merged_in


def _files_not_cached(repo: Repo, path: str, ptr: pointer_mod.Pointer) -> int:
    try:
        manifest = repo.manifest(ptr.oid, f"{path} (manifest {ptr.oid[:12]})")
    except (ManifestUnavailable, MlgitError):
        return ptr.files or 1
    return len(repo.odb.missing(set(manifest.oids)))


_FRAMEWORK_STASH_UNKNOWN = Finding(
    "", "the pre-commit framework hides unstaged changes from its hooks, and mlgit found no"
    " patch of them in the framework's folder: a pointer rewritten by 'mlgit add' but not"
    " staged counts here as not rewritten",
    "if that is the case, stage the pointer ('git add PATH.mlgit') and commit again")


def _data_staged(repo: Repo, tracked: list[Tracked | Broken], index_file: str | None
                 ) -> list[Finding]:
    """Staged (added or changed) files that mlgit keeps out of Git: mlgit temp files, the
    data of an artifact, a cached stage output. Git would store them whole, and push them
    to the Git server."""
    staged = trees.staged_changes(repo.root, lambda p: not is_pointer_name(p), index_file,
                                  deleted=False)
    if not staged:
        return []
    holders = {item.rel: (f"the data of {item.rel} (tracked by {item.pointer_rel})",
                          f"{shell_command('mlgit add', item.rel)} writes the .gitignore line"
                          " that keeps it out (to move a pointer, use 'mlgit mv': it moves"
                          " that line too)")
               for item in tracked if isinstance(item, Tracked)}
    holders.update(_cached_outputs(repo))
    refused = []
    for path in staged:
        unstage = f"unstage it with {shell_command('git rm --cached --', path)}"
        if is_temp_name(path.rpartition("/")[2]):
            refused.append(Finding(path, f"{path}: a temp file an interrupted mlgit command"
                                         " left (a partial copy of data) is staged",
                                   f"{unstage} and delete it with"
                                   f" {shell_command('rm --', path)}"))
        elif (held := _holder(holders, path)) is not None:
            refused.append(Finding(path, f"{path}: {held[0]} is staged into Git",
                                   f"{unstage}; {held[1]}"))
    return refused


def _holder(holders: dict[str, tuple[str, str]], path: str) -> tuple[str, str] | None:
    """What `path`, or the folder holding it, is among `holders`."""
    rel = path
    while rel:
        if rel in holders:
            return holders[rel]
        rel = rel.rpartition("/")[0]
    return None


def _cached_outputs(repo: Repo) -> dict[str, tuple[str, str]]:
    """The cached outputs the pipeline files declare, as `_holder` takes them."""
    from mlgit.pipeline.files import pipeline_files

    if not pipeline_files(repo.root):
        return {}
    from mlgit.pipeline.load import load_pipeline

    try:
        stages = load_pipeline(repo.root).stages
    except MlgitError:
        return {}  # the stale-stage check reports the pipeline that cannot be read
    return {out.path: (f"an output of stage {stage.address}, which mlgit caches,",
                       "'mlgit repro' writes the .gitignore line that keeps it out")
            for stage in stages for out in stage.outs if out.cache}


def _changed_data(repo: Repo, tracked: list[Tracked | Broken], index_file: str | None
                  ) -> tuple[list[Finding], bool]:
    """Artifacts whose data differs from their pointer in the work tree; and whether the
    pre-commit framework runs this hook and the unstaged changes it hid were not found."""
    from mlgit.workspace.status import safe_status

    memo = UnchangedMemo(repo.tmp_dir)
    modified: list[Tracked] = []
    not_placed: list[Tracked] = []
    hidden = framework_stash.hidden_files(repo.root, is_pointer_name, index_file)
    for item in _as_the_user_has_them(repo, tracked, hidden.files):
        if _vouched(repo, memo, item):
            continue
        status = safe_status(repo, item.rel, item.ptr)
        if isinstance(status, MlgitError) or status.state not in CHANGED:
            continue
        (modified if status.in_cache else not_placed).append(item)
    behind = _still_at_head(repo, modified)
    known = _known_versions(repo, [item for item in modified if item.rel not in behind])
    refused = [_not_checked_out(item) if item.rel in behind
               else _stale(item) if item.rel in known else _changed(item)
               for item in modified]
    refused += [_not_in_cache_to_place(item) for item in not_placed]
    if "state" in repo.__dict__:
        repo.state.flush()
    memo.save()
    return refused, hidden.unknown


def _as_the_user_has_them(repo: Repo, items: list[Tracked | Broken],
                          hidden: dict[str, bytes | None]) -> list[Tracked]:
    """The readable pointers of `items`, each as the user's work tree holds it: under the
    pre-commit framework, which stashed the unstaged ones away while its hooks run
    (git/framework_stash.py), the stashed version (`hidden`); one the user deleted is left
    out. So an `mlgit add` not yet staged gets the verdict Git's own hook gives it."""
    tracked = []
    for item in items:
        if not isinstance(item, Tracked):
            continue  # an unreadable pointer in the work tree; a staged one is checked above
        if item.pointer_rel in hidden:
            raw = hidden[item.pointer_rel]
            try:
                ptr = pointer_mod.loads(raw, item.pointer_rel) if raw is not None else None
            except MlgitError:
                ptr = None
            if ptr is None:
                continue
            item = Tracked(item.pointer_rel, repo.artifact_rel(item.pointer_rel, ptr), ptr)
        tracked.append(item)
    return tracked


def _changed(item: Tracked) -> Finding:
    return Finding(item.rel, f"{item.rel}: changed since its pointer {item.pointer_rel} was"
                             " written",
                   f"record the new version with {shell_command('mlgit add', item.rel)}"
                   f" (then {shell_command('git add', item.pointer_rel)}), or undo the change"
                   f" with {shell_command('mlgit checkout --force', item.rel)}")


def _stale(item: Tracked) -> Finding:
    """The data is a version the cache already holds, not the one the pointer names: the
    pointer moved without the data (`git reset`, `git stash`, `git cherry-pick`, `git
    revert`, `git am`, `git checkout REV -- POINTER`: Git runs no hook after them). `mlgit
    add` would record that old data over the pointer; `mlgit checkout` loses nothing, as the
    cache keeps the data as it is."""
    return Finding(item.rel, f"{item.rel}: its data is a version the cache already holds, not"
                             f" the one its pointer {item.pointer_rel} names (the pointer"
                             " changed without the data, as after 'git reset', 'git stash',"
                             " 'git cherry-pick', 'git revert' or 'git checkout REV --"
                             " POINTER')",
                   f"bring the data in line with its pointer with"
                   f" {shell_command('mlgit checkout', item.rel)} (the cache keeps the data as"
                   f" it is); only to record that version instead, run"
                   f" {shell_command('mlgit add', item.rel)}")


def _known_versions(repo: Repo, items: list[Tracked]) -> set[str]:
    """The artifacts of `items` whose every file holds content the cache has: data mlgit
    added or checked out before, not a change made since. Only new content can be "newer
    than the pointer"; for the rest, suggesting `mlgit add` would risk recording stale data,
    while `mlgit checkout` is safe (the cache has the data)."""
    from mlgit.workspace.scan import files_of

    known = set()
    for item in items:
        try:
            found = files_of(repo.state, repo.odb, repo.abspath(item.rel), item.rel,
                             strict=False, store=False, jobs=repo.config.get("core.jobs"))
        except MlgitError:
            continue
        oids = {fs[0] for fs in found.files.values()}
        if oids and all(oids) and not repo.odb.missing(oids):
            known.add(item.rel)
    return known


def _not_in_cache_to_place(item: Tracked) -> Finding:
    """The data differs from the pointer and the data the pointer names is not in the
    cache: most often a checkout (a hook after `git checkout`) could not place it, and the
    work tree still holds another version, which `mlgit add` would record over it."""
    return Finding(item.rel, f"{item.rel}: differs from what its pointer {item.pointer_rel}"
                             " names, and that data is not in the cache (a checkout could"
                             " not place it)",
                   f"get it with {shell_command('mlgit pull', item.rel)}; if you changed"
                   f" {item.rel} on purpose, record it with"
                   f" {shell_command('mlgit add', item.rel)}")


def _not_checked_out(item: Tracked) -> Finding:
    """The data is HEAD's version while the pointer names another: the pointer moved (a
    merge that stopped on a conflict, `git checkout REV -- POINTER`) and the data did not.
    Recording the work tree's data here would undo the other side's change."""
    return Finding(item.rel, f"{item.rel}: its data is still the version of HEAD, not the"
                             f" one its pointer {item.pointer_rel} now names (the data was"
                             " not checked out after the pointer changed)",
                   f"get the data the pointer names with"
                   f" {shell_command('mlgit checkout', item.rel)} (recording the data as it"
                   " is would undo the change the pointer brings)")


def _still_at_head(repo: Repo, modified: list[Tracked]) -> set[str]:
    """The artifacts of `modified` whose data is exactly what HEAD's pointer names, while
    their pointer in the work tree names other data."""
    if not modified:
        return set()
    from mlgit.workspace.status import safe_status

    at_head = trees.blobs_at_head(repo.root, [item.pointer_rel for item in modified])
    behind = set()
    for item in modified:
        raw = at_head.get(item.pointer_rel)
        if raw is None:
            continue
        try:
            head_ptr = pointer_mod.loads(raw, item.pointer_rel)
        except MlgitError:
            continue
        if head_ptr.oid == item.ptr.oid:
            continue
        status = safe_status(repo, item.rel, head_ptr)
        if not isinstance(status, MlgitError) and status.state == UNCHANGED:
            behind.add(item.rel)
    return behind


def _vouched(repo: Repo, memo: UnchangedMemo, item: Tracked) -> bool:
    """Whether the unchanged memo (workspace/unchanged.py) proves the artifact unchanged
    from one walk of it, sparing a full comparison."""
    try:
        proof = memo.proof(repo.cache_dir, repo.abspath(item.rel), item.ptr, item.rel)
    except MlgitError:
        return False
    return proof is not None and memo.vouches(proof)


def _stale_stages(repo: Repo, found: PreCommit) -> None:
    if not has_pipeline(repo.root):
        return
    from mlgit.pipeline.status import stale_stages

    refuse = repo.config.get("hooks.pre_commit.stale_stages") == "error"
    try:
        stale = stale_stages(repo)
    except MlgitError as exc:
        found.warnings.append(Finding("mlgit.yaml", exc.message, exc.hint))
        return
    for check in stale:
        address = check.stage.address
        finding = Finding(address, f"stage {address} is stale"
                                   f" ({'; '.join(map(str, check.reasons))})",
                          "run 'mlgit repro' to bring it up to date")
        (found.refused if refuse else found.warnings).append(finding)
