"""Crash injection: run a real `mlgit` command in a subprocess and kill it (SIGKILL, the whole
command with its forked workers) just before its Nth write step, for every N until it runs to
its end; after each crash, check that nothing is corrupt or lost, run the command again and
check that it finishes the job.

How to use it for a new command (see test_crash_*.py for examples):

    world = tmp_path / "world"        # ONE folder holding all the command touches:
                                      # the repository, its remote folder, a clone...
    ...build the starting state in it (real git, real mlgit)...
    crashes = every_crash(world, cwd=world / "repo", args=["push", "-j", "1"],
                          after_crash=check_nothing_lost, after_finish=check_done)
    assert len(crashes) >= 10          # the command really made that many write steps

`every_crash` saves `world` once, then for N = 1, 2, ...: restores it (same paths, so
absolute paths in configurations stay right), runs the command with MLGIT_CRASH_AT=N,
calls `after_crash(crash)` when it was killed, runs the command again without injection
(`rerun`, default the same arguments) and calls `after_finish()`. The first N at which the
command makes fewer than N steps ends the loop (that complete run is checked with
`after_finish` too). A write step is any call that changes a file (inject/sitecustomize.py
lists them); use `-j 1` or `core.jobs 1` so the order of steps is the same from run to run.

What lives outside `world` (a bucket on a test server) is put back by `restore_more`
(test_crash_cloud_push.py). `MLGIT_CRASH_TRACE=FILE` lists a command's steps without
killing it (set MLGIT_CRASH_AT to a large number): handy to see what a new scenario covers.

The checks call the fsck command's own function (`fsck_problems`, `missing_oids`) in this
process, since two more interpreter starts per step would double a scenario's time;
`store_problems` checks a folder remote as an object store (its chunk lists included) and
`remote_lists_incomplete` any remote's chunk lists. `cli_fsck` runs the real `mlgit fsck`
and `mlgit fsck -r` once a scenario is done.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import mlgit

INJECT = Path(__file__).parent / "inject"
KILLED = -9
DOT_TMP = ".mlgit/tmp"
MAX_STEPS = 2000


@dataclass
class Crash:
    step: int  # the command was killed just before its step number `step`
    call: str  # that step: the call and its first arguments

    def __str__(self) -> str:
        return f"killed before step {self.step}: {self.call}"


def run_injected(cwd: Path, args: Sequence[str], crash_at: int,
                 log: Path) -> tuple[int, str, str]:
    """Run `mlgit ARGS` to be killed before write step `crash_at`: (exit code, stderr, the
    injector's line: `killed N CALL` or `done N`)."""
    log.unlink(missing_ok=True)
    env = {**os.environ, "MLGIT_CRASH_AT": str(crash_at), "MLGIT_CRASH_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(INJECT),
                                                       os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "mlgit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, start_new_session=True, timeout=120)
    note = log.read_text().strip() if log.exists() else ""
    return proc.returncode, proc.stderr, note


def restore(saved: Path, world: Path) -> None:
    """Put `world` back as `saved` has it. Files are hard-linked, which is fast (a copy
    of thousands of files, and deleting it again, took seconds per step): mlgit writes every
    file it changes under a temp name and renames it, never in place, except what is in
    .mlgit/tmp/ (the state database, the lock), which is copied."""
    if world.exists():
        _make_writable(world)
        shutil.rmtree(world)
    shutil.copytree(saved, world, symlinks=True, copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> None:
    if f"/{DOT_TMP}/" in src or os.path.basename(src) == "lock":
        shutil.copy2(src, dst)
    else:
        os.link(src, dst)


def _make_writable(root: Path) -> None:
    for folder, dirs, _ in os.walk(root):
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)


def every_crash(world: Path, cwd: Path, args: Sequence[str],
                after_crash: Callable[[Crash], None], after_finish: Callable[[], None],
                rerun: Sequence[str] | None = None, expect_code: int = 0,
                restore_more: Callable[[], None] = lambda: None) -> list[Crash]:
    """Kill `mlgit ARGS` (run in `cwd`, inside `world`) before each of its write steps in
    turn; see the module's docstring. Returns the crashes made, one per step.
    `restore_more` brings back what lives outside `world` (a bucket on a server) before
    each run."""
    saved = world.with_name(world.name + ".saved")
    shutil.copytree(world, saved, symlinks=True)  # a real copy: `world` goes on changing
    log = world.with_name(world.name + ".crashlog")
    crashes: list[Crash] = []
    try:
        for n in itertools.count(1):
            assert n < MAX_STEPS, "the command never finished"
            restore(saved, world)
            restore_more()
            code, err, note = run_injected(cwd, args, n, log)
            if note.startswith("done"):
                print(f"{' '.join(args)}: {len(crashes)} write steps", file=sys.stderr)
                assert code == expect_code, f"exit {code} without a crash:\n{err}"
                after_finish()
                return crashes
            assert code == KILLED and note.startswith(f"killed {n} "), (code, note, err)
            crash = Crash(n, note.split(" ", 2)[2])
            crashes.append(crash)
            after_crash(crash)
            mlgit(cwd, *(args if rerun is None else rerun), code=expect_code)
            after_finish()
    finally:
        restore(saved, world)
        restore_more()
        _make_writable(saved)
        shutil.rmtree(saved)
    raise AssertionError("unreachable")


def fsck_problems(repo: Path, remote: str | None = None, missing: bool = True) -> list[str]:
    """What `mlgit fsck` (or `mlgit fsck -r REMOTE`) finds wrong, checked in this process
    with the command's own code: damaged objects and indexes, and (with `missing`) objects a
    pointer in the work tree names that the store lacks."""
    result = _fsck(repo, remote)
    return ([f"damaged {d.kind} {d.name} ({d.location}): {d.reason}" for d in result.damaged]
            + [f"missing {m.oid} for {m.artifacts}" for m in result.missing if missing]
            + [f"unreadable pointer {p}" for p in result.unreadable_pointers])


def missing_oids(repo: Path, remote: str | None = None) -> set[str]:
    """The objects that pointers in the work tree name and the cache (or remote) lacks."""
    return {m.oid for m in _fsck(repo, remote).missing}


def _fsck(repo: Path, remote: str | None) -> Any:
    from mlgit.commands.fsck import fsck
    from mlgit.repo import Repo

    handle = Repo(str(repo))
    try:
        return fsck(handle, repair=False, remote=remote, jobs=1)
    finally:
        handle.close()


def remote_lists_incomplete(repo: Path, remote: str) -> list[str]:
    """The chunk lists on a remote that name a chunk the remote does not have (`fsck -r`
    does not read the lists), through the remote's own store code."""
    from mlgit.remote.open import open_store
    from mlgit.remote.store import loose_rel
    from mlgit.repo import Repo
    from mlgit.storage import chunks

    handle = Repo(str(repo))
    try:
        _, store = open_store(handle, remote)
        def mapper(fn: Callable[[str], object], items: list[str]) -> list[object]:
            return [fn(item) for item in items]

        packed = store.packed(mapper)
        found = []
        for prefix in store.backend.list_dir(""):
            for name in store.backend.list_dir(prefix):
                if not chunks.could_be_list_name(name):
                    continue
                oid = prefix + name[: -len(chunks.SUFFIX)]
                parts = {p for p, _ in chunks.decode(store.read_chunk_list(oid), oid).chunks}
                lacking = parts - packed.keys() - store.loose_present(parts, mapper)
                if lacking:
                    found.append(f"{loose_rel(oid)}{chunks.SUFFIX}: lacks {sorted(lacking)}")
        return found
    finally:
        handle.close()


def store_problems(store: Path) -> list[str]:
    """What a check of the object store in the folder `store` (a cache, or a folder remote:
    same layout) finds wrong: damaged objects and indexes, and chunk lists naming chunks
    that are not there (which `fsck -r` does not check)."""
    from mlgit.storage.check import check_cache
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(store))
    try:
        report = check_cache(odb, 1)
    finally:
        odb.close()
    return [f"{p.kind} {p.name} ({p.location}): {p.reason}" for p in report.problems]


def cli_fsck(repo: Path, *remotes: str) -> None:
    """The real `mlgit fsck`, and `mlgit fsck -r` for each remote, must find nothing."""
    mlgit(repo, "fsck")
    for remote in remotes:
        mlgit(repo, "fsck", "-r", remote)


def stored_content(pointer_file: Path, cache: Path) -> dict[str, bytes]:
    """{path: bytes} of what a pointer file names, read from the cache at `cache` (every
    object verified): one entry "" for a file, one per file for a folder."""
    from mlgit import pointer
    from mlgit.storage import manifests
    from mlgit.storage.objects import LocalODB

    artifact = pointer_file.name.removesuffix(".mlgit")
    ptr = pointer.loads(pointer_file.read_bytes(), artifact)
    odb = LocalODB(str(cache))
    try:
        if not ptr.is_dir:
            return {"": _read(odb, ptr.oid)}
        manifest = manifests.load(odb, ptr.oid, artifact)
        return {path: _read(odb, oid) for path, oid in zip(manifest.paths, manifest.oids,
                                                           strict=True)}
    finally:
        odb.close()


def _read(odb: object, oid: str) -> bytes:
    parts = []
    with odb.open(oid) as stream:  # type: ignore[attr-defined]
        while chunk := stream.read():
            parts.append(chunk)
    return b"".join(parts)


def tree_of(path: Path) -> dict[str, bytes]:
    """{path: bytes} of a file ("") or every file in a folder, as stored_content gives."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes()
            for p in sorted(path.rglob("*")) if p.is_file()}
