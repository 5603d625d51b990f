"""What the Git history still needs of the objects a gc (of the cache or of a remote) would
delete, for its message: a gc that keeps only the work tree and HEAD says how much of what it
deletes older commits reference, chunks of their chunked files included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mlgit.git.revisions import RevisionTrees, chosen_revisions
from mlgit.pipeline.at_revision import artifacts_at
from mlgit.repo import Repo
from mlgit.storage import garbage
from mlgit.storage.manifests import ManifestUnavailable


@dataclass
class History:
    """What the Git history says about the objects gc would delete: how many of them some
    commit not kept still needs (counted when --all-commits was not given), and the folders
    at kept revisions whose manifest is not in the cache (their files are unknown)."""

    needed: int = 0
    needed_bytes: int = 0
    flag: str = "--all-commits"  # what keeps them
    unknown_folders: list[str] = field(default_factory=list)  # "PATH at REV"
    unreadable: list[str] = field(default_factory=list)  # files at kept revisions, why


def files_of(repo: Repo, oid: str, rel: str) -> Sequence[str] | None:
    """The objects a folder's manifest lists; None when the cache lacks it."""
    try:
        return repo.manifest(oid, rel).oids
    except ManifestUnavailable:
        return None


def count_needed_by_history(repo: Repo, unused: dict[str, int], history: History,
                             trees: RevisionTrees) -> None:
    """How many of `unused` some commit of the history references (its pointers or lock
    files name them, or a cached manifest of its folders does); unreadable files in old
    commits are skipped here, as this only informs."""
    needed: set[str] = set()
    folders: dict[str, str] = {}
    for revision in chosen_revisions(trees, [], all_commits=True):
        for item in artifacts_at(repo, trees, revision.commit).items:
            needed.add(item.ptr.oid)
            if item.ptr.is_dir:
                folders.setdefault(item.ptr.oid, item.rel)
    for oid, rel in folders.items():
        needed.update(files_of(repo, oid, rel) or [])
    found = garbage.with_chunks(repo.odb, needed) & unused.keys()  # a list needs its chunks
    history.needed = len(found)
    history.needed_bytes = sum(unused[oid] for oid in found)
