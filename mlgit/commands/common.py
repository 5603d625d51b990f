"""Target resolution shared by the commands: user paths -> tracked artifacts."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from mlgit.errors import BadPath, MlgitError
from mlgit.paths import artifact_path_for, is_pointer_name, pointer_path_for, resolve_user_path

if TYPE_CHECKING:
    from mlgit.pointer import Pointer
    from mlgit.repo import Repo


class Tracked(NamedTuple):
    pointer_rel: str
    rel: str
    ptr: Pointer


class Broken(NamedTuple):
    """A pointer file that could not be read."""

    pointer_rel: str
    error: MlgitError


def load(repo: Repo, pointer_rel: str) -> Tracked:
    ptr = repo.read_pointer(pointer_rel)
    return Tracked(pointer_rel, repo.artifact_rel(pointer_rel, ptr), ptr)


def all_tracked(repo: Repo) -> list[Tracked | Broken]:
    items: list[Tracked | Broken] = []
    for pointer_rel in repo.pointer_files():
        try:
            items.append(load(repo, pointer_rel))
        except MlgitError as exc:
            items.append(Broken(pointer_rel, exc))
    return items


def tracked_targets(repo: Repo, args: list[str]) -> list[Tracked]:
    """The artifacts named by user paths (the data path or its pointer file)."""
    found: dict[str, Tracked] = {}
    for arg in args:
        rel = resolve_user_path(repo.root, arg)
        pointer_rel = rel if is_pointer_name(rel) else pointer_path_for(rel)
        if not os.path.isfile(repo.abspath(pointer_rel)):
            raise BadPath(f"{arg}: not tracked by mlgit ({pointer_rel} does not exist)",
                          _untracked_hint(repo, rel))
        found.setdefault(pointer_rel, load(repo, pointer_rel))
    return list(found.values())


def _untracked_hint(repo: Repo, rel: str) -> str:
    pointer_rel = containing_pointer(repo, rel)
    if pointer_rel is not None:
        parent = artifact_path_for(pointer_rel)
        return f"it is inside the tracked directory {parent}; name that instead"
    return "run 'mlgit ls' to see what is tracked, or 'mlgit add' to track it"


def containing_pointer(repo: Repo, rel: str) -> str | None:
    """The pointer of the tracked folder that `rel` lies inside, if any."""
    for pointer_rel in repo.pointer_files():
        if rel.startswith(artifact_path_for(pointer_rel) + "/"):
            return pointer_rel
    return None


def quarantine_folder(repo: Repo) -> str:
    """The cache's folder of corrupt copies set aside, relative to the repository root."""
    from mlgit.odb import QUARANTINE_DIR

    return os.path.relpath(os.path.join(repo.odb.root, QUARANTINE_DIR), repo.root)
