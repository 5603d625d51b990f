"""The run-cache on a remote (`push --run-cache`, `fetch/pull --run-cache`): which records
travel, and the outputs they name as targets of a transfer. The commands wire in the
remote; nothing here knows one.

A record is written only once every object it names is in place (on the remote after a
push, in the cache after a fetch): a reader never finds a record whose outputs it cannot
get."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mlgit.pipeline import runcache
from mlgit.pipeline.lockfile import Hashed
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace.targets import Target, Tracked

Runs = dict[str, dict[str, Hashed]]
"""Run-cache records by key: the outputs each names."""


def complete_local_runs(repo: Repo) -> Runs:
    """The cache's records whose objects are all in the cache (only those can be pushed)."""
    runs = {}
    for key in runcache.keys(repo):
        outs = runcache.read_entry(repo, key)
        if outs is not None and runcache.complete(repo, outs):
            runs[key] = outs
    return runs


def new_runs(repo: Repo, remote_keys: Iterable[str],
             read_all: Callable[[list[str]], list[bytes | None]]) -> Runs:
    """The remote's records the cache lacks that read as sound (`read_all` reads records
    from the remote, None for one gone since the listing). A remote is untrusted: the other
    records are skipped."""
    keys = sorted(set(remote_keys) - set(runcache.keys(repo)))
    runs = {}
    for key, data in zip(keys, read_all(keys), strict=True):
        outs = runcache.decode(data) if data is not None else None
        if outs is not None:
            runs[key] = outs
    return runs


def run_targets(runs: Runs) -> dict[str, list[Target]]:
    """The outputs each record names, as targets of a transfer (failures name the record:
    these paths are not the work tree's)."""
    return {key: [Target(Tracked(f"run-cache record {key[:12]}",
                                 f"{path} (run-cache record {key[:12]})", _pointer(path, h)), "")
                  for path, h in outs.items()] for key, outs in runs.items()}


def _pointer(path: str, h: Hashed) -> Pointer:
    kind = "file" if h.nfiles is None else "dir"
    return Pointer(kind, path.rpartition("/")[2], h.oid, h.size, h.nfiles)


def to_publish(runs: Runs, on_remote: set[str], needs: dict[str, set[str]],
               failed: set[str]) -> dict[str, bytes]:
    """After a push: the records the remote lacks whose objects (`needs`, by key) did not
    fail, encoded."""
    return {key: runcache.encode(outs) for key, outs in runs.items()
            if key not in on_remote and not needs[key] & failed}


def keep_fetched(repo: Repo, runs: Runs) -> int:
    """After a fetch: write the records whose objects are now all in the cache; how many."""
    kept = 0
    for key, outs in runs.items():
        if runcache.complete(repo, outs):
            runcache.write_entry(repo, key, runcache.encode(outs))
            kept += 1
    return kept
