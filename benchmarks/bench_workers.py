#!/usr/bin/env python3
"""How `mlgit add` and a no-op `mlgit status` of the 20,000 small files scale with the number
of worker processes (MLGIT_WORKERS), beside the status floor measured in the same run.

Every round, in a rotating order of worker counts: a fresh repository, the files copied in,
the page cache dropped and the files re-read, then `mlgit add small` timed. Then, in the last
round's repository, `mlgit status` (run once untimed first) and the floor
(status_floor.py: Python start-up plus one lstat per file, split over the same number of
processes) are timed in turn, `--status-runs` times per worker count and round.

    python benchmarks/bench_workers.py --workers 1,2,4 --rounds 5 --markdown

Standard library only; reuses bench_core.py's data and helpers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core as core

FLOOR = Path(__file__).resolve().parent / "status_floor.py"


def interpreter_of(exe: Path) -> str:
    """The Python that runs the `mlgit` script (its #! line), so the floor starts the same."""
    with open(exe, "rb") as f:
        first = f.readline().decode(errors="replace").strip()
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    core.run_checked(argv, cwd, env)
    return time.perf_counter() - t0


def new_repo(tool: core.Tool, runs: Path, data: core.Dataset) -> Path:
    repo, _ = core.fresh_repo(tool, runs)
    shutil.copytree(data.small, repo / "small", copy_function=shutil.copyfile)
    return repo


def run(args: argparse.Namespace) -> dict[str, dict[int, list[float]]]:
    tool = core.make_mlgit(args.mlgit)
    python = interpreter_of(tool.exe)
    core.log(f"mlgit: {tool.exe} (version {tool.version}); floor run by {python}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = core.ensure_dataset(args.workdir, args.seed, 1, args.small_files)
    dropper = core.CacheDropper(not args.no_drop_caches)
    runs = args.workdir / "runs-workers"
    times: dict[str, dict[int, list[float]]] = {"add": {}, "status": {}, "floor": {},
                                                "ratio": {}}
    repo = None
    try:
        for rnd in range(args.rounds):
            shift = rnd % len(args.workers)
            order = args.workers[shift:] + args.workers[:shift]
            for workers in order:
                env = {**tool.env, "MLGIT_WORKERS": str(workers)}
                repo = new_repo(tool, runs, data)
                dropper()
                core.read_through([repo / "small"])
                seconds = timed(tool.argv("add", "small"), repo, env)
                times["add"].setdefault(workers, []).append(seconds)
                core.log(f"round {rnd + 1}: add    workers={workers} {seconds:.3f} s")
            assert repo is not None
            core.run_checked(tool.argv("status"), repo, tool.env)
            for _ in range(args.status_runs):
                for workers in order:
                    env = {**tool.env, "MLGIT_WORKERS": str(workers)}
                    mine = timed(tool.argv("status"), repo, env)
                    floor = timed([python, str(FLOOR), "small", str(workers)], repo, tool.env)
                    times["status"].setdefault(workers, []).append(mine)
                    times["floor"].setdefault(workers, []).append(floor)
                    times["ratio"].setdefault(workers, []).append(mine / floor)
            core.log(f"round {rnd + 1}: status medians " + ", ".join(
                f"workers={w} {statistics.median(times['status'][w]):.3f} s"
                for w in args.workers))
    finally:
        core.rmtree(runs)
    return times


def table(times: dict[str, dict[int, list[float]]], workers: list[int]) -> str:
    lines = ["| workers | add (s) | no-op status (s) | status floor (s) |"
             " status / floor |", "|---:|---:|---:|---:|---:|"]
    for w in workers:
        med = {k: statistics.median(v[w]) for k, v in times.items()}
        lo, hi = min(times["ratio"][w]), max(times["ratio"][w])
        lines.append(f"| {w} | {med['add']:.3f} | {med['status']:.3f} | {med['floor']:.3f} |"
                     f" {med['ratio']:.2f}x ({lo:.2f}-{hi:.2f}) |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", default="1,2,4",
                   help="comma-separated worker counts to compare (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=5, help="rounds (default: %(default)s)")
    p.add_argument("--status-runs", type=int, default=5,
                   help="timed status and floor runs per worker count and round"
                        " (default: %(default)s)")
    p.add_argument("--mlgit", metavar="PATH",
                   help="mlgit executable (default: `mlgit` next to this Python interpreter)")
    p.add_argument("--workdir", type=Path,
                   default=Path(tempfile.gettempdir()) / "mlgit-bench",
                   help="where data and repositories go (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="data seed (default: 1)")
    p.add_argument("--small-files", type=int, default=20_000,
                   help="number of small files (default: 20000)")
    p.add_argument("--no-drop-caches", action="store_true",
                   help="do not drop the page cache before each add")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table on stdout")
    args = p.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    if not args.workers or min(args.workers) < 1 or args.rounds < 1 or args.status_runs < 1:
        p.error("--workers, --rounds and --status-runs need whole numbers of at least 1")
    args.workdir = args.workdir.expanduser().absolute()
    try:
        times = run(args)
    except core.BenchError as exc:
        core.log(f"error: {exc}")
        return 2
    text = table(times, args.workers)
    core.log(text)
    if args.markdown:
        print(f"Medians of {args.rounds} rounds ({args.rounds * args.status_runs} status runs"
              f" per worker count), {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC,"
              f" {len(os.sched_getaffinity(0))} CPUs.\n")
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
