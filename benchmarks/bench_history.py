#!/usr/bin/env python3
"""History benchmark: mlgit against DVC on commands that read many Git revisions.

One repository per tool gets the same history of COMMITS commits (500 by default). Each
commit changes a metrics file (declared as the pipeline's top-level `metrics:`), the params
file, and the version of a tracked folder of FILES files and of a tracked model file; the
data has VERSIONS distinct versions (added with the tool itself, one `add` each), which the
commits cycle through, so every commit's pointer files differ from its parent's. The
commits themselves are made with plain `git` (the tool's pointer files are copied in), which
keeps building the history fast for both tools alike.

Timed, with the tools interleaved over several rounds (medians reported):
- `metrics diff FIRST HEAD`: the metrics of the first and the last commit;
- `diff FIRST HEAD`: the data changed between them (`dvc diff FIRST HEAD`);
- `gc --all-commits`: keep every object any commit references (`dvc gc --all-commits -w`);
  a few objects no commit references are added before each round, so there is something
  to delete.

These commands read Git objects and small files: they are CPU-bound, so the page cache is
not dropped. Standard library only; reuses bench_core.py's helpers (and its DVC venv).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core as core

COMMITS = 500
VERSIONS = 20
FILES = 50
POINTER = {"mlgit": ".mlgit", "dvc": ".dvc"}
PIPELINE = {"mlgit": "mlgit.yaml", "dvc": "dvc.yaml"}
STEPS = ("metrics_diff", "diff", "gc_all_commits")


def step_argv(step: str, tool: str, first: str) -> list[str]:
    if step == "metrics_diff":
        return ["metrics", "diff", first, "HEAD"]
    if step == "diff":
        return ["diff", first, "HEAD"]
    if tool == "dvc":
        return ["gc", "--all-commits", "-w", "-f"]
    return ["gc", "--all-commits", "-f"]


def write_version(repo: Path, version: int) -> None:
    data = repo / "data"
    data.mkdir(exist_ok=True)
    for i in range(FILES):
        # one file in ten changes between versions; the others stay
        body = f"file {i} version {version if i % 10 == 0 else 0}\n" * 64
        (data / f"f{i:03d}.txt").write_text(body)
    (repo / "model.bin").write_bytes(f"model version {version}\n".encode() * 1024)


def build_history(tool: core.Tool, repo: Path, commits: int) -> str:
    """The repository with `commits` commits; returns the first commit's id."""
    core.rmtree(repo)
    repo.mkdir(parents=True)
    run = lambda *a: core.run_checked(tool.argv(*a), repo, tool.env)  # noqa: E731
    git = lambda *a: core.run_checked(["git", *a], repo, tool.env)  # noqa: E731
    git("init", "-q", "-b", "main")
    run("init") if tool.name == "mlgit" else run("init", "-q")
    (repo / PIPELINE[tool.name]).write_text("metrics:\n- metrics.json\n")
    pointers: list[dict[str, bytes]] = []
    for version in range(VERSIONS):
        write_version(repo, version)
        run("add", "data", "model.bin")
        pointers.append({name: (repo / (name + POINTER[tool.name])).read_bytes()
                         for name in ("data", "model.bin")})
    git("add", "-A")
    git("commit", "-qm", "data versions")
    first = git("rev-parse", "HEAD").stdout.decode().strip()
    for i in range(1, commits):
        for name, raw in pointers[i % VERSIONS].items():
            (repo / (name + POINTER[tool.name])).write_bytes(raw)
        (repo / "metrics.json").write_text(json.dumps({"auc": i / commits, "step": i}))
        (repo / "params.yaml").write_text(f"lr: {1 / (i + 1)}\nepochs: {i % 7}\n")
        git("add", "-A")
        git("commit", "-qm", f"commit {i}")
    return first


def add_garbage(tool: core.Tool, repo: Path, round_no: int) -> None:
    """Objects no commit references: added, then their pointers thrown away."""
    junk = repo / "junk.bin"
    junk.write_bytes(f"junk {round_no} {time.time()}\n".encode() * 100)
    core.run_checked(tool.argv("add", "junk.bin"), repo, tool.env)
    junk.unlink()
    (repo / ("junk.bin" + POINTER[tool.name])).unlink()


def run(args: argparse.Namespace, tools: list[core.Tool]) -> dict[str, dict[str, list[float]]]:
    timings: dict[str, dict[str, list[float]]] = {s: {t.name: [] for t in tools} for s in STEPS}
    repos: dict[str, tuple[Path, str]] = {}
    for tool in tools:
        core.log(f"{tool.name}: building {args.commits} commits")
        started = time.perf_counter()
        repo = args.workdir / "history" / tool.name
        repos[tool.name] = (repo, build_history(tool, repo, args.commits))
        core.log(f"{tool.name}: built in {time.perf_counter() - started:.1f} s")
    for round_no in range(args.rounds):
        for step in STEPS:
            for tool in tools:
                tool.before_round()
                repo, first = repos[tool.name]
                if step == "gc_all_commits":
                    add_garbage(tool, repo, round_no)
                argv = tool.argv(*step_argv(step, tool.name, first))
                core.run_checked(argv, repo, tool.env)  # warm: Git's objects in the page cache
                if step == "gc_all_commits":
                    add_garbage(tool, repo, round_no)
                t0 = time.perf_counter()
                core.run_checked(argv, repo, tool.env)
                took = time.perf_counter() - t0
                timings[step][tool.name].append(took)
                core.log(f"round {round_no + 1} {step:<15} {tool.name:<5} {took:7.3f} s")
    return timings


def rows(timings: dict[str, dict[str, list[float]]]) -> list[dict[str, object]]:
    found = []
    for step, by_tool in timings.items():
        medians = {t: statistics.median(v) for t, v in by_tool.items() if v}
        ratio = (medians["dvc"] / medians["mlgit"]
                 if "dvc" in medians and "mlgit" in medians else None)
        found.append({"step": step, "mlgit": medians.get("mlgit"), "dvc": medians.get("dvc"),
                      "ratio": ratio})
    return found


def table(found: list[dict[str, object]], markdown: bool) -> str:
    head = ["step", "mlgit s", "DVC s", "DVC / mlgit"]
    lines = []
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|"]
    else:
        lines.append(f"{head[0]:<16}{head[1]:>9}{head[2]:>9}{head[3]:>13}")
    for r in found:
        cells = [str(r["step"]), core.fmt(r["mlgit"], ".3f"), core.fmt(r["dvc"], ".3f"),
                 core.fmt(r["ratio"], ".1f", "x")]
        lines.append("| " + " | ".join(cells) + " |" if markdown else
                     f"{cells[0]:<16}{cells[1]:>9}{cells[2]:>9}{cells[3]:>13}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Time mlgit against DVC on metrics diff, diff and"
                                " gc --all-commits over a long history.")
    core.add_tool_options(p, "dvc-venv", "dvc")
    p.add_argument("--commits", type=int, default=COMMITS,
                   help=f"commits in the history (default: {COMMITS})")
    args = p.parse_args(argv)
    if args.commits < 2:
        p.error("--commits must be at least 2")
    core.check_tool_options(p, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    done = core.run_with_tools(args, args.workdir / "history-site", run)
    if done is None:
        return 2
    tools, timings = done
    meta = core.run_meta(args, tools, started, commits=args.commits)
    found = rows(timings)
    print(table(found, args.markdown))
    core.log(f"total wall time {meta['wall_seconds']} s")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "timings": timings, "rows": found},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
