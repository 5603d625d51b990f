"""mlgit diff: which data changed between two revisions, or a revision and the workspace —
added, modified, deleted and renamed artifacts and files inside tracked folders, with sizes.

A side is what its pointer files and mlgit.lock files record: a revision's are read from
Git's objects, the workspace's from the work tree (data changed but not yet added or
reproduced shows in `mlgit status`, not here). Files inside a folder come from the folder's
manifests; a manifest not in the cache is named, and that folder is compared whole."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlgit.git.revisions import RevisionTrees
from mlgit.paths import artifact_path_for, is_pointer_name
from mlgit.pipeline.at_revision import artifacts_at
from mlgit.pipeline.outputs import recorded_outputs
from mlgit.pipeline.sides import WORKSPACE, compared_revisions
from mlgit.repo import Repo
from mlgit.storage.manifests import ManifestUnavailable
from mlgit.workspace.targets import Broken, Tracked, all_tracked


@dataclass(frozen=True)
class _Entry:
    oid: str
    size: int
    is_dir: bool


@dataclass
class Change:
    """`path` from the repository root (a folder ends with "/"); `old_path` for a rename;
    `size` the new size (the old one for a deletion), `old_size` the old one."""

    path: str
    size: int
    old_size: int | None = None
    old_path: str | None = None


@dataclass
class MissingManifest:
    path: str
    oid: str
    side: str


@dataclass
class Unreadable:
    """A pointer or lock file that cannot be read on `side`: its artifact is compared on
    neither side (a lock file's outputs, only on that side)."""

    file: str
    side: str
    message: str
    hint: str


@dataclass
class DataDiff:
    old: str
    new: str
    added: list[Change] = field(default_factory=list)
    modified: list[Change] = field(default_factory=list)
    deleted: list[Change] = field(default_factory=list)
    renamed: list[Change] = field(default_factory=list)
    missing_manifests: list[MissingManifest] = field(default_factory=list)
    errors: list[Unreadable] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.modified or self.deleted or self.renamed)


def diff(repo: Repo, revs: list[str]) -> DataDiff:
    """No revision: HEAD against the workspace; one: it against the workspace; two: the
    first against the second."""
    old_name, new_rev = compared_revisions(repo.root, revs, "mlgit diff [A [B]]")
    new_name = WORKSPACE if new_rev is None else new_rev
    trees = RevisionTrees(repo.root)
    result = DataDiff(old_name, new_name)
    old = _side(repo, trees, old_name, result)
    new = _side(repo, trees, new_name, result)
    unknown = {m.path for m in result.missing_manifests}
    for error in result.errors:
        if is_pointer_name(error.file):
            rel = artifact_path_for(error.file)
            old.pop(rel, None)
            new.pop(rel, None)
            unknown.add(rel + "/")
    _compare(old, new, unknown, result)
    return result


def _side(repo: Repo, trees: RevisionTrees, name: str, result: DataDiff) -> dict[str, _Entry]:
    items: list[Tracked | Broken]
    if name == WORKSPACE:
        items = [*all_tracked(repo), *recorded_outputs(repo)]
    elif name == "HEAD" and trees.unborn:
        items = []
    else:
        found = artifacts_at(repo, trees, name)
        items = [*found.items, *found.broken]
    entries: dict[str, _Entry] = {}
    for item in items:
        if isinstance(item, Broken):
            result.errors.append(Unreadable(item.pointer_rel, name, item.error.message,
                                            item.error.hint))
            continue
        ptr = item.ptr
        entries[item.rel] = _Entry(ptr.oid, ptr.size, ptr.is_dir)
        if ptr.is_dir:
            try:
                manifest = repo.manifest(ptr.oid, item.rel)
            except ManifestUnavailable:
                result.missing_manifests.append(MissingManifest(item.rel + "/", ptr.oid, name))
                continue
            for path, oid, size in zip(manifest.paths, manifest.oids, manifest.sizes,
                                       strict=True):
                entries[f"{item.rel}/{path}"] = _Entry(oid, size, False)
    return entries


def _compare(old: dict[str, _Entry], new: dict[str, _Entry], unknown: set[str],
             result: DataDiff) -> None:
    """Fill `result`; inside a folder whose manifest is missing on either side, only the
    folder itself is compared."""
    def known(path: str) -> bool:
        return not any(path.startswith(folder) for folder in unknown)

    old = {p: e for p, e in old.items() if known(p)}
    new = {p: e for p, e in new.items() if known(p)}
    added = {p for p in new if p not in old}
    deleted = {p for p in old if p not in new}
    _match_renames(old, new, added, deleted, result)
    for path in sorted(added):
        result.added.append(Change(_shown(path, new[path]), new[path].size))
    for path in sorted(deleted):
        result.deleted.append(Change(_shown(path, old[path]), old[path].size))
    for path in sorted(p for p in new.keys() & old.keys() if new[p].oid != old[p].oid):
        result.modified.append(Change(_shown(path, new[path]), new[path].size, old[path].size))


def _match_renames(old: dict[str, _Entry], new: dict[str, _Entry], added: set[str],
                   deleted: set[str], result: DataDiff) -> None:
    """A deleted path and an added one with the same content are a rename: folders first
    (their files then go with them), then files."""
    for folders in (True, False):
        gone: dict[tuple[str, bool], list[str]] = {}
        for path in sorted(deleted):
            if old[path].is_dir == folders:
                gone.setdefault((old[path].oid, folders), []).append(path)
        for path in sorted(added):
            if new[path].is_dir != folders:
                continue
            was = gone.get((new[path].oid, folders))
            if not was:
                continue
            old_path = was.pop(0)
            added.discard(path)
            deleted.discard(old_path)
            result.renamed.append(Change(_shown(path, new[path]), new[path].size,
                                         old_path=_shown(old_path, old[old_path])))
            if folders:
                added.difference_update({p for p in added if p.startswith(path + "/")})
                deleted.difference_update({p for p in deleted if p.startswith(old_path + "/")})
    result.renamed.sort(key=lambda c: c.path)


def _shown(path: str, entry: _Entry) -> str:
    return path + "/" if entry.is_dir else path
