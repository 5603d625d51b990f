"""Artifacts that mlgit put in the work tree and whose pointer is gone (typically after
`git checkout` of a branch that does not track them): `mlgit checkout` removes them, so the
work tree matches the pointers and `git status` does not show them as untracked.

Only files mlgit put there are removed, and only when they are unchanged since (their content
is the version mlgit recorded) and that content is in the cache. Anything else stays, with a
warning saying why. The record of what mlgit put where lives in the state DB (State.placed);
without it (state DB deleted), nothing is removed.
"""

from __future__ import annotations

import contextlib
import os

from mlgit.checkout import Result
from mlgit.errors import MlgitError
from mlgit.odb import CorruptObject
from mlgit.paths import at_or_under, pointer_path_for
from mlgit.repo import Repo
from mlgit.workspace import FileState, files_of

CHANGED = "changed since mlgit put it there"
NOT_CACHED = "its content is not in the cache"


class Orphan(Result):
    """What happened to one artifact that is no longer tracked. `kept` lists files left in
    place with the reason; `foreign` counts files inside it that mlgit did not put there."""

    __slots__ = ("foreign", "kept")

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.kept: list[tuple[str, str]] = []
        self.foreign = 0


def remove_orphans(repo: Repo, tracked: set[str]) -> list[Orphan]:
    """Remove what mlgit put in the work tree for artifacts not in `tracked` (the artifact
    paths of every pointer file now). The caller holds the repo lock."""
    results = []
    for rel, versions in sorted(repo.state.placed().items()):
        if rel in tracked or os.path.lexists(repo.abspath(pointer_path_for(rel))):
            continue  # still tracked: checkout takes care of it
        if any(at_or_under(rel, t) for t in tracked):
            repo.state.forget_placed(rel)  # now part of a tracked folder: that one owns it
            continue
        result = _remove_one(repo, rel, versions, tracked)
        if result is not None:
            results.append(result)
    return results


def _remove_one(repo: Repo, rel: str, versions: list[tuple[str, str]],
                tracked: set[str]) -> Orphan | None:
    if not os.path.lexists(repo.abspath(rel)):
        repo.state.forget_placed(rel)
        return None
    result = Orphan(rel)
    try:
        expected = _expected(repo, rel, versions)
        current = files_of(repo.state, repo.odb, repo.abspath(rel), rel, strict=False,
                           store=False, jobs=repo.config.get("core.jobs"))
    except MlgitError as exc:
        result.kept.append((rel, exc.message))
        return result
    inner = [t for t in tracked if at_or_under(t, rel)]
    removable: dict[str, str] = {}
    for key, fs in current.items():
        path = f"{rel}/{key}" if key else rel
        if inner and any(at_or_under(path, t) for t in inner):
            continue  # belongs to an artifact tracked now
        if path not in expected:
            result.foreign += 1
        elif _same(fs, expected[path]):
            removable[path] = fs[0]
        else:
            result.kept.append((path, CHANGED))
    missing = repo.odb.missing(set(removable.values()))
    for path, oid in removable.items():
        if oid in missing:
            result.kept.append((path, NOT_CACHED))
            continue
        try:
            os.unlink(repo.abspath(path))
        except OSError as exc:
            result.failed.append((path, f"cannot remove it: {exc.strerror}"))
            result.hints.append("fix what stops its removal (for example the folder's"
                                " permissions), then run 'mlgit checkout' again")
            continue
        result.removed.append(path)
    _prune_empty_dirs(repo, rel, result.removed)
    if not result.kept and not result.failed:
        repo.state.forget_placed(rel)
    return result


def _same(fs: FileState, oids: set[str]) -> bool:
    return bool(fs[0]) and fs[0] in oids


def _expected(repo: Repo, rel: str, versions: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Every file mlgit put at `rel` -> the oids it put there."""
    expected: dict[str, set[str]] = {}
    for kind, oid in versions:
        if kind != "dir":
            expected.setdefault(rel, set()).add(oid)
            continue
        try:
            manifest = repo.manifest(oid, f"{rel} (manifest {oid[:12]})")
        except (FileNotFoundError, CorruptObject):
            raise MlgitError("cannot tell which files mlgit put there: its folder manifest"
                             f" {oid[:12]} is not in the cache") from None
        for path, file_oid in zip(manifest.paths, manifest.oids, strict=True):
            expected.setdefault(f"{rel}/{path}", set()).add(file_oid)
    return expected


def _prune_empty_dirs(repo: Repo, rel: str, removed: list[str]) -> None:
    """Remove the folders that removing files emptied, up to and including `rel`."""
    folders = {p.rpartition("/")[0] for p in removed if p != rel}
    for folder in sorted(folders, key=len, reverse=True):
        while at_or_under(folder, rel):
            with contextlib.suppress(OSError):
                os.rmdir(repo.abspath(folder))
            if os.path.lexists(repo.abspath(folder)):
                break
            folder = folder.rpartition("/")[0]
