"""Make the workspace match pointer files, never destroying data that is not in the cache."""

from __future__ import annotations

import contextlib
import os
from array import array
from bisect import bisect_left
from collections.abc import Sequence

from mlgit.errors import MlgitError
from mlgit.paths import at_or_under, pointer_path_for, shell_command, shell_word
from mlgit.pointer import Pointer
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.repo import Repo
from mlgit.storage import manifests
from mlgit.workspace import scan
from mlgit.workspace.checkout_result import (
    MANIFEST_NOT_IN_CACHE,
    NOT_CACHED,
    CheckoutResult,
    Place,
)
from mlgit.workspace.damage import (
    DAMAGED_HINT,
    DAMAGED_LEFT,
    edited_through_link,
)
from mlgit.workspace.few_files import file_at, files_at
from mlgit.workspace.linker import Linker
from mlgit.workspace.placing import CHECKOUT_TMP, corrupt_reason, make_dirs, place_all
from mlgit.workspace.scan import FileState, files_of
from mlgit.workspace.wanted_files import FolderFiles, OneFile, Wanted


class Shared:
    """What the checkouts of one command's artifacts share, found out once for all of them
    rather than once per artifact (20,000 file artifacts: 20,000 `git ls-files` calls)."""

    def __init__(self, repo: Repo, rels: list[str]) -> None:
        self.repo, self.rels = repo, rels
        self._swept = False
        self._in_git: set[str] | None = None

    def sweep_tmp(self) -> None:
        """Remove the folders interrupted checkouts were building (we hold the repo lock)."""
        if not self._swept:
            self._swept = True
            _remove_checkout_tmp(self.repo)

    def in_git(self) -> set[str]:
        """The files Git tracks at or under the artifacts (all that Git tracks, when there
        are many artifacts: one listing rather than a command line naming each)."""
        if self._in_git is None:
            from mlgit.git.repository import tracked_files

            self._in_git = tracked_files(self.repo.root,
                                         self.rels if len(self.rels) <= _NAMED_MAX else None)
        return self._in_git


_NAMED_MAX = 100


def checkout_artifact(repo: Repo, rel: str, ptr: Pointer, linker: Linker, *, force: bool,
                      progress: ProgressCallback = noop_progress, only: str = "",
                      among: set[str] | None = None, shared: Shared | None = None
                      ) -> CheckoutResult:
    """Restore one artifact; with `only` (a path inside a tracked folder), just that part.
    With `among` (paths inside a tracked folder: those a branch switch changed), only those
    files are looked at and touched, the rest of the folder is left as it is. `shared`:
    what the command's other checkouts found out too."""
    shared = shared or Shared(repo, [rel])
    result = CheckoutResult(rel)
    wanted: Wanted
    if ptr.is_dir:
        try:
            manifest = _load_manifest(repo, ptr, rel)
        except MlgitError as exc:
            result.failed.append((rel, exc.message))
            return result
        current = None if among is None else _files_among(repo, rel, among)
        wanted = _wanted_in(rel, manifest, among if current is not None else None)
    else:
        current = _file_now(repo, rel)
        wanted = OneFile(Place(rel, ptr.oid, ptr.size, ptr.exec))
    shared.sweep_tmp()
    if current is None:
        current, leftovers = _workspace_files(repo, rel, result)
        scan.remove_leftovers(leftovers)
        if current is None:
            return result
    if only:
        part = f"{rel}/{only}"
        wanted = wanted.select(lambda p: at_or_under(p, part))
        current = {p: s for p, s in current.items() if at_or_under(p, part)}
    _leave_git_tracked(shared, rel, current, wanted, result)
    cached = _cached_oids(repo, current, wanted)
    if not ptr.is_dir and _folder_kept(rel, current, cached, force, result):
        return result
    _remove_extras(repo, current, wanted, cached, force, result)
    todo = _skip_blocked(_to_place(current, wanted, cached, force, result), result)
    _report_damaged(repo, wanted, result)
    place_all(repo, linker, todo, result, progress)
    if ptr.is_dir and not os.path.lexists(repo.abspath(rel)) and not result.conflicts:
        make_dirs(repo, rel, result)  # a tracked folder exists even when it is empty
    return result




def blame_damaged_indexes(repo: Repo, results: list[CheckoutResult]) -> None:
    """Name a damaged pack index of the cache as the cause of objects not being there (once
    per artifact, instead of a line per file), with the way to repair it."""
    damaged = repo.odb.damaged_files
    if not damaged:
        return
    first = os.path.relpath(damaged[0], repo.root)
    more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
    for r in results:
        if any(why in NOT_CACHED for _, why in r.failed):
            r.cause = f"the cache's pack index {first}{more} is damaged"
            r.hints.append("run 'mlgit fsck --repair' to set the damaged index aside, then"
                           " 'mlgit pull' to restore its objects from a remote")


def _wanted_in(rel: str, manifest: manifests.Manifest, among: set[str] | None
               ) -> FolderFiles:
    """What belongs where for the files of the folder at `rel` (only those `among` names,
    when given)."""
    if among is None:
        return FolderFiles(rel, manifest)
    paths = manifest.paths
    if len(among) * 32 < len(paths):  # a few files of many: found by bisection (sorted)
        found = []
        for name in among:
            i = bisect_left(paths, name)
            if i < len(paths) and paths[i] == name:
                found.append(i)
        return FolderFiles(rel, manifest, array("I", sorted(found)))
    return FolderFiles(rel, manifest, array("I", (i for i, path in enumerate(paths)
                                                  if path in among)))


def _leave_git_tracked(shared: Shared, rel: str, current: dict[str, FileState],
                       wanted: Wanted, result: CheckoutResult) -> None:
    """Never overwrite or remove a file Git tracks (committed beside the artifact's pointer):
    drop it, and whatever would go in its place, from the work to do. Git is asked (once
    per command) only when a workspace file differs from the pointer's version."""
    differing = [p for p, fs in current.items() if wanted.oid_of(p) != fs[0]]
    if not differing:
        return
    in_git = shared.in_git() & set(differing)
    for path in sorted(in_git):
        del current[path]
        for w in [w for w in wanted if at_or_under(w, path)]:
            wanted.drop(w)
        result.failed.append((path, "tracked by Git too; left as is"))
    if in_git:
        result.hints.append(f"{shell_command('git rm -r --cached', rel)} to leave it to mlgit,"
                            f" or remove the pointer {shell_word(pointer_path_for(rel))}"
                            " to leave it to Git")


def _remove_checkout_tmp(repo: Repo) -> None:
    """The folders an interrupted checkout was building (safe to delete, as we hold the repo
    lock)."""
    with contextlib.suppress(FileNotFoundError), os.scandir(repo.tmp_dir) as entries:
        for entry in entries:
            if entry.name.startswith(CHECKOUT_TMP) and entry.is_dir(follow_symlinks=False):
                import shutil  # (rarely needed: ~3 ms of imports)

                shutil.rmtree(entry.path, ignore_errors=True)


def _load_manifest(repo: Repo, ptr: Pointer, rel: str) -> manifests.Manifest:
    try:
        return repo.manifest(ptr.oid, f"{rel} (manifest {ptr.oid[:12]})")
    except manifests.ManifestMissing:
        raise MlgitError(MANIFEST_NOT_IN_CACHE) from None
    except manifests.ManifestCorrupt as exc:
        reason = corrupt_reason(repo, exc.corrupt).removeprefix("cache ")
        raise MlgitError(f"directory manifest {reason}") from None


def _workspace_files(repo: Repo, rel: str, result: CheckoutResult
                     ) -> tuple[dict[str, FileState] | None, list[str]]:
    """What is at the artifact's place now, {rel path: state} (None if it cannot proceed),
    and the temp files of interrupted commands found there."""
    abs_path = repo.abspath(rel)
    if not os.path.lexists(abs_path):
        return {}, []
    try:
        found = files_of(repo.state, repo.odb, abs_path, rel, strict=False, store=False,
                         jobs=repo.config.get("core.jobs"))
    except MlgitError as exc:
        result.failed.append((rel, exc.message))
        return None, []
    current = {(f"{rel}/{key}" if key else rel): fs for key, fs in found.files.items()}
    return _without_dangling_links(repo, current), found.leftovers


def _file_now(repo: Repo, rel: str) -> dict[str, FileState] | None:
    """What is at the place of the file artifact `rel` now, when that is a regular file or
    nothing; None for anything else (the scan of _workspace_files sorts that out)."""
    found = file_at(repo.state, repo.abspath(rel), rel)
    if found is None:
        return None
    return {rel: found} if found else {}


def _files_among(repo: Repo, rel: str, among: set[str]) -> dict[str, FileState] | None:
    """What is at the paths `among` (inside the folder artifact at `rel`) now, {rel path:
    state}; None when only a scan of the whole folder can tell (few_files.files_at)."""
    found = files_at(repo.state, repo.odb, repo.abspath(rel), rel, among,
                     repo.config.get("core.jobs"))
    if found is None:
        return None
    return _without_dangling_links(repo, {f"{rel}/{key}": fs for key, fs in found.items()})


def _without_dangling_links(repo: Repo, current: dict[str, FileState]
                            ) -> dict[str, FileState]:
    """Links into the cache whose object was set aside hold nothing: they are placed again
    like missing files, not left as is like edited ones."""
    gone = [p for p, fs in current.items()
            if fs[0] == scan.FOREIGN
            and scan.dangling_cache_link(repo.abspath(p), repo.cache_dir)]
    for path in gone:
        del current[path]
    return current


def _cached_oids(repo: Repo, current: dict[str, FileState], wanted: Wanted) -> set[str]:
    """Oids of workspace files that are safe to overwrite because the cache has them."""
    differing = {fs[0] for p, fs in current.items() if fs[0] and wanted.oid_of(p) != fs[0]}
    return differing - repo.odb.missing(differing)


def _remove_extras(repo: Repo, current: dict[str, FileState], wanted: Wanted,
                   cached: set[str], force: bool, result: CheckoutResult) -> None:
    for path, fs in current.items():
        if path in wanted:
            continue
        if fs[0] in cached or force:
            os.unlink(repo.abspath(path))
            result.removed.append(path)
        else:
            result.conflicts.append(path)
    if result.removed:
        _prune_empty_dirs(repo, {p.rpartition("/")[0] for p in result.removed}, result.path)


def _prune_empty_dirs(repo: Repo, folders: set[str], top: str) -> None:
    for folder in sorted(folders, key=len, reverse=True):
        while folder and folder != top and folder.startswith(top + "/"):
            try:
                os.rmdir(repo.abspath(folder))
            except OSError:
                break
            folder = folder.rpartition("/")[0]


def _to_place(current: dict[str, FileState], wanted: Wanted, cached: set[str],
              force: bool, result: CheckoutResult) -> Sequence[Place]:
    if not current:  # an empty work tree (a first checkout): all of it
        return wanted.todo()
    picked = wanted.new_picks()
    for path, oid, pick in wanted.entries():
        have = current.get(path)
        if have is None:
            picked.append(pick)  # type: ignore[arg-type]
        elif have[0] == oid:
            result.unchanged += 1
        elif have[0] in cached or force:
            picked.append(pick)  # type: ignore[arg-type]
        else:
            result.conflicts.append(path)
    return wanted.todo(picked)  # type: ignore[arg-type]


def _report_damaged(repo: Repo, wanted: Wanted, result: CheckoutResult) -> None:
    """Files left as is because they are hard links whose cache object was edited with them
    (mlgit.workspace.damage): say so, not just that they changed."""
    damaged = [p for p in result.conflicts
               if (oid := wanted.oid_of(p)) is not None
               and edited_through_link(repo.odb, repo.abspath(p), oid)]
    for path in damaged:
        result.conflicts.remove(path)
        result.failed.append((path, DAMAGED_LEFT))
    if damaged:
        result.hints.append(DAMAGED_HINT)


def _folder_kept(rel: str, current: dict[str, FileState], cached: set[str], force: bool,
                 result: CheckoutResult) -> bool:
    """A folder standing where the file artifact `rel` belongs is left as is, with one line
    for it (not one per file inside), unless --force or the cache holds all it holds: the
    rule for any other change made in the work tree."""
    inside = [fs[0] for p, fs in current.items() if p != rel]
    if not inside or force or all(oid in cached for oid in inside):
        return False
    result.failed.append((rel, FOLDER_IN_THE_WAY))
    result.hints.append(f"move the folder {shell_word(rel)} away, then run 'mlgit checkout'"
                        " again ('mlgit checkout --force' deletes it)")
    return True


FOLDER_IN_THE_WAY = "a folder stands where the tracked file must be; left as is"


def _skip_blocked(todo: Sequence[Place], result: CheckoutResult) -> Sequence[Place]:
    """Files whose folder is taken by a file that is left as is are not attempted: one line
    for the file in the way, not one per file that could not be placed."""
    if not result.conflicts:
        return todo
    conflicts = set(result.conflicts)
    blocked: set[str] = set()
    kept = []
    for p in todo:
        folder = p.rel.rpartition("/")[0]
        while folder and folder not in conflicts:
            folder = folder.rpartition("/")[0]
        if folder:
            blocked.add(folder)
        else:
            kept.append(p)
    for folder in sorted(blocked):
        result.conflicts.remove(folder)
        result.failed.append((folder, "a file stands where the tracked folder must be;"
                                      " left as is"))
        result.hints.append(f"move the file {folder} away, then run 'mlgit checkout' again"
                            " ('mlgit checkout --force' deletes it)")
    return kept
