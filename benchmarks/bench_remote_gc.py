#!/usr/bin/env python3
"""Remote housekeeping benchmark: ``mlgit fsck -r`` and ``mlgit gc -r`` on a remote holding
the 20,000 small files in three revisions.

Revision 1 is the 20,000 files; revision 2 rewrites files 0-1999; revision 3 rewrites files
0-999 and 2000-2999. With only HEAD kept, gc then deletes ~4,000 objects: revision 2's pack
is half garbage (rewritten), revision 1's packs are ~15% garbage (left as they are).

The remote is a local folder, and (unless ``--no-gcs``) a GCS emulator in this process,
whose requests are counted. Each round restores the remote as pushed, then times, in turn:
``fsck -r`` (every byte read once), ``gc -r --dry-run``, ``gc -r -f --grace 0``, and
``fsck -r`` again. Medians over the rounds; the load average is reported beside them.

    python benchmarks/bench_remote_gc.py --workdir /tmp/bench-remote-gc --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import GIT_ENV, ensure_dataset, log

STEPS = ("fsck", "gc_dry_run", "gc", "fsck_after")


def mlgit_argv() -> list[str]:
    return [sys.executable, "-m", "mlgit"]


def env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "MLGIT_NO_PROGRESS": "1",
            "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}


def sh(cwd: Path, *args: str) -> str:
    proc = subprocess.run(list(args), cwd=cwd, env=env(), capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def mlgit(cwd: Path, *args: str) -> str:
    return sh(cwd, *mlgit_argv(), *args)


def rewrite(repo: Path, small: Path, indexes: range, seed: int) -> None:
    files = sorted(p for p in (repo / "data").rglob("*") if p.is_file())
    for i in indexes:
        files[i].write_bytes(os.urandom(files[i].stat().st_size) + seed.to_bytes(2, "big"))


def build(workdir: Path, small_files: int) -> Path:
    """A repo with three revisions of the small files; returns it (remote not set)."""
    data = ensure_dataset(workdir, 1, 1, small_files)
    repo = workdir / "repo"
    if (repo / "complete").exists():
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir()
    sh(repo, "git", "init", "-q", "-b", "main")
    mlgit(repo, "init")
    shutil.copytree(data.small, repo / "data")
    revisions = [range(0), range(0, 2000), [*range(0, 1000), *range(2000, 3000)]]
    for n, indexes in enumerate(revisions, 1):
        rewrite(repo, data.small, indexes, n)  # type: ignore[arg-type]
        mlgit(repo, "add", "data")
        sh(repo, "git", "add", "-A")
        sh(repo, "git", "commit", "-q", "-m", f"revision {n}")
        sh(repo, "git", "tag", f"r{n}")
    (repo / "complete").write_text("")
    return repo


def push_all_revisions(repo: Path, remote: str) -> None:
    """Push each revision's data (checking it out in turn), ending at HEAD."""
    for n in (1, 2, 3):
        sh(repo, "git", "checkout", "-q", f"r{n}")
        mlgit(repo, "checkout", "-f")
        mlgit(repo, "push", "-r", remote)
    sh(repo, "git", "checkout", "-q", "main")
    mlgit(repo, "checkout", "-f")


def timed(repo: Path, args: Sequence[str], count: object = None) -> tuple[float, dict, int]:
    before = count() if callable(count) else 0  # type: ignore[operator]
    t0 = time.perf_counter()
    out = mlgit(repo, *args, "--json")
    took = time.perf_counter() - t0
    after = count() if callable(count) else 0  # type: ignore[operator]
    return took, json.loads(out), after - before


def one_round(repo: Path, remote: str, count: object) -> dict[str, tuple[float, int, dict]]:
    found: dict[str, tuple[float, int, dict]] = {}
    for name, args in (("fsck", ["fsck", "-r", remote]),
                       ("gc_dry_run", ["gc", "-r", remote, "-n", "--grace", "0"]),
                       ("gc", ["gc", "-r", remote, "-f", "--grace", "0"]),
                       ("fsck_after", ["fsck", "-r", remote])):
        took, out, requests = timed(repo, args, count)
        found[name] = (took, requests, out)
        log(f"{remote}: {name} {took:.2f} s, {requests} requests")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workdir", type=Path, default=Path("/tmp/bench-remote-gc"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--small-files", type=int, default=20_000)
    p.add_argument("--no-gcs", action="store_true")
    args = p.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    repo = build(args.workdir, args.small_files)
    folder = args.workdir / "remote"
    pristine = args.workdir / "remote-pristine"
    if not pristine.exists():
        folder.mkdir(exist_ok=True)
        mlgit(repo, "remote", "add", "local", str(folder))
        push_all_revisions(repo, "local")
        shutil.copytree(folder, pristine)
    emulator = None
    if not args.no_gcs:
        from bench_gcs import Emulator

        emulator = Emulator(install=False)
        mlgit(repo, "remote", "remove", "gcs") if "gcs" in mlgit(repo, "remote", "list") \
            else None
        mlgit(repo, "remote", "add", "gcs", "gs://bench/data")
        for key, value in (("endpoint_url", emulator.endpoint), ("anonymous", "true"),
                           ("project", "mlgit-bench")):
            mlgit(repo, "remote", "modify", "gcs", key, value, "--local")
    results: dict[str, list[dict[str, tuple[float, int, dict]]]] = {"local": [], "gcs": []}
    loads = []
    for n in range(args.rounds):
        log(f"round {n + 1}")
        shutil.rmtree(folder)
        shutil.copytree(pristine, folder)
        results["local"].append(one_round(repo, "local", None))
        if emulator is not None:
            emulator.wipe()
            emulator.create_bucket("bench")
            push_all_revisions(repo, "gcs")
            results["gcs"].append(one_round(repo, "gcs", lambda: emulator.requests))
        loads.append(os.getloadavg()[0])
    print(f"\nload average (1 min) after each round: {', '.join(f'{x:.1f}' for x in loads)}")
    print("| remote | step | median s | runs (s) | requests | result |")
    print("|---|---|---|---|---|---|")
    for remote, rounds in results.items():
        for step in STEPS if rounds else ():
            times = [r[step][0] for r in rounds]
            last = rounds[-1][step]
            what = (f"{last[2]['objects']} objects, {len(last[2]['damaged'])} damaged"
                    if step.startswith("fsck") else
                    f"{last[2]['objects_gone']} objects gone, {last[2]['packs_repacked']}"
                    f" repacked, {last[2]['packs_deleted']} packs deleted,"
                    f" {last[2]['kept']} kept")
            print(f"| {remote} | {step} | {statistics.median(times):.2f} |"
                  f" {', '.join(f'{t:.2f}' for t in times)} |"
                  f" {last[1] if remote == 'gcs' else '-'} | {what} |")
    if emulator is not None:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
