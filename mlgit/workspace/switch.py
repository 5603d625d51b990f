"""What a branch switch must look at inside a tracked folder: the files whose content differs
between the folder's version on the branch that was left and on the one checked out.

When mlgit put the old version there in full (the state DB's record of what was placed), the
files that are the same in both versions are already right, or were changed by the user, and
a switch leaves those alone as Git leaves edited files it does not have to touch. So a switch
between versions that differ in 100 of 20,000 files reads the two manifests and looks at
those 100 files only (each checked, as a full checkout would, before it is replaced or
removed). Otherwise the whole folder is compared (None)."""

from __future__ import annotations

from mlgit.errors import MlgitError
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.storage.manifests import Manifest


def changed_inside(repo: Repo, rel: str, old: Pointer, new: Pointer) -> set[str] | None:
    """The paths inside the folder artifact at `rel` that a switch from its version `old` to
    `new` must look at; None when the whole folder must be compared (not a folder in both,
    the work tree does not hold `old` as mlgit put it there, or a manifest is unavailable)."""
    if not (old.is_dir and new.is_dir):
        return None
    if repo.state.placed_at(rel) != [(old.kind, old.oid)]:
        return None
    try:
        before = repo.manifest(old.oid, f"{rel} (manifest {old.oid[:12]})")
        after = repo.manifest(new.oid, f"{rel} (manifest {new.oid[:12]})")
    except MlgitError:
        return None
    return differing(before, after)


def differing(before: Manifest, after: Manifest) -> set[str]:
    """The paths added, removed, or with other content (or executable bit) between two
    versions of a folder."""
    if before.paths == after.paths:  # the usual case: the same files, some edited
        changed = {path for path, a, b in zip(before.paths, before.oids, after.oids,
                                              strict=True) if a != b}
        if before.execs != after.execs:
            changed.update(path for path, x, y in zip(before.paths, before.execs,
                                                      after.execs, strict=True) if x != y)
        return changed
    old = dict(zip(before.paths, zip(before.oids, before.execs, strict=True), strict=True))
    new = dict(zip(after.paths, zip(after.oids, after.execs, strict=True), strict=True))
    return {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
