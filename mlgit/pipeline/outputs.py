"""The stage outputs mlgit.lock records, as artifacts `mlgit checkout` can restore from the
cache like those that pointer files name."""

from __future__ import annotations

from mlgit.paths import resolve_user_path
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.lockfile import LockFiles
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace.targets import Tracked


def recorded_outputs(repo: Repo) -> list[Tracked]:
    """Each cached output of a declared stage with an entry in its mlgit.lock; the lock
    file stands where a pointer file would (messages name it)."""
    locks = LockFiles(repo.root)
    found = []
    for stage in load_pipeline(repo.root).stages:
        entry = locks.entries(stage.lock_file).get(stage.name)
        if entry is None:
            continue
        for out in stage.outs:
            h = entry.outs.get(out.path)
            if out.cache and h is not None:
                kind = "file" if h.nfiles is None else "dir"
                ptr = Pointer(kind, out.path.rpartition("/")[2], h.oid, h.size, h.nfiles)
                found.append(Tracked(stage.lock_file, out.path, ptr))
    return found


def split_targets(repo: Repo, outputs: list[Tracked], targets: list[str]
                  ) -> tuple[list[Tracked], list[str]]:
    """The outputs the user paths name, and the paths that name none (left to the pointer
    files)."""
    by_rel = {o.rel: o for o in outputs}
    named, rest = [], []
    for target in targets:
        rel = resolve_user_path(repo.root, target)
        if rel in by_rel:
            named.append(by_rel[rel])
        else:
            rest.append(target)
    return named, rest
