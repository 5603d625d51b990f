"""Target resolution shared by the commands: user paths -> tracked artifacts."""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Sequence

from mlgit.errors import BadPath, BadPointer, MlgitError
from mlgit.paths import (
    artifact_path_for,
    at_or_under,
    check_utf8,
    is_pointer_name,
    pointer_path_for,
    resolve_user_path,
    shell_command,
)
from mlgit.workspace.damage import pointer_size_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.pointer import Pointer
    from mlgit.repo import Repo
    from mlgit.storage.manifests import Manifest


class Tracked:
    """A tracked artifact: its pointer file, its path and what the pointer says.
    (Plain classes here rather than NamedTuples: `typing` costs a no-op status ~2 ms.)"""

    __slots__ = ("pointer_rel", "ptr", "rel")

    def __init__(self, pointer_rel: str, rel: str, ptr: Pointer) -> None:
        self.pointer_rel, self.rel, self.ptr = pointer_rel, rel, ptr

    def __repr__(self) -> str:
        return f"Tracked({self.pointer_rel!r}, {self.rel!r}, {self.ptr!r})"


class Broken:
    """A pointer file that could not be read."""

    __slots__ = ("error", "pointer_rel")

    def __init__(self, pointer_rel: str, error: MlgitError) -> None:
        self.pointer_rel, self.error = pointer_rel, error

    def __repr__(self) -> str:
        return f"Broken({self.pointer_rel!r}, {self.error!r})"

    def refusal(self, command: str) -> MlgitError:
        """The error of a command that must not run while it cannot read this pointer (gc:
        deleting objects the pointer might name could lose data)."""
        why = self.error.message.removeprefix(f"{self.pointer_rel}: ")
        return MlgitError(f"{self.pointer_rel}: cannot read pointer ({why}); {command} would"
                          " not know what it references",
                          f"{self.error.hint}; then rerun {command}" if self.error.hint
                          else f"fix or remove that pointer file, then rerun {command}")


FolderLinks = dict[str, str | None]
"""link_outside's answers by folder, kept while one list of pointers is read (folders can
become links between commands, so nothing is kept longer)."""


def load(repo: Repo, pointer_rel: str, links: FolderLinks | None = None) -> Tracked:
    folder = pointer_rel.rpartition("/")[0]
    if folder:
        _refuse_linked_out(repo.root, folder, pointer_rel, links)
    ptr = repo.read_pointer(pointer_rel)
    return Tracked(pointer_rel, repo.artifact_rel(pointer_rel, ptr), ptr)


def _refuse_linked_out(root: str, folder: str, pointer_rel: str,
                       links: FolderLinks | None) -> None:
    """A pointer whose folder resolves outside the work tree (a folder above it is a link)
    is not used: its data would be read and written outside the repository."""
    link = link_outside(root, folder, links)
    if link is not None:
        raise BadPointer(f"{pointer_rel}: its folder {link} is a link to a folder outside the"
                         " repository, so mlgit does not use this pointer",
                         f"replace the link {link} with a real folder, or run mlgit in the"
                         " repository the link points into")


def link_outside(root: str, folder: str, links: FolderLinks | None = None) -> str | None:
    """The folder at or above `folder` that is a link resolving outside `root`, if any
    ("" is the root itself: None). `links` keeps the answers for folders asked again."""
    if links is None:
        return _link_outside(root, folder)
    if folder not in links:
        links[folder] = _link_outside(root, folder)
    return links[folder]


def _link_outside(root: str, folder: str) -> str | None:
    if not folder:
        return None
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, folder))
    if real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    parts = folder.split("/")
    for i in range(1, len(parts) + 1):
        top = "/".join(parts[:i])
        if os.path.islink(os.path.join(real_root, top)):
            resolved = os.path.realpath(os.path.join(real_root, top))
            if not resolved.startswith(real_root.rstrip(os.sep) + os.sep):
                return top
    return folder


def size_error(repo: Repo, item: Tracked) -> BadPointer | None:
    """A BadPointer if the pointer's size (or file count) disagrees with its content, as far
    as the cache can tell (mlgit.workspace.damage)."""
    manifest = None
    if item.ptr.is_dir:
        try:
            manifest = repo.manifest(item.ptr.oid, f"{item.rel} (manifest {item.ptr.oid[:12]})")
        except MlgitError:  # not in the cache, corrupt or unsafe
            return None  # reported by the command itself
    return pointer_size_error(repo.odb, item.pointer_rel, item.rel, item.ptr, manifest)


def all_tracked(repo: Repo) -> list[Tracked | Broken]:
    items: list[Tracked | Broken] = []
    links: FolderLinks = {}
    for pointer_rel in repo.pointer_files():
        try:
            items.append(load(repo, pointer_rel, links))
        except MlgitError as exc:
            items.append(Broken(pointer_rel, exc))
    return items


def tracked_targets(repo: Repo, args: list[str]) -> list[Tracked]:
    """The artifacts named by user paths (the data path or its pointer file)."""
    found: dict[str, Tracked] = {}
    for arg in args:
        rel, pointer_rel = named_path(repo, arg)
        _refuse_folder_pointer(repo, pointer_rel)
        if not os.path.isfile(repo.abspath(pointer_rel)):
            raise BadPath(f"{arg}: not tracked by mlgit ({pointer_rel} does not exist)",
                          _untracked_hint(repo, rel))
        found.setdefault(pointer_rel, load(repo, pointer_rel))
    repo.remove_leftovers_beside(list(found))
    return list(found.values())


def named_path(repo: Repo, arg: str) -> tuple[str, str]:
    """A user path -> (its repo-relative path, the pointer file of what it names): an artifact
    is named by its data path or by its pointer file, NAME or NAME.mlgit."""
    rel = resolve_user_path(repo.root, arg)
    return rel, rel if is_pointer_name(rel) else pointer_path_for(rel)


def _refuse_folder_pointer(repo: Repo, pointer_rel: str) -> None:
    if os.path.isdir(repo.abspath(pointer_rel)):
        raise BadPath(f"{pointer_rel}: is a folder, not a pointer file",
                      f"rename or move the folder {pointer_rel}; a pointer file must have that"
                      " name")


def _untracked_hint(repo: Repo, rel: str) -> str:
    pointer_rel = containing_pointer(repo, rel)
    if pointer_rel is not None:
        parent = artifact_path_for(pointer_rel)
        return f"it is inside the tracked directory {parent}; name that instead"
    return "run 'mlgit ls' to see what is tracked, or 'mlgit add' to track it"


def containing_pointer(repo: Repo, rel: str, pointers: list[str] | None = None) -> str | None:
    """The pointer of the tracked folder that `rel` lies inside, if any (`pointers`: the
    repository's pointer files, when the caller has listed them already)."""
    for pointer_rel in repo.pointer_files() if pointers is None else pointers:
        if rel.startswith(artifact_path_for(pointer_rel) + "/"):
            return pointer_rel
    return None


if TYPE_CHECKING:
    from typing import NamedTuple

    class Target(NamedTuple):
        """A tracked artifact named by the user, or a part of a tracked folder."""

        item: Tracked
        sub: str  # "" for the whole artifact, else a path inside the tracked folder
else:  # the same, without importing typing at run time
    Target = namedtuple("Target", "item sub")


def resolve_target(repo: Repo, arg: str, pointers: list[str] | None = None) -> Target:
    """A user path: a tracked artifact (its data path or its pointer file) or a path inside
    a tracked folder (`pointers`: as for containing_pointer)."""
    rel, pointer_rel = named_path(repo, arg)
    _refuse_folder_pointer(repo, pointer_rel)
    if os.path.isfile(repo.abspath(pointer_rel)):
        return Target(load(repo, pointer_rel), "")
    folder = containing_pointer(repo, rel, pointers)
    if folder is not None:
        check_utf8([rel])
        return Target(load(repo, folder), rel[len(artifact_path_for(folder)) + 1:])
    raise BadPath(f"{arg}: not tracked by mlgit ({pointer_rel} does not exist)",
                  "run 'mlgit ls' to see what is tracked, or 'mlgit add' to track it")


def resolve_targets(repo: Repo, args: list[str]) -> list[Target]:
    """Each user path's target, duplicates dropped."""
    targets: dict[tuple[str, str], Target] = {}
    pointers = repo.pointer_files() if len(args) > 1 else None  # listed once for them all
    for arg in args:
        target = resolve_target(repo, arg, pointers)
        targets.setdefault((target.item.pointer_rel, target.sub), target)
    repo.remove_leftovers_beside([pointer_rel for pointer_rel, _ in targets])
    return list(targets.values())


def select_part(manifest: Manifest, sub: str, rel: str) -> Sequence[int]:
    """Indexes of the manifest entries at or under `sub` (all when `sub` is "")."""
    if not sub:
        return range(len(manifest))
    chosen = [i for i, p in enumerate(manifest.paths) if at_or_under(p, sub)]
    if not chosen:
        raise BadPath(f"{rel}/{sub}: no such file or folder in the tracked folder {rel}",
                      f"run {shell_command('mlgit status', rel)} to see what it holds")
    return chosen


def check_part(target: Target) -> None:
    """A path inside a tracked artifact must be inside a tracked folder."""
    item, sub = target
    if sub and not item.ptr.is_dir:
        raise BadPath(f"{item.rel}/{sub}: {item.rel} is a file, not a folder",
                      f"name {item.rel} itself")


def check_part_exists(repo: Repo, target: Target) -> None:
    """A path inside a tracked folder must be in the workspace or in the folder's manifest.
    (A manifest that cannot be read is left for the command to report.)"""
    check_part(target)
    item, sub = target
    if not sub or os.path.lexists(repo.abspath(f"{item.rel}/{sub}")):
        return
    try:
        manifest = repo.manifest(item.ptr.oid, f"{item.rel} (manifest {item.ptr.oid[:12]})")
    except MlgitError:  # not in the cache, corrupt or unsafe
        return
    select_part(manifest, sub, item.rel)


def named_parts(repo: Repo, args: list[str]) -> list[Target]:
    """The target of each user path: a tracked artifact, or a path inside a tracked folder
    that is in the workspace or in the folder's manifest."""
    named = resolve_targets(repo, args)
    for target in named:
        check_part_exists(repo, target)
    repo.remove_leftovers_beside([t.item.pointer_rel for t in named])
    return named


def parts_or_all(repo: Repo, args: list[str]) -> list[tuple[Tracked | Broken, str]]:
    """(artifact, part or "") for the user paths; without any, every artifact whole."""
    if args:
        return [(t.item, t.sub) for t in named_parts(repo, args)]
    return [(item, "") for item in all_tracked(repo)]
