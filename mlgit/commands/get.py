"""mlgit get: write one artifact (or a file or folder inside a tracked folder) as a revision
has it to any path, without touching the workspace, Git or the pointers. Objects the cache
lacks are fetched from a remote first; every byte written is verified against its oid."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from mlgit.errors import BadPath, MlgitError
from mlgit.fileio import exchange, temp_beside
from mlgit.git.revisions import RevisionTrees
from mlgit.paths import POINTER_SUFFIX, resolve_user_path
from mlgit.pipeline.at_revision import artifacts_at
from mlgit.repo import Repo
from mlgit.storage.objects import CorruptObject
from mlgit.workspace.targets import Broken, Target, Tracked, select_part
from mlgit.workspace.wants import Wanted


@dataclass
class GotData:
    rev: str
    commit: str
    path: str  # repo-relative, as the revision has it
    out: str  # where it was written
    files: int
    size: int
    fetched: int  # objects fetched from a remote first
    remote: str | None = None


def get(repo: Repo, rev: str, path: str, out: str | None, remote: str | None,
        force: bool = False) -> GotData:
    """Write `path` as of revision `rev` to `out` (default: its name in the current
    folder; into `out` when that is a folder). An existing file is not overwritten unless
    `force`."""
    trees = RevisionTrees(repo.root)
    found = artifacts_at(repo, trees, rev)
    rel = resolve_user_path(repo.root, path)
    target = _target(found.items, rel, path, rev, found.broken)
    dest = _destination(out, rel)
    fetched, remote_name = _fetch_missing(repo, target, remote)
    wants = _files(repo, target)
    if not force and _taken(dest):
        raise MlgitError(f"{dest}: exists",
                         "choose another place with -o, or overwrite it with --force")
    _refuse_special(dest)
    try:
        if any(where for _, where in wants) or not wants:  # a folder, or a part that is one
            _write_folder(repo, wants, dest)
        else:
            _write_or_explain(repo, wants[0][0].oid, dest)
    except OSError as exc:  # the place refuses writes: read-only, /proc, no permission...
        raise _unwritable(exc, dest) from None
    return GotData(rev, found.commit, rel, dest, len(wants), sum(w.size for w, _ in wants),
                   fetched, remote_name)


def _refuse_special(dest: str) -> None:
    """--force replaces regular files and folders only. Replacing a device, FIFO or socket
    (as root: /dev/full) or a symbolic link (/dev/stdout) by a regular file would break
    whatever else uses it."""
    import stat

    try:
        mode = os.lstat(dest).st_mode
    except OSError:
        return
    if stat.S_ISLNK(mode):
        what = "a symbolic link"
    elif stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    else:
        what = "not a regular file (a device, FIFO or socket)"
    raise MlgitError(f"{dest}: is {what}; get writes only regular files and folders, and"
                     " --force replaces nothing else", "choose another place with -o")


def _unwritable(exc: OSError, dest: str) -> MlgitError:
    from mlgit.fileio import disk_full_error, is_disk_full

    if is_disk_full(exc):
        return disk_full_error(exc, dest)
    why = exc.strerror or type(exc).__name__
    return MlgitError(f"{dest}: cannot write there ({why.lower()})",
                      "choose another place with -o (a folder you may write to)")


def _taken(dest: str) -> bool:
    """Whether something is at `dest` that writing there would overwrite or mix with (an
    empty folder holds nothing to lose)."""
    if os.path.isdir(dest) and not os.path.islink(dest):
        with os.scandir(dest) as entries:
            return next(entries, None) is not None
    return os.path.lexists(dest)


def _target(items: list[Tracked], rel: str, path: str, rev: str,
            broken: list[Broken]) -> Target:
    for item in items:
        if rel == item.rel:
            return Target(item, "")
        if item.ptr.is_dir and rel.startswith(item.rel + "/"):
            return Target(item, rel[len(item.rel) + 1:])
    for bad in broken:  # tracked there, by a pointer that cannot be read
        artifact = bad.pointer_rel.removesuffix(POINTER_SUFFIX)
        if rel == artifact or rel.startswith(artifact + "/"):
            raise bad.error
    raise BadPath(f"{path}: not tracked at {rev}",
                  f"run 'mlgit diff {rev}' or 'git show {rev} --stat' to see what it tracks")


def _destination(out: str | None, rel: str) -> str:
    name = rel.rpartition("/")[2]
    if out is None:
        return os.path.abspath(name)
    if os.path.isdir(out):
        return os.path.abspath(os.path.join(out, name))
    return os.path.abspath(out)


def _fetch_missing(repo: Repo, target: Target, remote: str | None) -> tuple[int, str | None]:
    """Fetch what the target needs that the cache lacks (its manifest first)."""
    needed = _needed(repo, target)
    if not needed:
        return 0, None
    from mlgit.remote.download import fetch
    from mlgit.remote.open import jobs_for, open_store, remote_errors
    from mlgit.remote.transfer import Mover

    spec, store = open_store(repo, remote)
    moved = 0
    with repo.lock(), remote_errors(spec, repo.cache_dir):
        mover = Mover(repo.odb, store, jobs_for(spec, None))
        while needed:  # a folder: its manifest, then its files
            result = fetch(mover, needed)
            if result.failed:
                failure = result.failed[0]
                raise MlgitError(f"{failure.path}: could not be fetched from remote"
                                 f" {spec.name} ({failure.kind.value})",
                                 "push it from a clone that has it, or check the remote")
            moved += len(needed)
            needed = _needed(repo, target)
    return moved, spec.name


def _needed(repo: Repo, target: Target) -> list[Wanted]:
    item = target.item
    if item.ptr.is_dir and not repo.odb.has(item.ptr.oid):
        return [Wanted(item.ptr.oid, -1, f"{item.rel} (folder manifest)")]
    return [want for want, _ in _files(repo, target) if not repo.odb.has(want.oid)]


def _files(repo: Repo, target: Target) -> list[tuple[Wanted, str]]:
    """Each object to write, and where below the destination ("" for the destination)."""
    item, sub = target
    if not item.ptr.is_dir:
        return [(Wanted(item.ptr.oid, item.ptr.size, item.rel), "")]
    manifest = repo.manifest(item.ptr.oid, item.rel)
    chosen = select_part(manifest, sub, item.rel)
    prefix = f"{sub}/" if sub else ""
    return [(Wanted(manifest.oids[i], manifest.sizes[i], f"{item.rel}/{manifest.paths[i]}"),
             manifest.paths[i][len(prefix):]) for i in chosen]


def _write_or_explain(repo: Repo, oid: str, dest: str) -> None:
    """_write, with what stands in the way (a folder where a file goes, a file where a
    folder goes; --force replaces files only) as an error of its own."""
    try:
        _write(repo, oid, dest)
    except IsADirectoryError:
        raise MlgitError(f"{dest}: is a folder, so the file cannot be written there",
                         "choose another place with -o (--force replaces files, never"
                         " folders)") from None
    except (FileExistsError, NotADirectoryError):
        blocker = _file_in_the_way(os.path.dirname(dest))
        raise MlgitError(f"{blocker}: is a file, so the folder {os.path.dirname(dest)}"
                         " cannot be made", "choose another place with -o, or remove"
                         f" {blocker}") from None
    except CorruptObject as exc:
        raise MlgitError(f"{dest}: not written: {exc}",
                         "run the same 'mlgit get' again: it fetches what the cache lacks"
                         " from the remote (-r names another)") from None


def _file_in_the_way(folder: str) -> str:
    """The part of the path `folder` that exists and is not a folder (below a file,
    nothing exists, so there is one at most)."""
    path = folder
    while path != os.path.dirname(path):
        if os.path.lexists(path) and not os.path.isdir(path):
            return path
        path = os.path.dirname(path)
    return folder


def _write_folder(repo: Repo, wants: list[tuple[Wanted, str]], dest: str) -> None:
    """The folder's files, exactly these, at `dest`: written into a new folder beside it,
    which then takes the place of what was there (swapped in one step where the system can),
    so no file of an old folder stays mixed in, and nothing is replaced if a write fails."""
    if os.path.lexists(dest) and not os.path.isdir(dest):  # a link to a folder is replaced
        raise MlgitError(f"{dest}: is a file, so the folder cannot be made there",
                         "choose another place with -o, or remove the file")
    parent = os.path.dirname(dest)
    _make_parent(parent)
    building = temp_beside(dest)
    try:
        os.mkdir(building)
        for want, where in wants:
            _write_or_explain(repo, want.oid, os.path.join(building, where))
        _put_in_place(building, dest)
    finally:
        if os.path.lexists(building):
            shutil.rmtree(building, ignore_errors=True)


def _make_parent(parent: str) -> None:
    try:
        os.makedirs(parent or ".", exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = _file_in_the_way(parent)
        raise MlgitError(f"{blocker}: is a file, so the folder {parent} cannot be made",
                         f"choose another place with -o, or remove {blocker}") from None


def _put_in_place(building: str, dest: str) -> None:
    """Move the finished folder `building` to `dest`; an old folder there goes, after."""
    if not os.path.lexists(dest):
        os.rename(building, dest)
        return
    if not exchange(building, dest):  # not Linux: two renames, with the old folder aside
        aside = temp_beside(dest)
        os.rename(dest, aside)
        try:
            os.rename(building, dest)
        except BaseException:
            os.rename(aside, dest)
            raise
        os.rename(aside, building)
    if os.path.islink(building):  # now what was at dest: a link to a folder, or the folder
        os.unlink(building)
    else:
        shutil.rmtree(building)


def _write(repo: Repo, oid: str, dest: str) -> None:
    """The object's verified bytes at `dest`, whole or not at all."""
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    tmp = temp_beside(dest)
    try:
        with repo.odb.open(oid) as reader, open(tmp, "wb") as f:
            while chunk := reader.read():
                f.write(chunk)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
