"""Where parameter and metric values are read from: the work tree or a Git revision. Every
reader of those files takes a Side, so comparing any two of them is the same code."""

from __future__ import annotations

import os
from collections.abc import Callable

from mlgit.errors import MlgitError

FileReader = Callable[[str], bytes | None]
"""Reads a repo-relative file's bytes; None when that side has no such file."""

WORKSPACE = "workspace"


class Side:
    """`name` is "workspace" or the revision as given; `empty` says the revision has no
    commit yet (a fresh repository), so it has no files."""

    __slots__ = ("empty", "name", "read")

    def __init__(self, name: str, read: FileReader, empty: bool = False) -> None:
        self.name, self.read, self.empty = name, read, empty

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Side)
                and (self.name, self.read, self.empty) == (other.name, other.read, other.empty))

    def __hash__(self) -> int:
        return hash((self.name, self.read, self.empty))

    def __repr__(self) -> str:
        return f"Side(name={self.name!r}, read={self.read!r}, empty={self.empty!r})"


def workspace_side(root: str) -> Side:
    return Side(WORKSPACE, workspace_reader(root))


def revision_side(root: str, rev: str) -> Side:
    from mlgit.git.revisions import revision_reader

    read = revision_reader(root, rev)
    if read is None:
        return Side(rev, _nothing, empty=True)
    return Side(rev, read)


def _nothing(rel: str) -> bytes | None:
    return None


def workspace_reader(root: str) -> FileReader:
    def read(rel: str) -> bytes | None:
        try:
            with open(os.path.join(root, rel), "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except IsADirectoryError:
            raise MlgitError(f"{rel}: is a folder, not a file",
                             "name a file in mlgit.yaml, or move the folder away") from None
        except OSError as exc:
            raise MlgitError(f"{rel}: cannot be read: {exc.strerror}",
                             "check the file's permissions") from None

    return read


def compared_sides(root: str, old: str, new: str | None) -> tuple[Side, Side]:
    """Revision `old` and revision `new`, or the work tree when `new` is None (either, when
    it is WORKSPACE)."""
    return _named_side(root, old), (workspace_side(root) if new is None
                                    else _named_side(root, new))


def _named_side(root: str, name: str) -> Side:
    return workspace_side(root) if name == WORKSPACE else revision_side(root, name)


def revisions_and_files(root: str, words: list[str], max_revs: int = 2
                        ) -> tuple[list[str], list[str]]:
    """Split `words` as `git diff` does: the leading ones Git knows as revisions (at most
    `max_revs`) that name no file in the current folder are revisions, the rest files."""
    from mlgit.git.revisions import is_revision, revision_reader

    revs: list[str] = []
    for word in words:
        if len(revs) == max_revs or os.path.lexists(word):
            break
        if word not in ("HEAD", WORKSPACE) and not is_revision(root, word):
            if "." not in word and "/" not in word:  # no file name: a mistyped revision
                revision_reader(root, word)  # raises the error naming it
            break
        revs.append(word)
    return revs, words[len(revs):]


def compared_revisions(root: str, revs: list[str], usage: str) -> tuple[str, str | None]:
    """The two sides `revs` name, the work tree as None. No revision: HEAD against the work
    tree; one: it against the work tree; two: the first against the second; more: an error
    whose hint shows `usage`. The word WORKSPACE names the work tree too (it is the work
    tree's name in the output); when Git also knows a revision by that name, which one is
    meant cannot be told, and it is refused, as Git refuses an ambiguous argument."""
    if len(revs) > 2:
        raise MlgitError(f"too many revisions: {' '.join(revs)}",
                         f"give at most two: '{usage}'")
    if WORKSPACE in revs:
        _refuse_ambiguous_workspace(root)
    return (revs[0] if revs else "HEAD"), (revs[1] if len(revs) > 1 else None)


def _refuse_ambiguous_workspace(root: str) -> None:
    from mlgit.git.revisions import is_revision

    if is_revision(root, WORKSPACE):
        raise MlgitError(f"ambiguous argument '{WORKSPACE}': both a Git revision (a branch,"
                         " tag or commit of that name) and the work tree",
                         f"for the revision, write it unambiguously ('heads/{WORKSPACE}',"
                         f" 'tags/{WORKSPACE}' or its commit id); for the work tree, leave"
                         " the last revision out")


def sides_for(root: str, revs: list[str], usage: str) -> tuple[Side, Side]:
    """The sides `revs` name (compared_revisions)."""
    return compared_sides(root, *compared_revisions(root, revs, usage))
