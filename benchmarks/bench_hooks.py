#!/usr/bin/env python3
"""What the Git hooks cost: a branch switch that changes 100 of 20,000 tracked files, with
mlgit's post-checkout hook, against `git checkout` followed by a full `mlgit checkout`; and a
`git push` of commits that carry no data, with the pre-push hook and without it.

Two layouts: 20,000 files each tracked on its own (20,000 pointer files), and one tracked
folder of 20,000 files. Each timing is the median of `--rounds` switches (there and back).

    python benchmarks/bench_hooks.py --rounds 3

Standard library only; needs `mlgit` and `git` on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

FILES = 20_000
CHANGED = 100
ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
       "MLGIT_NO_PROGRESS": "1"}
SKIP = {**ENV, "MLGIT_SKIP_HOOKS": "1"}


def run(cwd: Path, *args: str, env: dict[str, str] = ENV) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return took


def rel(i: int) -> str:
    return f"data/{i // 1000:02d}/f{i:05d}.txt"


def make_repo(root: Path, per_file: bool) -> Path:
    """main and side, which differ in CHANGED files; main checked out, hooks installed."""
    repo = root / ("per-file" if per_file else "folder")
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "mlgit", "init")
    for i in range(FILES):
        path = repo / rel(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file {i}\n" * 3)
    run(repo, "mlgit", "add", "data/*/*.txt" if per_file else "data")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "base")
    run(repo, "git", "checkout", "-q", "-b", "side")
    changed = [rel(i) for i in range(0, FILES, FILES // CHANGED)]
    for path in changed:
        with open(repo / path, "a") as f:
            f.write("changed\n")
    run(repo, "mlgit", "add", *(changed if per_file else ["data"]))
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "side")
    run(repo, "mlgit", "install")
    run(repo, "git", "checkout", "-q", "main")
    return repo


def switch_times(repo: Path, rounds: int) -> dict[str, float]:
    hooked, full, plain = [], [], []
    for _ in range(rounds):
        for branch in ("side", "main"):
            hooked.append(run(repo, "git", "checkout", "-q", branch))
    for _ in range(rounds):
        for branch in ("side", "main"):
            took = run(repo, "git", "checkout", "-q", branch, env=SKIP)
            plain.append(took)
            full.append(took + run(repo, "mlgit", "checkout"))
    return {"git checkout + post-checkout hook": statistics.median(hooked),
            "git checkout + full mlgit checkout": statistics.median(full),
            "git checkout alone": statistics.median(plain)}


def push_times(repo: Path, rounds: int) -> dict[str, float]:
    (repo.parent / "store").mkdir()
    run(repo.parent, "git", "init", "-q", "--bare", "origin.git")
    run(repo, "git", "remote", "add", "origin", str(repo.parent / "origin.git"))
    run(repo, "mlgit", "remote", "add", "store", str(repo.parent / "store"))
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "remote")
    first = run(repo, "git", "push", "-q", "origin", "main")
    hooked: list[float] = []
    plain: list[float] = []
    for i in range(rounds):
        for times, env in ((hooked, ENV), (plain, SKIP)):
            (repo / "notes.txt").write_text(f"{i} {env is ENV}\n")
            run(repo, "git", "add", "notes.txt")
            run(repo, "git", "commit", "-qm", "notes", env=SKIP)
            times.append(run(repo, "git", "push", "-q", "origin", "main", env=env))
    return {"first push (uploads every object)": first,
            "no-data push + pre-push hook": statistics.median(hooked),
            "no-data push, hook skipped": statistics.median(plain)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mlgit-bench-hooks-"))
    try:
        for per_file in (True, False):
            layout = f"{FILES} files, each tracked" if per_file else f"one folder of {FILES}"
            repo = make_repo(root, per_file)
            print(f"## {layout}, {CHANGED} changed between the branches")
            times = switch_times(repo, args.rounds)
            if per_file:
                times.update(push_times(repo, args.rounds))
            for what, took in times.items():
                print(f"{what:40} {took:7.2f} s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
