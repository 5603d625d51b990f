#!/usr/bin/env python3
"""Pipeline benchmark: no-op `repro` and `status` of mlgit against DVC, and `repro -j 4`.

For each size (3, 200 and 1,000 stages by default) the same generated pipeline goes into a
fresh repository per tool (`mlgit.yaml` / `dvc.yaml`, the same text), is reproduced once
(untimed: it makes the pipeline up to date) and committed; then, over several rounds with the
tools interleaved, a no-op `repro` and a no-op `status` are timed. Afterwards the script
checks that no stage ran (every output keeps its modification time, the lock file its bytes).

The `parallel` case times `repro -j 4` of 8 independent stages that each sleep one second,
joined by a ninth stage, against the ideal schedule (two waves of one second); DVC has no
`-j`, so its sequential `repro` of the same pipeline is shown for reference. Every round
changes the parameter all 9 stages read, so each one runs.

Run ``python benchmarks/bench_pipeline.py --help`` for the options; see
``benchmarks/README.md``. Standard library only; reuses bench_core.py's helpers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core as core

SIZES = (3, 200, 1000)
PARALLEL = "parallel"
REQUIRED = {3: 8.0, 200: 15.0}  # DVC / mlgit, no-op repro and status
CHAIN = 10  # stages per chain before a new chain starts
GROUPS = 10  # parameter groups the stages read from
SLEEPERS = 8
JOBS = 4
SLEEP_SECONDS = 1.0
MAX_PARALLEL_RATIO = 1.3  # repro -j 4 wall time / ideal schedule
PIPELINE_FILE = {"mlgit": "mlgit.yaml", "dvc": "dvc.yaml"}
LOCK_FILE = {"mlgit": "mlgit.lock", "dvc": "dvc.lock"}
STAGE_SCRIPT = """\
#!/bin/sh
# stage.sh OUT IN...: a checksum of the inputs, the way a real stage would digest them.
set -eu
out=$1
shift
mkdir -p "$(dirname "$out")"
cat "$@" | cksum > "$out"
"""


# --------------------------------------------------------------------------
# Generated pipelines
# --------------------------------------------------------------------------


def yaml_list(items: Sequence[str], indent: str) -> str:
    return "".join(f"{indent}- {item}\n" for item in items)


def stage_deps(i: int, shards: int, rng: random.Random) -> list[str]:
    """What stage `i` reads: the script, two input shards, the stage before it in its chain,
    and (from the second chain on) one earlier stage's output: chains that fan in."""
    deps = ["scripts/stage.sh", f"inputs/shard-{i % shards:04d}.csv"]
    other = f"inputs/shard-{(i * 7 + 3) % shards:04d}.csv"
    if other not in deps:
        deps.append(other)
    upstream = set()
    if i % CHAIN:
        upstream.add(i - 1)
    if i >= CHAIN or i == 2:
        upstream.add(rng.randrange(i - 1) if i > 1 else 0)
    return deps + [f"out/s{j:04d}.txt" for j in sorted(upstream)]


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]  # relative path -> text; "pipeline.yaml" is the tool's file
    commands: list[str]  # the stages' commands in an order that runs them all


def chain_pipeline(stages: int, seed: int = 1) -> Generated:
    """A pipeline of `stages` stages in chains of CHAIN that fan in; each stage has a few
    small file deps, one out and one parameter."""
    rng = random.Random(seed)
    commands = []
    shards = max(2, stages // 4)
    files = {"scripts/stage.sh": STAGE_SCRIPT}
    for k in range(shards):
        lines = "".join(f"{k},{row},{(k * 31 + row * 17) % 101}\n" for row in range(8))
        files[f"inputs/shard-{k:04d}.csv"] = "shard,row,value\n" + lines
    groups = "".join(f"  g{g:02d}:\n    scale: {g + 1}\n    bins: {4 * (g + 1)}\n"
                     for g in range(GROUPS))
    files["params.yaml"] = f"train:\n  lr: 0.1\n  epochs: 20\ngroups:\n{groups}"
    body = ["stages:\n"]
    for i in range(stages):
        deps = stage_deps(i, shards, rng)
        out = f"out/s{i:04d}.txt"
        commands.append(f"sh {' '.join([*deps[:1], out, *deps[1:]])}")
        body.append(
            f"  s{i:04d}:\n"
            f"    cmd: {commands[-1]}\n"
            f"    deps:\n{yaml_list(deps, '      ')}"
            f"    params:\n      - groups.g{i % GROUPS:02d}.scale\n"
            f"    outs:\n      - {out}\n"
        )
    files["pipeline.yaml"] = "".join(body)
    return Generated(files, commands)


def parallel_pipeline(round_no: int) -> dict[str, str]:
    """SLEEPERS independent stages that sleep, and a join stage that reads all their outs;
    every stage reads the parameter `round`, so a new round makes all of them stale."""
    body = ["stages:\n"]
    outs = []
    for i in range(SLEEPERS):
        out = f"wait-{i}.txt"
        outs.append(out)
        body.append(
            f"  wait-{i}:\n"
            f"    cmd: sleep {SLEEP_SECONDS:g} && cat params.yaml > {out}\n"
            f"    params:\n      - round\n"
            f"    outs:\n      - {out}\n"
        )
    body.append(
        f"  join:\n"
        f"    cmd: cat {' '.join(outs)} > joined.txt\n"
        f"    deps:\n{yaml_list(outs, '      ')}"
        f"    params:\n      - round\n"
        f"    outs:\n      - joined.txt\n"
    )
    return {"params.yaml": f"round: {round_no}\n", "pipeline.yaml": "".join(body)}


def write_files(repo: Path, tool: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = repo / (PIPELINE_FILE[tool] if rel == "pipeline.yaml" else rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def git_commit(repo: Path, env: dict[str, str], message: str) -> None:
    core.run_checked(["git", "add", "-A"], repo, env)
    core.run_checked(["git", "commit", "-q", "--allow-empty", "-m", message], repo, env)


def timed(tool: core.Tool, repo: Path, *args: str) -> float:
    t0 = time.perf_counter()
    core.run_checked(tool.argv(*args), repo, tool.env)
    return time.perf_counter() - t0


def snapshot(repo: Path, tool: str) -> dict[str, object]:
    """The modification time of every stage output, and the lock file's bytes."""
    state: dict[str, object] = {
        entry.path: entry.stat().st_mtime_ns for entry in core.iter_files(repo / "out")
    }
    state["lock"] = (repo / LOCK_FILE[tool]).read_bytes()
    return state


@dataclass
class Results:
    # case -> measurement ("repro", "status", "first repro", "repro -j 4") -> tool -> seconds
    timings: dict[str, dict[str, dict[str, list[float]]]] = field(default_factory=dict)

    def add(self, case: str, what: str, tool: str, seconds: float) -> None:
        self.timings.setdefault(case, {}).setdefault(what, {}).setdefault(tool, []).append(
            seconds)
        core.log(f"  {case:<9} {what:<12} {tool:<6} {seconds:8.3f} s")

    def median(self, case: str, what: str, tool: str) -> float | None:
        values = self.timings.get(case, {}).get(what, {}).get(tool)
        return statistics.median(values) if values else None


def make_up_to_date(tool: core.Tool, repo: Path, generated: Generated,
                    results: Results) -> None:
    """mlgit: `repro` (timed, for information). DVC: run the commands, then `commit -f`,
    which writes the same dvc.lock as `dvc repro` would; DVC's own first repro rewrites the
    lock file after every stage, so its time grows with the square of the number of stages
    (5 minutes for 200 stages on a 2-CPU VM)."""
    case = str(len(generated.commands))
    if tool.name == "mlgit":
        results.add(case, "first repro", tool.name, timed(tool, repo, "repro"))
        return
    script = "set -e\n" + "\n".join(generated.commands) + "\n"
    core.run_checked(["sh", "-c", script], repo, tool.env)
    core.run_checked(tool.argv("commit", "--force", "--quiet"), repo, tool.env)


def noop_case(tools: list[core.Tool], stages: int, args: argparse.Namespace,
              results: Results) -> None:
    """Set up the `stages`-stage pipeline for every tool, then time no-op repro and status."""
    case = str(stages)
    generated = chain_pipeline(stages)
    repos: dict[str, Path] = {}
    for tool in tools:
        repo, _ = core.fresh_repo(tool, args.workdir / "runs-pipeline" / case)
        write_files(repo, tool.name, generated.files)
        git_commit(repo, tool.env, "pipeline")
        make_up_to_date(tool, repo, generated, results)
        git_commit(repo, tool.env, "reproduced")
        for command in ("repro", "status"):  # warm up, untimed
            core.run_checked(tool.argv(command), repo, tool.env)
        repos[tool.name] = repo
    before = {tool.name: snapshot(repos[tool.name], tool.name) for tool in tools}
    for rnd in range(args.rounds):
        order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
        for command in ("repro", "status"):
            for _ in range(args.runs or (3 if stages <= 200 else 1)):
                for tool in order:
                    results.add(case, command, tool.name, timed(tool, repos[tool.name], command))
    for tool in tools:
        if snapshot(repos[tool.name], tool.name) != before[tool.name]:
            raise core.BenchError(f"{tool.name}: a no-op repro of {stages} stages changed an "
                                  "output or the lock file: a stage ran")


def parallel_case(tools: list[core.Tool], args: argparse.Namespace, results: Results) -> None:
    """Time `repro -j 4` (mlgit) and `repro` (DVC) of the sleepers, a new round each time."""
    repos: dict[str, Path] = {}
    for tool in tools:
        repo, _ = core.fresh_repo(tool, args.workdir / "runs-pipeline" / PARALLEL)
        write_files(repo, tool.name, parallel_pipeline(0))
        git_commit(repo, tool.env, "pipeline")
        core.run_checked(tool.argv("repro"), repo, tool.env)  # untimed: the first run
        repos[tool.name] = repo
    for rnd in range(1, args.rounds + 1):
        order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
        for tool in order:
            repo = repos[tool.name]
            write_files(repo, tool.name, parallel_pipeline(rnd))
            command = ["repro", "-j", str(JOBS)] if tool.name == "mlgit" else ["repro"]
            results.add(PARALLEL, " ".join(command), tool.name, timed(tool, repo, *command))
            joined = (repo / "joined.txt").read_text()
            if joined.count(f"round: {rnd}\n") != SLEEPERS:
                raise core.BenchError(f"{tool.name}: repro of round {rnd} did not run every "
                                      f"stage (joined.txt: {joined!r})")


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def ideal_parallel_seconds() -> float:
    """The sleepers in waves of JOBS; the join's own command takes milliseconds."""
    return -(-SLEEPERS // JOBS) * SLEEP_SECONDS


def noop_rows(results: Results, sizes: Sequence[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        for what in ("repro", "status"):
            m = results.median(str(n), what, "mlgit")
            d = results.median(str(n), what, "dvc")
            ratio = d / m if m and d else None
            need = REQUIRED.get(n)
            verdict = None if ratio is None or need is None else (
                "PASS" if ratio >= need else "FAIL")
            rows.append({"stages": n, "command": what, "mlgit": m, "dvc": d, "ratio": ratio,
                         "required": need, "result": verdict,
                         "first_mlgit": results.median(str(n), "first repro", "mlgit")})
    return rows


def growth_lines(rows: list[dict[str, Any]]) -> list[str]:
    """How each tool's no-op time grows with the number of stages, and its cost per stage."""
    lines = []
    for what in ("repro", "status"):
        mine = [r for r in rows if r["command"] == what]
        for tool in ("mlgit", "dvc"):
            points = [(r["stages"], r[tool]) for r in mine if r[tool] is not None]
            if len(points) < 2:
                continue
            (n0, t0), (n1, t1) = points[0], points[-1]
            steps = ", ".join(f"{n} stages {t:.3f} s" for n, t in points)
            per_stage = (t1 - t0) / (n1 - n0) * 1000
            lines.append(f"{tool} no-op {what}: {steps}; {t1 / t0:.1f}x from {n0} to {n1} "
                         f"stages, {per_stage:.2f} ms per extra stage")
    return lines


def parallel_row(results: Results) -> dict[str, Any] | None:
    if PARALLEL not in results.timings:
        return None
    m = results.median(PARALLEL, f"repro -j {JOBS}", "mlgit")
    ideal = ideal_parallel_seconds()
    ratio = m / ideal if m else None
    return {"mlgit_j4": m, "dvc_sequential": results.median(PARALLEL, "repro", "dvc"),
            "ideal": ideal, "ratio_to_ideal": ratio, "max_ratio": MAX_PARALLEL_RATIO,
            "result": None if ratio is None else
            ("PASS" if ratio <= MAX_PARALLEL_RATIO else "FAIL")}


def plain_report(rows: list[dict[str, Any]], par: dict[str, Any] | None) -> str:
    fmt = core.fmt
    head = (f"{'stages':>6} {'no-op':<7} {'mlgit [s]':>10} {'dvc [s]':>10} {'dvc/mlgit':>10} "
            f"{'need':>6}  result")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['stages']:>6} {r['command']:<7} {fmt(r['mlgit'], '.3f'):>10} "
                     f"{fmt(r['dvc'], '.3f'):>10} {fmt(r['ratio'], '.1f', 'x'):>10} "
                     f"{fmt(r['required'], '.0f', 'x'):>6}  {r['result'] or '-'}")
    lines += growth_lines(rows)
    if par is not None:
        lines.append(
            f"{SLEEPERS} x {SLEEP_SECONDS:g} s stages + join: mlgit repro -j {JOBS} "
            f"{fmt(par['mlgit_j4'], '.2f', ' s')}, ideal {par['ideal']:.2f} s, "
            f"{fmt(par['ratio_to_ideal'], '.2f', 'x')} of ideal (at most "
            f"{MAX_PARALLEL_RATIO:g}x) {par['result'] or '-'}; DVC repro (sequential) "
            f"{fmt(par['dvc_sequential'], '.2f', ' s')}")
    return "\n".join(lines)


def markdown_report(rows: list[dict[str, Any]], par: dict[str, Any] | None,
                    meta: dict[str, Any]) -> str:
    fmt = core.fmt
    lines = [
        f"Medians of {meta['rounds']} rounds x {meta['runs']} runs per round, {meta['date']}, "
        f"{meta['cpus']} CPUs, mlgit {meta['mlgit_version']}, DVC {meta['dvc_version']}.",
        "",
        "| stages | no-op | mlgit (s) | DVC (s) | DVC / mlgit | required | mlgit's first "
        "repro (s) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['stages']:,} | `{r['command']}` | {fmt(r['mlgit'], '.3f')} | "
            f"{fmt(r['dvc'], '.3f')} | {fmt(r['ratio'], '.1f', 'x')} | "
            f"{fmt(r['required'], '.0f', 'x')} | "
            f"{fmt(r['first_mlgit'] if r['command'] == 'repro' else None, '.2f')} |")
    growth = growth_lines(rows)
    if growth:
        lines += ["", *[f"- {line}" for line in growth]]
    if par is not None:
        lines += [
            "",
            f"| {SLEEPERS} stages of `sleep {SLEEP_SECONDS:g}` + join | wall (s) | "
            "ideal schedule (s) | wall / ideal |",
            "|---|---:|---:|---:|",
            f"| mlgit `repro -j {JOBS}` | {fmt(par['mlgit_j4'], '.2f')} | {par['ideal']:.2f} | "
            f"{fmt(par['ratio_to_ideal'], '.2f', 'x')} |",
            f"| DVC `repro` (no `-j`) | {fmt(par['dvc_sequential'], '.2f')} | - | - |",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time no-op repro and status of generated pipelines, mlgit against DVC, "
        "and repro -j 4 of independent stages (see benchmarks/README.md).")
    core.add_tool_options(p, "dvc-venv", "dvc")
    choices = [*map(str, SIZES), PARALLEL]
    p.add_argument("--cases", default=",".join(choices),
                   help="comma-separated cases: numbers of stages and/or 'parallel' "
                   "(default: %(default)s)")
    p.add_argument("--runs", type=int,
                   help="timed runs of each no-op command per tool and round (default: 3, "
                   "1 for more than 200 stages)")
    p.add_argument("--keep-repos", action="store_true",
                   help="keep the repositories under WORKDIR/runs-pipeline")
    args = p.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if not cases or any(not (c.isdigit() and int(c) > 0) and c != PARALLEL for c in cases):
        p.error(f"--cases takes positive numbers of stages and/or {PARALLEL!r}")
    args.sizes = sorted({int(c) for c in cases if c != PARALLEL})
    args.parallel = PARALLEL in cases
    if args.runs is not None and args.runs < 1:
        p.error("--runs must be at least 1")
    core.check_tool_options(p, args)
    return args


def run(args: argparse.Namespace, tools: list[core.Tool]) -> Results:
    results = Results()
    try:
        for n in args.sizes:
            core.log(f"{n} stages: set up and reproduce once, then time no-op repro and status")
            noop_case(tools, n, args, results)
        if args.parallel:
            core.log(f"{PARALLEL}: {SLEEPERS} stages of sleep {SLEEP_SECONDS:g} + join")
            parallel_case(tools, args, results)
    finally:
        if not args.keep_repos:
            with contextlib.suppress(OSError):
                core.rmtree(args.workdir / "runs-pipeline")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    done = core.run_with_tools(args, args.workdir / "pipeline", run)
    if done is None:
        return 2
    tools, results = done
    meta = core.run_meta(args, tools, started, runs=args.runs or "3 (1 above 200 stages)")
    rows = noop_rows(results, args.sizes)
    par = parallel_row(results)
    report = plain_report(rows, par)
    if args.markdown:
        core.log(report)
        print(markdown_report(rows, par, meta))
    else:
        print(report)
    core.log(f"total wall time {meta['wall_seconds']} s")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "timings": results.timings,
                                         "noop": rows, "parallel": par}, indent=2) + "\n")
        core.log(f"raw timings written to {args.json}")
    failed = any(r["result"] == "FAIL" for r in [*rows, *([par] if par else [])])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
