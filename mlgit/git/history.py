"""What Git's history says about one path: the commits that changed it, its content at a
commit, whether the work tree differs from HEAD. Paths are repo-relative and taken
literally (no pathspec magic)."""

from __future__ import annotations

from dataclasses import dataclass

from mlgit.errors import MlgitError
from mlgit.git.repository import _git, _has_head

_FORMAT = "--format=%H%x00%aI%x00%an%x00%s%x00"
_FIELDS = 4


@dataclass(frozen=True)
class Commit:
    """A commit as `git log` shows it: full id, author date (ISO 8601), author, subject."""

    sha: str
    date: str
    author: str
    subject: str


def last_commit(root: str, path: str, rev: str = "HEAD") -> Commit | None:
    """The newest commit reachable from `rev` that changed `path`; None if there is none
    (never committed, or no commit at all)."""
    found = _log(root, path, "-1", rev=rev)
    return found[0] if found else None


def commits_changing(root: str, path: str, rev: str = "HEAD") -> list[Commit]:
    """Every commit reachable from `rev` that changed `path`, newest first."""
    return _log(root, path, rev=rev)


def _log(root: str, path: str, *options: str, rev: str = "HEAD") -> list[Commit]:
    try:
        out = _git(root, "log", *options, "--no-color", _FORMAT, rev, "--", _literal(path))
    except MlgitError:
        if _has_head(root):
            raise
        return []  # nothing committed yet
    fields = [f.decode("utf-8", "replace").strip("\n") for f in out.split(b"\0")]
    return [Commit(*fields[i:i + _FIELDS])
            for i in range(0, len(fields) - _FIELDS + 1, _FIELDS)]


def contents_at(root: str, path: str, revisions: list[str]) -> list[bytes | None]:
    """The content of the file `path` at each revision (None where it is no file there),
    all in one `git cat-file --batch`."""
    if not revisions or "\n" in path:  # a name cat-file's batch cannot take
        return [None] * len(revisions)
    asked = "".join(f"{rev}:{path}\n" for rev in revisions).encode("utf-8", "surrogateescape")
    out = _git(root, "cat-file", "--batch", stdin=asked)
    found: list[bytes | None] = []
    pos = 0
    for _ in revisions:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "NAME missing"
            found.append(None)
            continue
        size = int(header[2])
        found.append(out[pos:pos + size] if header[1] == b"blob" else None)
        pos += size + 1
    return found


def changed_paths(root: str, paths: list[str]) -> set[str]:
    """Which of `paths` (files or folders) differ in the work tree or Git's index from
    HEAD: changed, staged, new, deleted or renamed, at or under them. Ignored files do not
    count. One `git status`."""
    if not paths:
        return set()
    out = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--",
               *map(_literal, paths))
    asked = set(paths)
    found: set[str] = set()
    records = out.split(b"\0")
    i = 0
    while i < len(records):
        record = records[i].decode("utf-8", "surrogateescape")
        i += 1
        if len(record) < 4:
            continue
        changed = [record[3:]]
        if "R" in record[:2] or "C" in record[:2]:  # the next record is where it came from
            changed.append(records[i].decode("utf-8", "surrogateescape"))
            i += 1
        for path in changed:
            found.update(_at_or_above(path, asked))
    return found


def _at_or_above(path: str, asked: set[str]) -> list[str]:
    """The paths of `asked` at or above `path`."""
    found = []
    top = path.rstrip("/")
    while top:
        if top in asked:
            found.append(top)
        top = top.rpartition("/")[0]
    return found


def _literal(path: str) -> str:
    return ":(literal)" + path
