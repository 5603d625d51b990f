"""After add has built an artifact: checking that its files did not change while they were
read, writing its pointer file, and replacing workspace copies by links into the cache when
a link type is configured."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from mlgit import pointer
from mlgit.errors import BadPath, MlgitError
from mlgit.fileio import write_atomic
from mlgit.paths import pointer_path_for, shell_command, to_rel
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestMissing
from mlgit.workspace.linker import Linker
from mlgit.workspace.scan import FileState


@dataclass
class Added:
    path: str
    pointer_path: str
    ptr: Pointer
    status: str  # "added", "updated" or "unchanged"


def stat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def check_file_unchanged(repo: Repo, rel: str, ptr: Pointer,
                          before: os.stat_result | None) -> None:
    """Refuse a file that changed while it was read (a checkpoint still being written): its
    pointer's size and oid would describe two different files."""
    now = stat_or_none(repo.abspath(rel))
    if before is None or now is None or (
            now.st_size != ptr.size and not stat.S_ISLNK(now.st_mode)) or (
            before.st_ino, before.st_mtime_ns, before.st_size) != (
            now.st_ino, now.st_mtime_ns, now.st_size):
        raise _changed_while_added(rel)


def check_files_unchanged(repo: Repo, rel: str, files: dict[str, FileState],
                           started: int) -> None:
    """Refuse a folder with a file that changed while the folder was read: one whose size is
    not the one recorded, or written since this add began (by this machine's clock)."""
    top = repo.abspath(rel)
    for inner, (_, size, _) in files.items():
        st = stat_or_none(f"{top}/{inner}")
        if st is not None and stat.S_ISLNK(st.st_mode):
            continue  # mlgit's own link into the cache: it stands for its object
        if st is None or st.st_size != size or st.st_mtime_ns >= started:
            raise _changed_while_added(f"{rel}/{inner}")


def _changed_while_added(rel: str) -> MlgitError:
    return MlgitError(f"{rel}: changed while it was being added (is it still being written?);"
                      " nothing was recorded",
                      "add it again once it is written completely")


def unreadable(repo: Repo, rel: str, exc: OSError) -> BaseException:
    """A file or folder of the artifact that cannot be read (no permission, I/O error, gone
    while adding) is the user's to fix: say which. Any other OSError stays unexpected."""
    top = repo.abspath(rel)
    where = exc.filename if isinstance(exc.filename, str) else ""
    if where != top and not where.startswith(top + "/"):
        return exc
    why = exc.strerror or type(exc).__name__
    fix = "then add it again" if where == top else f"or move it out of {rel}"
    return BadPath(f"{to_rel(repo.root, where)}: cannot read it ({why})",
                   f"make it readable (check its permissions and owner), {fix}")


def write_pointer(repo: Repo, rel: str, ptr: Pointer) -> Added:
    pointer_rel = pointer_path_for(rel)
    abs_pointer = repo.abspath(pointer_rel)
    old = old_pointer(abs_pointer, pointer_rel)
    if old is not None:
        ptr.extra = old.extra
        if old.kind == ptr.kind == "file" and old.oid == ptr.oid \
                and _already_linked(repo, rel, ptr.oid):
            # A hardlink or symlink into the cache shows the object's read-only mode, which
            # says nothing about the file's executable bit: keep the recorded one.
            ptr.exec = old.exec
        if (old.oid, old.kind, old.exec, old.size, old.files) \
                == (ptr.oid, ptr.kind, ptr.exec, ptr.size, ptr.files):
            return Added(rel, pointer_rel, ptr, "unchanged")
    write_atomic(abs_pointer, pointer.dumps(ptr))
    return Added(rel, pointer_rel, ptr, "added" if old is None else "updated")


def old_pointer(abs_pointer: str, pointer_rel: str) -> Pointer | None:
    try:
        with open(abs_pointer, "rb") as f:
            return pointer.loads(f.read(), pointer_rel)
    except (FileNotFoundError, MlgitError):
        return None  # a missing or unreadable pointer is simply re-created


def link_workspace(repo: Repo,
                    built: list[tuple[str, Pointer, dict[str, FileState] | None]]) -> None:
    """With hardlink/symlink configured, replace workspace copies by links into the cache."""
    links = repo.config.get("cache.link")
    if links[0] not in ("hardlink", "symlink"):
        return
    linker = Linker(repo.odb, links)
    for rel, ptr, files in built:
        pairs = [(rel, ptr.oid)] if files is None else [
            (f"{rel}/{p}", fs[0]) for p, fs in files.items()]
        for path, oid in pairs:
            if not _already_linked(repo, path, oid):
                linker.place(oid, repo.abspath(path))
                repo.state.remember(path, os.stat(repo.abspath(path)), oid)


def _already_linked(repo: Repo, rel: str, oid: str) -> bool:
    return repo.odb.holds(repo.abspath(rel), oid)


def check_recorded_version_known(repo: Repo, rel: str, ptr: Pointer) -> None:
    """Re-adding a tracked folder with fewer files than its pointer records, while the
    recorded manifest cannot be read (a clone before `mlgit pull`): some recorded files are
    not on disk, and whether they were deleted on purpose cannot be told. Refused, unless
    forced, so that the folder is not silently recorded as the few files on disk."""
    pointer_rel = pointer_path_for(rel)
    old = old_pointer(repo.abspath(pointer_rel), pointer_rel)
    if old is None or old.files is None or ptr.files is None or old.oid == ptr.oid \
            or ptr.files >= old.files:
        return
    try:
        recorded = repo.manifest(old.oid, f"{rel} (manifest {old.oid[:12]})")
    except ManifestMissing:
        why = "is not in the cache"
    except MlgitError:  # corrupt or unsafe
        why = "is corrupt in the cache"
    else:
        _check_some_recorded_file_here(repo, rel, recorded.paths, ptr.files)
        return
    files = f"{old.files} file{'s' if old.files != 1 else ''}"
    raise BadPath(f"{rel}: the folder's recorded version ({files}) {why}, so mlgit cannot"
                  " tell which files were deleted on purpose",
                  f"run {shell_command('mlgit pull', rel)} first, or"
                  f" {shell_command('mlgit add --force', rel)} to record only what is here")


def _check_some_recorded_file_here(repo: Repo, rel: str, recorded: Sequence[str],
                                   now: int) -> None:
    """None of a folder's recorded files on disk (fetched but never checked out, say): adding
    would record only the few files there. Refused unless forced, like the case above."""
    top = repo.abspath(rel)
    if not recorded or any(os.path.lexists(os.path.join(top, p)) for p in recorded):
        return
    raise BadPath(f"{rel}: none of the {len(recorded)} files its pointer records are in the"
                  f" work tree, so adding it would record only the {now} here",
                  f"run {shell_command('mlgit checkout', rel)} first, or"
                  f" {shell_command('mlgit add --force', rel)} to record only what is here")
