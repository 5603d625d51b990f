"""mlgit status --remote: per artifact (and stage output mlgit.lock records), how many of
its objects are in the cache, on the remote, or in neither."""

from __future__ import annotations

from typing import NamedTuple

from mlgit.paths import artifact_path_for
from mlgit.pipeline.outputs import targets_with_outputs
from mlgit.remote.chunked import lacking_on_remote
from mlgit.remote.download import fetch
from mlgit.remote.open import jobs_for, open_store, remote_errors
from mlgit.remote.transfer import Mover
from mlgit.remote.urls import describe
from mlgit.repo import Repo
from mlgit.workspace.wants import (
    ManifestUnreadable,
    manifest_of,
    manifests_of,
    wants_for,
)


class RemoteStatus(NamedTuple):
    """Where one artifact's objects are. `objects` counts a folder's manifest too."""

    path: str
    pointer_rel: str
    objects: int
    in_cache: int
    on_remote: int
    nowhere: int  # in neither the cache nor the remote
    error: str = ""


def run_remote_status(repo: Repo, args: list[str], remote: str | None,
                      jobs: int | None = None) -> tuple[str, str, list[RemoteStatus]]:
    """Compare the cache and the remote per artifact. Folder manifests missing from the
    cache are fetched (they are needed to know what the folder holds)."""
    targets, broken = targets_with_outputs(repo, args)
    spec, store = open_store(repo, remote)
    rows = [RemoteStatus(artifact_path_for(b.pointer_rel), b.pointer_rel, 0, 0, 0, 0,
                         b.error.message) for b in broken]
    with repo.lock(), remote_errors(spec):
        mover = Mover(repo.odb, store, jobs_for(spec, jobs))
        fetch(mover, manifests_of(targets))
        per_target = []
        for target in targets:
            wants = wants_for(repo, target)
            if isinstance(wants, ManifestUnreadable):  # neither in the cache nor on the remote
                wants = [manifest_of(target)]
            per_target.append((target, {w.oid for w in wants}))
        every = set().union(*(oids for _, oids in per_target))
        cached = every - repo.odb.missing(every)
        packed = mover.packed()
        in_packs = {oid for oid in every if oid in packed}
        remote_has = in_packs | store.loose_present(every - in_packs, mover.map)
        # A chunk list on the remote whose chunks went (a pack deleted there) is not the file.
        remote_has -= lacking_on_remote(repo.odb, store, mover.map, packed,
                                        remote_has - in_packs).keys()
    for target, oids in per_target:
        rows.append(RemoteStatus(target.item.rel, target.item.pointer_rel, len(oids),
                                 len(oids & cached),
                                 len(oids & remote_has), len(oids - cached - remote_has)))
    return spec.name, describe(spec.url), rows
