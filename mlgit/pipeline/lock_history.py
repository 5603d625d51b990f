"""Which Git commit recorded a stage's mlgit.lock entry as the work tree has it now."""

from __future__ import annotations

from collections.abc import Iterator

from mlgit.git.history import Commit, commits_changing, contents_at
from mlgit.git.revisions import file_at_revision
from mlgit.pipeline.load import PipelineError
from mlgit.pipeline.lockfile import SCHEMA, LockEntry, dumps, loads

_BATCH = 16
"""Versions of the lock file read from Git at a time, newest first: the walk usually stops
at the first one or two."""


class LockHistory:
    """The history of one lock file, read from Git as far as a question needs it."""

    def __init__(self, root: str, lock_rel: str, rev: str = "HEAD") -> None:
        """`rev`: the revision whose history it is (HEAD: the current branch's)."""
        self.root, self.lock_rel, self.rev = root, lock_rel, rev
        self._head: bytes | None = None
        self._commits: list[Commit] | None = None
        self._texts: list[bytes | None] = []
        self._parsed: dict[bytes, dict[str, LockEntry]] = {}

    def entry_commit(self, name: str, entry: LockEntry) -> Commit | None:
        """The commit that last changed stage `name`'s entry to `entry`: the oldest of the
        newest run of commits whose lock file holds `entry`. None when the lock file at the
        revision (HEAD) does not hold it (the entry is not committed)."""
        if self._head is None:
            self._head = file_at_revision(self.root, self.rev, self.lock_rel) or b""
        block = dumps({name: entry}, self.lock_rel).removeprefix(
            f"schema: {SCHEMA}\nstages:\n").encode("utf-8", "surrogateescape")
        if not self._holds(self._head, name, entry, block):
            return None
        found = None
        for commit, text in self._versions():
            if text is None or not self._holds(text, name, entry, block):
                break
            found = commit
        return found

    def _versions(self) -> Iterator[tuple[Commit, bytes | None]]:
        if self._commits is None:
            self._commits = commits_changing(self.root, self.lock_rel, self.rev)
        for i, commit in enumerate(self._commits):
            if i == len(self._texts):
                shas = [c.sha for c in self._commits[i:i + _BATCH]]
                self._texts += contents_at(self.root, self.lock_rel, shas)
            yield commit, self._texts[i]

    def _holds(self, text: bytes, name: str, entry: LockEntry, block: bytes) -> bool:
        """Whether the lock file `text` records `entry` for stage `name`: its `block` found
        as mlgit writes it, or else parsed (a version edited by hand, or written by another
        mlgit)."""
        if b"\n" + block + b"\n" in text or text.endswith(b"\n" + block):
            return True
        if text not in self._parsed:
            try:
                self._parsed[text] = loads(text, self.lock_rel)
            except PipelineError:  # a version mlgit cannot read: no entry of it counts
                self._parsed[text] = {}
        return self._parsed[text].get(name) == entry
