"""The run-cache: the outputs of every recorded run, by what the run used (cmd, dependency
hashes, param values). A stale stage whose inputs match an earlier run gets that run's
outputs from the cache instead of running (docs/pipelines.md, "Running stages").

Entries live in the cache folder, in `runs/XX/KEY` (small JSON files beside the objects,
which the object store ignores); an entry is only used while every object it names is in
the cache."""

from __future__ import annotations

import contextlib
import json
import os

from mlgit.errors import MlgitError
from mlgit.fileio import write_atomic
from mlgit.hashing import OID_LEN, hash_bytes
from mlgit.pipeline.lockfile import Hashed
from mlgit.pipeline.model import Stage
from mlgit.pipeline.stale import Check
from mlgit.repo import Repo
from mlgit.workspace.checkout import checkout_artifact
from mlgit.workspace.linker import Linker

RUNS = "runs"
_HEX = set("0123456789abcdef")
MAX_ENTRY = 1 << 20
"""An entry is a few hundred bytes; a bigger one is not an entry."""


def usable(stage: Stage) -> bool:
    """Whether the stage's outputs can come from the run-cache: it has outputs, all cached
    and none `persist` (their content depends on more than the inputs), and it is not
    `always_changed`."""
    return bool(stage.outs) and not stage.always_changed \
        and all(o.cache and not o.persist for o in stage.outs)


def run_key(check: Check) -> str:
    """What a run used, as one hash: cmd, each dependency's oid, each param's value, and the
    declared outputs."""
    stage = check.stage
    used = {"cmd": list(stage.cmd), "wdir": stage.wdir,
            "deps": {p: h.oid if h is not None else None for p, h in check.deps.items()},
            "params": check.params, "outs": sorted(o.path for o in stage.outs)}
    return hash_bytes(json.dumps(used, sort_keys=True, default=str).encode("utf-8"))


def _path(repo: Repo, key: str) -> str:
    return os.path.join(repo.cache_dir, RUNS, key[:2], key[2:])


def save(repo: Repo, key: str, outs: dict[str, Hashed]) -> None:
    """Remember the outputs of a run (their objects are already durable in the cache)."""
    write_entry(repo, key, encode(outs))


def encode(outs: dict[str, Hashed]) -> bytes:
    data = {p: [h.oid, h.size, h.nfiles] for p, h in sorted(outs.items())}
    return json.dumps({"outs": data}, sort_keys=True).encode("utf-8")


def decode(data: bytes) -> dict[str, Hashed] | None:
    """The outputs an entry names, or None when it is not a sound entry (entries are read
    from remotes too: untrusted)."""
    if len(data) > MAX_ENTRY:
        return None
    try:
        rows = json.loads(data)["outs"]
        outs = {p: Hashed(oid, size, nfiles) for p, (oid, size, nfiles) in rows.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    for path, h in outs.items():
        if not (isinstance(path, str) and is_key(h.oid) and type(h.size) is int
                and h.size >= 0 and (h.nfiles is None or type(h.nfiles) is int)):
            return None
    return outs


def is_key(name: object) -> bool:
    """Whether `name` is well formed as a run key or an object id (32 lower-case hex)."""
    return isinstance(name, str) and len(name) == OID_LEN and set(name) <= _HEX


def write_entry(repo: Repo, key: str, data: bytes) -> None:
    path = _path(repo, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, data)


def read_entry(repo: Repo, key: str) -> dict[str, Hashed] | None:
    try:
        with open(_path(repo, key), "rb") as f:
            return decode(f.read(MAX_ENTRY + 1))
    except OSError:
        return None


def keys(repo: Repo) -> list[str]:
    """The keys of every run the cache remembers."""
    found = []
    runs = os.path.join(repo.cache_dir, RUNS)
    with contextlib.suppress(OSError):
        for prefix in sorted(os.listdir(runs)):
            if len(prefix) == 2 and set(prefix) <= _HEX:
                with contextlib.suppress(OSError):
                    found += [prefix + rest for rest in sorted(os.listdir(f"{runs}/{prefix}"))
                              if is_key(prefix + rest)]
    return found


def complete(repo: Repo, outs: dict[str, Hashed]) -> bool:
    """Whether every object the outputs need is in the cache."""
    return all(_present(repo, h) for h in outs.values())


def lookup(repo: Repo, key: str, stage: Stage) -> dict[str, Hashed] | None:
    """The outputs an earlier run with this key made, if the entry is sound, names exactly
    the stage's outputs, and every object it needs is in the cache."""
    outs = read_entry(repo, key)
    if outs is None or set(outs) != {o.path for o in stage.outs} or not complete(repo, outs):
        return None
    return outs


def _present(repo: Repo, h: Hashed) -> bool:
    if h.nfiles is None:
        return repo.odb.has(h.oid)
    try:
        manifest = repo.manifest(h.oid, f"run-cache (manifest {h.oid[:12]})")
    except MlgitError:  # missing, corrupt or unsafe: not usable
        return False
    return not repo.odb.missing(manifest.oids)


def restore(repo: Repo, outs: dict[str, Hashed]) -> bool:
    """Place the outputs in the work tree from the cache (the caller holds the repo lock and
    has removed the old outputs); whether all of them were placed."""
    from mlgit.pointer import Pointer

    linker = Linker(repo.odb, repo.config.get("cache.link"))
    ok = True
    for path, h in outs.items():
        kind = "file" if h.nfiles is None else "dir"
        ptr = Pointer(kind, path.rpartition("/")[2], h.oid, h.size, h.nfiles)
        placed = checkout_artifact(repo, path, ptr, linker, force=True).ok
        repo.state.record_placed(path, kind, h.oid, replace=placed)
        ok = placed and ok
    repo.state.flush()
    return ok
