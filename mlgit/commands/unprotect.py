"""mlgit unprotect: turn linked (read-only) workspace files into private writable copies."""

from __future__ import annotations

import os

from mlgit.errors import MlgitError
from mlgit.fileio import temp_beside
from mlgit.hashing import hash_file
from mlgit.repo import Repo
from mlgit.storage.objects import CorruptObject
from mlgit.workspace.dangling import dangling_error
from mlgit.workspace.linker import copy_verified
from mlgit.workspace.placing import corrupt_reason
from mlgit.workspace.scan import cache_link_oid, dangling_cache_link
from mlgit.workspace.targets import Tracked, named_parts


class Unprotected:
    """The rel paths turned into copies, and the files that could not be (each with its
    error): one file that fails does not stop the others."""

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.failed: list[MlgitError] = []


def unprotect(repo: Repo, targets: list[str]) -> Unprotected:
    result = Unprotected()
    named = named_parts(repo, targets)
    with repo.lock():
        for item, sub in named:
            executable = _recorded_exec_bits(repo, item)
            for rel in _files_under(repo, f"{item.rel}/{sub}" if sub else item.rel):
                _unprotect_one(repo, rel, executable.get(rel, False), result)
    return result


def _unprotect_one(repo: Repo, rel: str, executable: bool, result: Unprotected) -> None:
    try:
        if _unprotect_file(repo, rel, executable):
            result.changed.append(rel)
    except MlgitError as exc:
        result.failed.append(exc)


def _recorded_exec_bits(repo: Repo, item: Tracked) -> dict[str, bool]:
    """The executable bit each file had when it was added (links cannot carry it)."""
    if not item.ptr.is_dir:
        return {item.rel: item.ptr.exec}
    try:
        manifest = repo.manifest(item.ptr.oid, item.pointer_rel)
    except (OSError, MlgitError):
        return {}
    return {f"{item.rel}/{path}": exe for path, exe in zip(manifest.paths, manifest.execs,
                                                         strict=True)}


def _files_under(repo: Repo, rel: str) -> list[str]:
    abs_path = repo.abspath(rel)
    if not os.path.isdir(abs_path) or os.path.islink(abs_path):
        return [rel] if os.path.lexists(abs_path) else []
    out = []
    for folder, _, files in os.walk(abs_path):
        for name in files:
            out.append(os.path.relpath(os.path.join(folder, name), repo.root).replace(os.sep, "/"))
    return out


def _unprotect_file(repo: Repo, rel: str, executable: bool) -> bool:
    abs_path = repo.abspath(rel)
    if dangling_cache_link(abs_path, repo.cache_dir):
        raise dangling_error(rel)
    oid = cache_link_oid(abs_path, repo.cache_dir) if os.path.islink(abs_path) else None
    if oid is None:
        oid = _hardlinked_oid(repo, abs_path)
    if oid is None:
        mode = os.stat(abs_path).st_mode
        if mode & 0o200:
            return False
        os.chmod(abs_path, mode | 0o200)
        return True
    tmp = temp_beside(abs_path)
    try:
        copy_verified(repo.odb, oid, tmp, executable=executable)
    except CorruptObject as exc:
        left = "the link now points nowhere" if os.path.islink(abs_path) \
            else "the file was left as is"
        raise MlgitError(f"{rel}: {corrupt_reason(repo, exc)}; {left}",
                         "restore the object from a remote with 'mlgit fetch', then run"
                         " 'mlgit checkout --force' on it") from None
    os.replace(tmp, abs_path)
    return True


def _hardlinked_oid(repo: Repo, abs_path: str) -> str | None:
    st = os.stat(abs_path)
    if st.st_nlink < 2:
        return None
    known = repo.state.get(os.path.relpath(abs_path, repo.root).replace(os.sep, "/"))
    oid = known.oid if known is not None else hash_file(abs_path)[0]
    return oid if repo.odb.holds(abs_path, oid) else None
