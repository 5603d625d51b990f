"""`push --run-cache` and `fetch/pull --run-cache`: the run-cache's entries
(pipeline/runcache.py) travel between the cache and a remote, with the outputs they name.

An entry is written only once every object it names is in place (on the remote after a push,
in the cache after a fetch): a reader never finds an entry whose outputs it cannot get."""

from __future__ import annotations

from mlgit.pipeline import runcache
from mlgit.pipeline.lockfile import Hashed
from mlgit.pointer import Pointer
from mlgit.remote.transfer import Mover, TransferResult
from mlgit.repo import Repo
from mlgit.workspace.targets import Target, Tracked

Runs = dict[str, dict[str, Hashed]]
"""Run-cache entries by key: the outputs each names."""


def complete_local_runs(repo: Repo) -> Runs:
    """The cache's entries whose objects are all in the cache (only those can be pushed)."""
    runs = {}
    for key in runcache.keys(repo):
        outs = runcache.read_entry(repo, key)
        if outs is not None and runcache.complete(repo, outs):
            runs[key] = outs
    return runs


def new_remote_runs(repo: Repo, mover: Mover) -> Runs:
    """The remote's entries the cache lacks and that read as sound (a remote is untrusted:
    the others are skipped)."""
    have = set(runcache.keys(repo))
    keys = sorted(mover.store.run_keys(mover.map) - have)
    datas = mover.map(lambda key: _read_run(mover, key), keys)
    runs = {}
    for key, data in zip(keys, datas, strict=True):
        outs = runcache.decode(data) if isinstance(data, bytes) else None
        if outs is not None:
            runs[key] = outs
    return runs


def _read_run(mover: Mover, key: str) -> bytes | None:
    try:
        return mover.store.read_run(key, runcache.MAX_ENTRY)
    except FileNotFoundError:  # removed since the listing
        return None


def run_targets(runs: Runs) -> dict[str, list[Target]]:
    """The outputs each record names, as targets of a transfer (failures name the record:
    these paths are not the work tree's)."""
    return {key: [Target(Tracked(f"run-cache record {key[:12]}",
                                 f"{path} (run-cache record {key[:12]})", _pointer(path, h)), "")
                  for path, h in outs.items()] for key, outs in runs.items()}


def _pointer(path: str, h: Hashed) -> Pointer:
    kind = "file" if h.nfiles is None else "dir"
    return Pointer(kind, path.rpartition("/")[2], h.oid, h.size, h.nfiles)


def publish_pushed(mover: Mover, runs: Runs, needs: dict[str, set[str]],
                   result: TransferResult) -> int:
    """Upload the entries the remote lacks whose objects (`needs`, by key) all arrived; how
    many."""
    failed = {f.oid for f in result.failed}
    on_remote = mover.store.run_keys(mover.map)
    todo = [key for key in runs if key not in on_remote and not needs[key] & failed]
    mover.map(lambda key: mover.store.write_run(key, runcache.encode(runs[key])), todo)
    return len(todo)


def keep_fetched(repo: Repo, runs: Runs) -> int:
    """Write the fetched entries whose objects are now all in the cache; how many."""
    kept = 0
    for key, outs in runs.items():
        if runcache.complete(repo, outs):
            runcache.write_entry(repo, key, runcache.encode(outs))
            kept += 1
    return kept
