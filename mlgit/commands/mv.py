"""mlgit mv: move a tracked artifact -- its data, its pointer file (whose `path` names the
new place) and its .gitignore entry -- in one step.

The steps are ordered so that an interruption at any moment loses nothing: the new pointer
and .gitignore entry are written first, then the data is renamed (one atomic rename), and
only then are the old .gitignore entry and pointer removed. Until the old pointer is gone,
running the same command again finishes the move.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass

from mlgit import pointer
from mlgit.errors import BadPath, MlgitError
from mlgit.fileio import is_disk_full, reporting_disk_full, write_atomic
from mlgit.git import repository
from mlgit.paths import (
    artifact_path_for,
    at_or_under,
    check_utf8,
    pointer_path_for,
    resolve_user_path,
)
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace import gitignore
from mlgit.workspace.targets import Tracked, containing_pointer, named_path, resolve_target

EXISTS_HINT = "choose another name, or move or remove it first"


@dataclass
class Moved:
    src: str
    dst: str
    src_pointer: str
    dst_pointer: str
    data_moved: bool  # False when the data was not in the work tree: only the pointer moved
    git_add: list[str]


def mv(repo: Repo, src_arg: str, dst_arg: str) -> Moved:
    with repo.lock():
        src = _source(repo, src_arg)
        dst = _destination(repo, dst_arg, src)
        new_pointer = _moved_pointer(src.ptr, dst)
        resuming = _resuming(repo, dst, new_pointer)
        _check_free(repo, src, dst, resuming)
        with reporting_disk_full(repo.root):
            data_moved = _move(repo, src, dst, new_pointer, resuming)
        repo.state.flush()
    return Moved(src.rel, dst, src.pointer_rel, pointer_path_for(dst), data_moved,
                 _git_add(repo, src.rel, dst))


def _source(repo: Repo, arg: str) -> Tracked:
    item, sub = resolve_target(repo, arg)
    if sub:
        part = f"{item.rel}/{sub}"
        raise BadPath(f"{arg}: is inside {item.rel}, which is tracked as a whole",
                      f"move it with 'mv', then record both places in {item.rel} with"
                      f" 'mlgit add {part} NEW-PLACE'")
    return item


def _destination(repo: Repo, arg: str, src: Tracked) -> str:
    """The repo-relative path the artifact moves to: DST, or DST/NAME when DST is an existing
    folder (or is written with a trailing slash)."""
    name = src.rel.rpartition("/")[2]
    absolute = os.path.normpath(os.path.abspath(arg))
    if os.path.realpath(absolute) == os.path.realpath(repo.root):
        rel = name  # the top of the repository: move into it
    else:
        rel, pointer_rel = named_path(repo, arg)
        if rel == pointer_rel and not os.path.isdir(repo.abspath(rel)):
            rel = artifact_path_for(rel)  # named by its pointer file, as SRC may be
        into = arg.endswith(("/", os.sep)) or os.path.isdir(repo.abspath(rel))
        if into and not _resuming(repo, rel, _moved_pointer(src.ptr, rel)):
            rel = f"{rel}/{name}"
    # again, whole: a folder moved into may be a link leading out of the repository
    rel = resolve_user_path(repo.root, repo.abspath(rel))
    check_utf8([rel])
    gitignore.check_name(rel)
    if rel == src.rel:
        raise BadPath(f"{arg}: is where {src.rel} already is", "name another place")
    if at_or_under(rel, src.rel):
        raise BadPath(f"{arg}: is inside {src.rel}, which cannot move into itself",
                      "name a place outside it")
    folder = containing_pointer(repo, rel)
    if folder is not None:
        inside = artifact_path_for(folder)
        raise BadPath(f"{rel}: is inside {inside}, which is tracked as a whole",
                      f"move it elsewhere; to make it part of {inside}, copy it there and"
                      f" run 'mlgit add {rel}'")
    _check_not_ignored(repo, rel)
    return rel


def _check_not_ignored(repo: Repo, rel: str) -> None:
    """A pointer file that Git ignores would not be committed, and mlgit would not see it."""
    pointer_rel = pointer_path_for(rel)
    if repository.ignored(repo.root, [pointer_rel]):
        raise BadPath(f"{pointer_rel}: Git ignores this path, so the moved pointer would be"
                      " neither committed nor seen by mlgit",
                      "move it to a folder Git does not ignore, or add a '!' rule for it to"
                      " the .gitignore that ignores it")


def _moved_pointer(ptr: Pointer, dst: str) -> bytes:
    moved = Pointer(ptr.kind, dst.rpartition("/")[2], ptr.oid, ptr.size, ptr.files, ptr.exec,
                    dict(ptr.extra))
    return pointer.dumps(moved)


def _resuming(repo: Repo, dst: str, new_pointer: bytes) -> bool:
    """Whether an earlier `mlgit mv` of the same artifact to `dst` was interrupted: the new
    pointer is there, byte for byte, and the old one still is (checked by the caller)."""
    try:
        with open(repo.abspath(pointer_path_for(dst)), "rb") as f:
            return f.read() == new_pointer
    except OSError:
        return False


def _check_free(repo: Repo, src: Tracked, dst: str, resuming: bool) -> None:
    data_at_src = os.path.lexists(repo.abspath(src.rel))
    data_at_dst = os.path.lexists(repo.abspath(dst))
    # after an interruption the data may already be at dst, but never at both places
    if data_at_dst and not (resuming and not data_at_src):
        raise BadPath(f"{dst}: already exists", EXISTS_HINT)
    if not resuming and os.path.lexists(repo.abspath(pointer_path_for(dst))):
        raise BadPath(f"{pointer_path_for(dst)}: already exists", EXISTS_HINT)


def _move(repo: Repo, src: Tracked, dst: str, new_pointer: bytes, resuming: bool) -> bool:
    """Write the new pointer and .gitignore entry, rename the data, then remove the old
    pointer and entry. Returns whether data was renamed."""
    dst_pointer = repo.abspath(pointer_path_for(dst))
    folder = dst_pointer.rpartition("/")[0]
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise MlgitError(f"{dst.rpartition('/')[0]}: cannot create folder: {exc.strerror}",
                         "fix the cause, or name another place") from None
    if not resuming:
        _write_new(dst_pointer, new_pointer, pointer_path_for(dst))
    added_entry = gitignore.add_entry(repo.root, dst)
    try:
        data_moved = _rename_data(repo, src.rel, dst)
    except BaseException:
        if not resuming:  # nothing moved: take back what was written
            with contextlib.suppress(OSError):
                os.unlink(dst_pointer)
        if added_entry is not None:
            with contextlib.suppress(OSError):
                gitignore.remove_entry(repo.root, dst)
        raise
    # the entry first: a crash between the two leaves the old pointer, so running the
    # command again finds the move to finish
    gitignore.remove_entry(repo.root, src.rel)
    os.unlink(repo.abspath(src.pointer_rel))
    if data_moved:
        repo.state.moved(src.rel, dst)
    return data_moved


def _write_new(path: str, data: bytes, rel: str) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        if is_disk_full(exc):
            raise  # said as every command says it
        raise MlgitError(f"{rel}: cannot write the pointer file: {exc.strerror}",
                         "fix the cause, or name another place") from None


def _rename_data(repo: Repo, src: str, dst: str) -> bool:
    if not os.path.lexists(repo.abspath(src)):
        return False  # not in the work tree (or already moved): only the pointer moves
    try:
        os.rename(repo.abspath(src), repo.abspath(dst))
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            raise MlgitError(f"{src}: cannot be moved to {dst}, which is on another file"
                             " system", f"move the data yourself (mv), then run 'mlgit add"
                             f" {dst}' and 'mlgit rm {src}'") from None
        raise MlgitError(f"{src}: cannot be moved to {dst}: {exc.strerror}",
                         "fix the cause and run the same command again") from None
    return True


def _git_add(repo: Repo, src: str, dst: str) -> list[str]:
    """The paths `git add` must be given to record the move: the new pointer and .gitignore,
    and the old ones where they still exist or Git tracks them (then it records their
    removal; a path that is neither would make git add fail)."""
    old = [pointer_path_for(src), _gitignore_of(src)]
    tracked = repository.tracked_under(repo.root, old)
    paths = [pointer_path_for(dst), _gitignore_of(dst)]
    paths += [p for p in old if p in tracked or os.path.lexists(repo.abspath(p))]
    return sorted(set(paths))


def _gitignore_of(rel: str) -> str:
    folder = rel.rpartition("/")[0]
    return f"{folder}/.gitignore" if folder else ".gitignore"
