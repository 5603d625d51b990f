#!/usr/bin/env python3
"""Chunked large files: what a small change to a large tracked file costs, mlgit against DVC.

The work: one file of incompressible bytes (1 GiB by default) added, committed and pushed to
an empty local folder remote, and a Git clone of that repository pulled (it holds the first
version). Then, each tool in turn, in the same repositories:

- ``edit``: 1 MiB in the middle of the file is overwritten; add, commit, push; the clone
  pulls it.
- ``append``: 1 MiB is appended to the file; the same steps.
- ``checkpoint``: a second file, a "checkpoint" made of 64 equal "layers" of which 8 differ
  from the first file's, is added and pushed beside it.

For every step the report gives the bytes that step added to the cache, to the remote, and to
the clone's cache (the sum of the sizes of the files under each folder before and after), and
its time. DVC stores and sends a whole new copy of a changed file; mlgit cuts files above
``cache.chunk_threshold`` into content-defined chunks and stores and sends only the chunks
the other side lacks.

``--sizes`` adds a study of the chunk size itself (pyfastcdc, in this process): cutting speed,
chunk count, and the new bytes after the same edits at 64 KiB, 512 KiB (mlgit's) and 1 MiB
average chunks.

Standard library only (plus pyfastcdc for ``--sizes``); see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import (
    MIB,
    BenchError,
    CacheDropper,
    Tool,
    add_tool_options,
    check_tool_options,
    log,
    make_tools,
    rmtree,
    run_checked,
    run_meta,
    tree_stats,
)

EDIT_BYTES = MIB
LAYERS = 64
CHANGED_LAYERS = 8
LIMIT = 4 * MIB
"""What the project promises a 1 MiB change costs mlgit in the cache, on the remote and in a
clone's cache (issue: chunked large files)."""


def _random(seed: str, size: int) -> bytes:
    return hashlib.shake_128(seed.encode()).digest(size)


def write_random(path: Path, size: int, seed: str) -> None:
    with open(path, "wb") as f:
        for i in range(0, size, 16 * MIB):
            f.write(_random(f"{seed}:{i}", min(16 * MIB, size - i)))


def write_checkpoint(source: Path, dest: Path, seed: str) -> None:
    """`source` with CHANGED_LAYERS of its LAYERS equal parts rewritten."""
    size = source.stat().st_size
    layer = size // LAYERS
    changed = {(i * 7 + 3) % LAYERS for i in range(CHANGED_LAYERS)}
    with open(source, "rb") as src, open(dest, "wb") as out:
        for i in range(LAYERS):
            data = src.read(layer if i < LAYERS - 1 else size - layer * (LAYERS - 1))
            out.write(_random(f"{seed}:{i}", len(data)) if i in changed else data)


@dataclass
class Row:
    scenario: str
    tool: str
    step: str
    seconds: float
    cache_bytes: int
    remote_bytes: int
    clone_bytes: int


@dataclass
class Setup:
    tool: Tool
    repo: Path
    clone: Path
    remote: Path

    def run(self, where: Path, *args: str) -> None:
        run_checked(self.tool.argv(*args), where, self.tool.env)

    def git(self, where: Path, *args: str) -> None:
        run_checked(["git", *args], where, self.tool.env)

    @property
    def meta(self) -> str:
        return ".dvc" if self.tool.name == "dvc" else ".mlgit"

    def sizes(self) -> tuple[int, int, int]:
        return (tree_stats(self.repo / self.meta / "cache")[1], tree_stats(self.remote)[1],
                tree_stats(self.clone / self.meta / "cache")[1])


def setup(tool: Tool, base: Path, size: int, threshold: int | None) -> Setup:
    rmtree(base)
    repo, clone, remote = base / "repo", base / "clone", base / "remote"
    repo.mkdir(parents=True)
    remote.mkdir()
    s = Setup(tool, repo, clone, remote)
    s.git(repo, "-c", "init.defaultBranch=main", "init", "-q")
    tool.before_round()
    s.run(repo, "init")
    if tool.name == "dvc":
        s.run(repo, "remote", "add", "-d", "bench", str(remote))
    else:
        s.run(repo, "remote", "add", "bench", str(remote), "--default")
        if threshold is not None:
            s.run(repo, "config", "cache.chunk_threshold", str(threshold))
    write_random(repo / "model.bin", size, "bench-chunks:v1")
    s.run(repo, "add", "model.bin")
    s.git(repo, "add", "-A")
    s.git(repo, "commit", "-q", "-m", "v1")
    s.run(repo, "push")
    s.git(base, "clone", "-q", str(repo), str(clone))
    s.run(clone, "pull")
    return s


def change_and_sync(s: Setup, scenario: str, change: Callable[[Path], str],
                    drop: CacheDropper) -> list[Row]:
    """Apply a change in the repository, then add + commit, push, and pull in the clone:
    one row per step with the bytes it added to the cache, the remote and the clone."""
    rows: list[Row] = []
    target = change(s.repo)
    steps: list[tuple[str, Path, tuple[str, ...]]] = [
        ("add", s.repo, ("add", target)), ("push", s.repo, ("push",)),
        ("pull", s.clone, ("pull",))]
    for name, where, args in steps:
        if name == "push":
            s.git(s.repo, "add", "-A")
            s.git(s.repo, "commit", "-q", "-m", scenario)
        if name == "pull":
            s.git(s.clone, "pull", "-q", "origin", "main")
        before = s.sizes()
        drop()
        t0 = time.perf_counter()
        s.run(where, *args)
        seconds = time.perf_counter() - t0
        after = s.sizes()
        cache, remote, clone = (a - b for a, b in zip(after, before, strict=True))
        rows.append(Row(scenario, s.tool.name, name, seconds, cache, remote, clone))
        log(f"  {scenario:<10} {s.tool.name:<6} {name:<5} {seconds:7.2f} s  cache +{cache:,}"
            f"  remote +{remote:,}  clone +{clone:,}")
    want = hashlib.sha256((s.repo / target).read_bytes()).hexdigest()
    got = hashlib.sha256((s.clone / target).read_bytes()).hexdigest()
    if want != got:
        raise BenchError(f"{s.tool.name} {scenario}: the clone's {target} differs")
    return rows


def edit_middle(repo: Path) -> str:
    path = repo / "model.bin"
    path.chmod(0o644)
    with open(path, "r+b") as f:
        f.seek(path.stat().st_size // 2)
        f.write(_random("bench-chunks:edit", EDIT_BYTES))
    return "model.bin"


def append_end(repo: Path) -> str:
    path = repo / "model.bin"
    path.chmod(0o644)
    with open(path, "ab") as f:
        f.write(_random("bench-chunks:append", EDIT_BYTES))
    return "model.bin"


def second_checkpoint(repo: Path) -> str:
    write_checkpoint(repo / "model.bin", repo / "model-2.bin", "bench-chunks:ckpt")
    return "model-2.bin"


SCENARIOS: dict[str, Callable[[Path], str]] = {
    "edit": edit_middle, "append": append_end, "checkpoint": second_checkpoint}


# -- the chunk size study ----------------------------------------------------------------------


@dataclass
class SizeRow:
    avg_kib: int
    chunks: int
    cut_seconds: float
    new_after_edit: int
    new_after_append: int
    new_checkpoint: int
    checkpoint_bytes: int


def study_sizes(data_file: Path, scratch: Path, rounds: int) -> list[SizeRow]:
    from pyfastcdc import FastCDC

    edited = scratch / "edited.bin"
    ckpt = scratch / "ckpt.bin"
    data = data_file.read_bytes()
    middle = len(data) // 2
    edited.write_bytes(data[:middle] + _random("bench-chunks:edit", EDIT_BYTES)
                       + data[middle + EDIT_BYTES:])
    write_checkpoint(data_file, ckpt, "bench-chunks:ckpt")
    appended = data + _random("bench-chunks:append", EDIT_BYTES)
    rows = []
    for avg in (64 * 1024, 512 * 1024, 1024 * 1024):
        cdc = FastCDC(avg, min_size=avg // 4, max_size=avg * 4)

        def pieces(buf: bytes | memoryview, cdc: FastCDC = cdc) -> dict[str, int]:
            return {hashlib.blake2b(c.data, digest_size=16).hexdigest(): c.length
                    for c in cdc.cut_buf(buf)}

        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            count = sum(1 for _ in cdc.cut_buf(data))
            times.append(time.perf_counter() - t0)
        base = pieces(data)

        def new(other: dict[str, int], base: dict[str, int] = base) -> int:
            return sum(n for h, n in other.items() if h not in base)

        ck = ckpt.read_bytes()
        rows.append(SizeRow(avg // 1024, count, sorted(times)[len(times) // 2],
                            new(pieces(edited.read_bytes())), new(pieces(appended)),
                            new(pieces(ck)), len(ck)))
        log(f"  sizes avg {avg // 1024} KiB: {count} chunks, cut {rows[-1].cut_seconds:.2f} s")
    for path in (edited, ckpt):
        path.unlink()
    return rows


# -- driver ---------------------------------------------------------------------------------


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)
    sizes: list[SizeRow] = field(default_factory=list)


def disk_floor(scratch: Path, size: int, drop: CacheDropper) -> float:
    """Seconds to write `size` bytes durably (`dd ... conv=fsync`), measured in this run."""
    path = scratch / "floor.bin"
    drop()
    t0 = time.perf_counter()
    run_checked(["dd", "if=/dev/zero", f"of={path}", "bs=16M", f"count={size // (16 * MIB)}",
                 "conv=fsync", "status=none"], scratch, dict(os.environ))
    seconds = time.perf_counter() - t0
    path.unlink()
    return seconds


def run(args: argparse.Namespace, tools: list[Tool]) -> Report:
    report = Report()
    drop = CacheDropper(not args.no_drop_caches)
    size = args.size_mib * MIB
    runs = args.workdir / "chunk-runs"
    runs.mkdir(parents=True, exist_ok=True)
    try:
        for rnd in range(args.rounds):
            order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
            log(f"round {rnd + 1}/{args.rounds}: {' then '.join(t.name for t in order)}")
            report.floors.append(disk_floor(runs, size, drop))
            for tool in order:
                s = setup(tool, runs / tool.name, size, args.threshold)
                for scenario in args.scenarios:
                    report.rows += change_and_sync(s, scenario, SCENARIOS[scenario], drop)
                rmtree(runs / tool.name)
        if args.sizes:
            data = runs / "data.bin"
            write_random(data, size, "bench-chunks:v1")
            report.sizes = study_sizes(data, runs, args.rounds)
    finally:
        with contextlib.suppress(OSError):
            rmtree(runs)
    return report


def median_rows(rows: list[Row]) -> list[Row]:
    """One row per (scenario, tool, step): median time, bytes of the first round (the bytes
    are the same every round)."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.scenario, r.tool, r.step), []).append(r)
    out = []
    for (scenario, tool, name), found in groups.items():
        times = sorted(r.seconds for r in found)
        first = found[0]
        out.append(Row(scenario, tool, name, times[len(times) // 2], first.cache_bytes,
                       first.remote_bytes, first.clone_bytes))
    return out


def mib(n: int) -> str:
    return f"{n / MIB:,.1f}"


def markdown(report: Report, meta: dict[str, object]) -> str:
    lines = [f"{meta['date']}, {meta['cpus']} CPUs, mlgit {meta['mlgit_version']}, "
             f"DVC {meta['dvc_version']}; {meta['size_mib']} MiB file, {meta['rounds']} rounds "
             f"(median time), load average {meta['load']}; disk floor (`dd` of the same size, "
             f"`conv=fsync`) {', '.join(f'{f:.2f}' for f in report.floors)} s", "",
             "| change | tool | step | time [s] | cache + [MiB] | remote + [MiB] | clone + [MiB] |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in median_rows(report.rows):
        moved = {"add": r.cache_bytes, "push": r.remote_bytes, "pull": r.clone_bytes}[r.step]
        lines.append(f"| {r.scenario} | {r.tool} | {r.step} | {r.seconds:.2f} | "
                     f"{mib(r.cache_bytes)} | {mib(r.remote_bytes)} | {mib(r.clone_bytes)} |"
                     .replace(f"| {mib(moved)} |", f"| **{mib(moved)}** |", 1))
    if report.sizes:
        lines += ["", "| average chunk | chunks per file | cut [s] | new after 1 MiB edit "
                  "[MiB] | new after 1 MiB append [MiB] | checkpoint stored [% of its size] |",
                  "|---:|---:|---:|---:|---:|---:|"]
        for z in report.sizes:
            lines.append(f"| {z.avg_kib} KiB | {z.chunks:,} | {z.cut_seconds:.2f} | "
                         f"{mib(z.new_after_edit)} | {mib(z.new_after_append)} | "
                         f"{100 * z.new_checkpoint / z.checkpoint_bytes:.1f} |")
    return "\n".join(lines)


def failures(report: Report) -> list[str]:
    """mlgit's rows that break the promise (a 1 MiB change moves < 4 MiB anywhere)."""
    bad = []
    for r in median_rows(report.rows):
        if r.tool == "mlgit" and r.scenario in ("edit", "append"):
            moved = {"add": r.cache_bytes, "push": r.remote_bytes, "pull": r.clone_bytes}[r.step]
            if moved >= LIMIT:
                bad.append(f"{r.scenario} {r.step}: {moved:,} bytes (limit {LIMIT:,})")
    return bad


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    add_tool_options(p, "dvc-venv", "dvc")
    p.add_argument("--size-mib", type=int, default=1024, help="file size (default: 1024)")
    p.add_argument("--threshold", type=int, help="mlgit's cache.chunk_threshold (default: "
                   "mlgit's own, 64 MiB)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help=f"comma-separated, from {','.join(SCENARIOS)} (default: all)")
    p.add_argument("--sizes", action="store_true", help="also study the chunk size")
    p.add_argument("--no-drop-caches", action="store_true",
                   help="do not drop the page cache before timed steps")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if not args.scenarios or any(s not in SCENARIOS for s in args.scenarios):
        p.error(f"--scenarios: choose from {', '.join(SCENARIOS)}")
    if args.size_mib < 16:
        p.error("--size-mib must be at least 16")
    check_tool_options(p, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    site = args.workdir / "chunk-site"
    try:
        tools = make_tools(args, site)
        report = run(args, tools)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return 2
    finally:
        with contextlib.suppress(OSError):
            rmtree(site)
    meta = run_meta(args, tools, started, size_mib=args.size_mib,
                    load=f"{os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": [vars(r) for r in report.rows],
                                         "floors": report.floors,
                                         "sizes": [vars(z) for z in report.sizes]}, indent=1))
    table = markdown(report, meta)
    print(table)
    bad = failures(report)
    for line in bad:
        log(f"FAIL: mlgit {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
