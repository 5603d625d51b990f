"""Workspace links into the cache (cache.link symlink) whose object was set aside: they point
nowhere until a fetch brings the object back and a checkout puts the link back."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mlgit.errors import BadPath
from mlgit.paths import artifact_path_for, shell_command

if TYPE_CHECKING:
    from mlgit.repo import Repo


def dangling_links(repo: Repo) -> list[str]:
    """Rel paths of tracked workspace files that are symlinks to an object this process set
    aside (nothing is looked at when none was)."""
    if "odb" not in repo.__dict__ or not repo.odb.set_aside_oids:
        return []
    gone = repo.odb.set_aside_files()
    found: list[str] = []
    for pointer_rel in repo.pointer_files():
        rel = artifact_path_for(pointer_rel)
        top = repo.abspath(rel)
        if os.path.isdir(top) and not os.path.islink(top):
            for folder, _, names in os.walk(top):
                found += [_rel(repo, os.path.join(folder, name)) for name in names
                          if _points_at(os.path.join(folder, name), gone)]
        elif _points_at(top, gone):
            found.append(rel)
    return sorted(found)


def _points_at(path: str, gone: set[str]) -> bool:
    return os.path.islink(path) and not os.path.exists(path) \
        and os.path.realpath(path) in gone


def _rel(repo: Repo, path: str) -> str:
    return os.path.relpath(path, repo.root).replace(os.sep, "/")


def dangling_error(rel: str) -> BadPath:
    """The error for a command that needs the content of a link that points nowhere."""
    return BadPath(f"{rel}: points nowhere: it is a link to a cache object that was set aside"
                   " (damaged) or deleted",
                   f"restore the object with 'mlgit fetch', then"
                   f" {shell_command('mlgit checkout', rel)} puts the link back")
