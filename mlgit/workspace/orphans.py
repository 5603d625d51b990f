"""Artifacts that mlgit put in the work tree and whose pointer is gone (typically after
`git checkout` of a branch that does not track them): `mlgit checkout` removes them, so the
work tree matches the pointers and `git status` does not show them as untracked.

Only files mlgit put there are removed, never a file Git tracks (a branch that moved the
folder into Git: it is Git's now, and mlgit forgets it), and only when they are unchanged
since (their content is the version mlgit recorded) and that content is in the cache.
Anything else stays, with a warning saying why. The record of what mlgit put where lives
in the state DB (State.placed); without it (state DB deleted), nothing is removed.
"""

from __future__ import annotations

import contextlib
import os

from mlgit.errors import MlgitError
from mlgit.git.repository import tracked_under
from mlgit.paths import at_or_under, pointer_path_for
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestUnavailable
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.scan import FileState, files_of, remove_leftovers
from mlgit.workspace.targets import FolderLinks, link_outside

CHANGED = "changed since mlgit put it there"
NOT_CACHED = "its content is not in the cache"


class Orphan(CheckoutResult):
    """What happened to one artifact that is no longer tracked. `kept` lists files left in
    place with the reason; `foreign` counts files inside it that mlgit did not put there;
    `in_git` lists the files left in place because Git tracks them."""

    __slots__ = ("foreign", "in_git", "kept")

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.kept: list[tuple[str, str]] = []
        self.foreign = 0
        self.in_git: list[str] = []


def remove_orphans(repo: Repo, tracked: set[str]) -> list[Orphan]:
    """Remove what mlgit put in the work tree for artifacts not in `tracked` (the artifact
    paths of every pointer file now). The caller holds the repo lock."""
    candidates = []
    for rel, versions in sorted(repo.state.placed().items()):
        if rel in tracked or os.path.lexists(repo.abspath(pointer_path_for(rel))):
            continue  # still tracked: checkout takes care of it
        if any(at_or_under(rel, t) for t in tracked):
            repo.state.forget_placed(rel)  # now part of a tracked folder: that one owns it
            continue
        if not os.path.lexists(repo.abspath(rel)):
            repo.state.forget_placed(rel)
            continue
        candidates.append((rel, versions))
    results: list[Orphan] = []
    links: FolderLinks = {}
    for rel, _ in list(candidates):
        link = link_outside(repo.root, rel.rpartition("/")[0], links)
        if link is not None:
            results.append(_linked_out(rel, link))
            candidates.remove((rel, _))
    in_git = tracked_under(repo.root, [rel for rel, _ in candidates])
    for rel, versions in candidates:
        results.append(_remove_one(repo, rel, versions, tracked, set(in_git.get(rel, ()))))
    return results


def _linked_out(rel: str, link: str) -> Orphan:
    """Never remove anything through a link to a folder outside the repository."""
    result = Orphan(rel)
    result.failed.append((rel, f"its folder {link} is a link to a folder outside the"
                               " repository; not removed"))
    result.hints.append(f"replace the link {link} with a real folder")
    return result


def _remove_one(repo: Repo, rel: str, versions: list[tuple[str, str]],
                tracked: set[str], in_git: set[str]) -> Orphan:
    result = Orphan(rel)
    try:
        found = files_of(repo.state, repo.odb, repo.abspath(rel), rel, strict=False,
                         store=False, jobs=repo.config.get("core.jobs"))
        remove_leftovers(found.leftovers)
        current = found.files
        expected = _expected(repo, rel, versions) if not _all_in_git(rel, current, in_git) else {}
    except MlgitError as exc:
        result.kept.append((rel, exc.message))
        return result
    inner = [t for t in tracked if at_or_under(t, rel)]
    removable: dict[str, str] = {}
    for key, fs in current.items():
        path = f"{rel}/{key}" if key else rel
        if inner and any(at_or_under(path, t) for t in inner):
            continue  # belongs to an artifact tracked now
        if path in in_git:
            result.in_git.append(path)  # Git's now, whatever its content
        elif path not in expected:
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
    result.in_git.sort()
    if not result.kept and not result.failed:
        repo.state.forget_placed(rel)
    return result


def _all_in_git(rel: str, current: dict[str, FileState], in_git: set[str]) -> bool:
    return bool(in_git) and all((f"{rel}/{key}" if key else rel) in in_git for key in current)


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
        except ManifestUnavailable:
            raise MlgitError("cannot tell which files mlgit put there: its folder manifest"
                             f" {oid[:12]} is not in the cache") from None
        for path, file_oid in zip(manifest.paths, manifest.oids, strict=True):
            expected.setdefault(f"{rel}/{path}", set()).add(file_oid)
    return expected


def _prune_empty_dirs(repo: Repo, rel: str, removed: list[str]) -> None:
    """Remove the folders that removing files emptied, up to and including `rel`, and, once
    the artifact is gone, the folders above it that held nothing else (as Git does when it
    removes a file): a folder holding anything, or that this removal did not empty, stays."""
    folders = {p.rpartition("/")[0] for p in removed if p != rel}
    for folder in sorted(folders, key=len, reverse=True):
        while at_or_under(folder, rel):
            with contextlib.suppress(OSError):
                os.rmdir(repo.abspath(folder))
            if os.path.lexists(repo.abspath(folder)):
                break
            folder = folder.rpartition("/")[0]
    if removed and not os.path.lexists(repo.abspath(rel)):
        _prune_above(repo, rel.rpartition("/")[0])


def _prune_above(repo: Repo, folder: str) -> None:
    """`folder` and the folders above it, while each is empty (never the repository root)."""
    while folder:
        try:
            os.rmdir(repo.abspath(folder))
        except OSError:
            return
        folder = folder.rpartition("/")[0]
