"""Files as a Git revision has them, read from Git's objects with pygit2 (never from the work
tree). pygit2 is imported when one of these is called: it costs ~0.1 s of start-up."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from mlgit.errors import MlgitError

RevisionReader = Callable[[str], bytes | None]

_LINK_MODE = 0o120000
_MAX_LINKS = 8  # symbolic links followed inside the revision before giving up


def revision_reader(root: str, rev: str) -> RevisionReader | None:
    """A function reading a repo-relative file's bytes as revision `rev` (say "HEAD") of the
    repository at `root` has it (None for a path the revision does not have as a file).
    None instead of a function when `rev` is HEAD and nothing is committed yet; an unknown
    revision raises MlgitError."""
    import pygit2

    repo = pygit2.Repository(root)
    if rev == "HEAD" and repo.head_is_unborn:
        return None
    try:
        tree = repo.revparse_single(rev).peel(pygit2.Commit).tree
    except (KeyError, ValueError, pygit2.GitError):
        raise MlgitError(f"unknown revision {rev!r}",
                         "name a commit, branch or tag ('git log' lists commits)") from None

    def read(rel: str) -> bytes | None:
        return _blob_at(repo, tree, rel)

    return read


def file_at_revision(root: str, rev: str, rel: str) -> bytes | None:
    """The bytes of the repo-relative file `rel` at revision `rev`; None when the revision
    does not have it, or `rev` is HEAD and nothing is committed yet."""
    read = revision_reader(root, rev)
    return read(rel) if read is not None else None


def _blob_at(repo: Any, tree: Any, rel: str) -> bytes | None:
    """A blob's bytes; a symbolic link is followed while its target stays in the tree."""
    for _ in range(_MAX_LINKS):
        try:
            entry = tree[rel]
        except (KeyError, ValueError):
            return None
        if entry.type_str != "blob":
            return None
        data: bytes = repo[entry.id].data
        if entry.filemode != _LINK_MODE:
            return data
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel),
                                                   data.decode("utf-8", "surrogateescape")))
        if target.startswith(("/", "../")) or target in ("..", "."):
            return None
        rel = target
    return None
