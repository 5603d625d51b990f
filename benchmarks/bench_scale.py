#!/usr/bin/env python3
"""Scale benchmark: one tracked folder of 100k, 300k or 1M files of 1-8 KiB, mlgit (with 1, 2
or 4 worker processes) against DVC, each command's time and peak memory beside its floor
measured in the same run.

Steps, in one fresh repository per (file count, tool, workers, mode):

  add          `add data` of the whole folder           floor: read every file
  status       no-op `status` (run once untimed first)  floor: status_floor.py (lstat walk)
  add10        `add data` after changing 10 files       (target: < 5 s)
  push         push to an empty local folder remote     floor: cp -a of the cache folder
  pull         pull into an empty cache and work tree   floor: cp -a of the remote folder
  checkout     checkout into an empty work tree         floor: cp -a of the same files

Modes: warm (the step's inputs re-read after the page cache is dropped) and cold (dropped,
not re-read). Peak memory is the largest resident set of the command's process tree's
largest process (wait4's ru_maxrss), in MiB.

The data is generated once per file count under --workdir and *moved* into each repository
(a rename), not copied; the files that add10 changes are put back and the tree is checked
(file count and bytes) before it is moved back. What a variant deletes waits in a trash
folder until the next variant starts, and steps that create many files wait until the last
deletion is --settle seconds old (Bench.discard says why): a 1M-file run needs ~35 GB
(data, cache, remote, the trees replaced and the floor's copy). push and pull are skipped
at --files above --max-remote-files (default 300000).

    python benchmarks/bench_scale.py --files 100000,300000 --workers 1,2,4 --markdown
    python benchmarks/bench_scale.py --files 1000000 --tools mlgit --steps add,status,add10,checkout

Standard library only; reuses bench_core.py's data writer and helpers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core as core

FLOOR = Path(__file__).resolve().parent / "status_floor.py"
STEPS = ("add", "status", "add10", "push", "pull", "checkout")
REMOTE_STEPS = {"push", "pull"}
MODES = ("warm", "cold")
CHANGED_FILES = 10


@dataclass
class Run:
    """One timed command: seconds, the peak resident set (MiB) of its largest process, and
    the peak of the main process's private (anonymous) memory, sampled every 50 ms: pages
    of a memory-mapped file count in the resident set but are the page cache's, not the
    command's."""

    seconds: float
    peak_mib: float
    anon_mib: float = 0.0


@dataclass
class Results:
    # (files, variant, mode, step) -> runs of the tool; and of the floor beside it
    tool: dict[tuple[int, str, str, str], list[Run]] = field(default_factory=dict)
    floor: dict[tuple[int, str, str, str], list[Run]] = field(default_factory=dict)

    def add(self, into: dict[tuple[int, str, str, str], list[Run]],
            key: tuple[int, str, str, str], run: Run) -> None:
        into.setdefault(key, []).append(run)


@dataclass
class Variant:
    """A tool with its worker setting: 'mlgit-w2', 'mlgit' (default workers), 'dvc'."""

    name: str
    tool: core.Tool
    env: dict[str, str]

    @property
    def is_dvc(self) -> bool:
        return self.tool.name == "dvc"


def measured(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run argv (must exit 0): its wall time and its peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    anon = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        anon = max(anon, _anon_kib(proc.pid))
        time.sleep(0.05)
    out = proc.stderr.read() if proc.stderr else b""
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise core.BenchError(f"exit {proc.returncode}: {' '.join(argv)} in {cwd}\n"
                              f"{out.decode(errors='replace')[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, anon / 1024)


def _anon_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def read_floor(path: Path) -> Run:
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    core.read_through([path])
    return Run(time.perf_counter() - t0, before / 1024)


def data_root(workdir: Path, seed: int, files: int) -> Path:
    return workdir / f"scale-s{seed}-n{files}"


def ensure_data(workdir: Path, seed: int, files: int) -> tuple[Path, int]:
    """The generated folder of `files` files (bench_core's layout: 50 files a folder, 20
    folders a top folder) and its total bytes; generated once, then reused."""
    root = data_root(workdir, seed, files)
    marker = root / "complete.json"
    if marker.is_file():
        info = json.loads(marker.read_text())
        if (root / "data").is_dir():
            return root / "data", int(info["bytes"])
        raise core.BenchError(f"{root / 'data'} is missing (an interrupted run moved it): "
                              f"remove {root} to generate it again")
    core.rmtree(root)
    root.mkdir(parents=True)
    core.log(f"data: generating {files} files in {root}")
    t0 = time.perf_counter()
    total = core._write_small(root / "data", files, seed)
    os.sync()
    marker.write_text(json.dumps({"files": files, "seed": seed, "bytes": total}) + "\n")
    core.log(f"data: {total / 1e9:.2f} GB in {time.perf_counter() - t0:.0f} s")
    return root / "data", total


def changed_paths(data: Path) -> list[Path]:
    """The CHANGED_FILES files add10 changes: the first file of each of the first folders."""
    tops = sorted(p for p in data.iterdir() if p.is_dir())
    subs = [s for top in tops[:CHANGED_FILES] for s in sorted(top.iterdir())[:1]]
    if len(subs) < CHANGED_FILES:
        subs = sorted(tops[0].iterdir())[:CHANGED_FILES]
    return [sorted(s.iterdir())[0] for s in subs[:CHANGED_FILES]]


class Bench:
    def __init__(self, args: argparse.Namespace, dropper: core.CacheDropper) -> None:
        self.args, self.drop = args, dropper
        self.results = Results()
        self.trash = args.workdir / "trash"
        self.deleted_at = time.monotonic()  # what ran before this benchmark is unknown
        self.python = interpreter_of(core.make_mlgit(args.mlgit).exe)

    def prepare(self, mode: str, *warm: Path) -> None:
        """Drop the page cache; in warm mode, re-read `warm` (files or folders)."""
        self.drop()
        if mode == "warm":
            core.read_through(warm)

    def discard(self, path: Path) -> None:
        """Move `path` into the trash, which is emptied only when the next variant starts.

        On ext4 without a journal (this kind of VM's disk) the kernel will not reuse an
        inode freed in the last 60 s (360 s while its inode table block is dirty): each
        file created meanwhile first reads the deletion time of every such inode in its
        way. A checkout right after deleting the files it replaces ran 2-5x slower than
        the same checkout on a settled disk, while its floor, copying after the cache of
        a few packs was deleted, did not pay; so deleting waits, and every step that
        creates many files (pull, checkout, the checkout floor) waits for `settle`."""
        if path.exists():
            self.trash.mkdir(parents=True, exist_ok=True)
            os.rename(path, self.trash / f"{len(os.listdir(self.trash))}-{path.name}")

    def empty_trash(self) -> None:
        if self.trash.exists():
            core.rmtree(self.trash)
            os.sync()
            self.deleted_at = time.monotonic()

    def settle(self) -> None:
        wait = self.deleted_at + self.args.settle - time.monotonic()
        if wait > 0:
            core.log(f"  waiting {wait:.0f} s for the files deleted before this step to "
                     "settle (see Bench.discard)")
            time.sleep(wait)

    def record(self, files: int, v: Variant, mode: str, step: str, run: Run,
               floor: Run | None = None) -> None:
        self.results.add(self.results.tool, (files, v.name, mode, step), run)
        extra = ""
        if floor is not None:
            self.results.add(self.results.floor, (files, v.name, mode, step), floor)
            extra = f"  floor {floor.seconds:8.2f} s"
        core.log(f"  {files:>8} {v.name:<9} {mode:<4} {step:<8} {run.seconds:8.2f} s "
                 f"{run.peak_mib:7.0f} MiB (private {run.anon_mib:.0f}){extra}")

    def one(self, files: int, v: Variant, mode: str, source: Path, total: int,
            runs: Path) -> None:
        """All the selected steps in a fresh repository holding the data (moved in)."""
        if not self.args.keep_trash:
            self.empty_trash()
        repo, scratch = core.fresh_repo(v.tool, runs)
        if not v.is_dvc and "MLGIT_WORKERS" in v.env:
            # checkout writes files on core.jobs threads; MLGIT_WORKERS sets only processes
            core.run_checked(v.tool.argv("config", "core.jobs", v.env["MLGIT_WORKERS"]), repo,
                             v.env)
        data = repo / "data"
        os.rename(source, data)
        try:
            self.steps(files, v, mode, repo, scratch, data)
        finally:
            if data.is_dir():
                self.check_tree(data, files, total, v.name)
                os.rename(data, source)
            self.discard(repo.parent)

    def check_tree(self, data: Path, files: int, total: int, who: str) -> None:
        for path, original in self.originals.items():
            if path.exists():
                path.chmod(0o644)
            path.write_bytes(original)
        count, size = core.tree_stats(data)
        if (count, size) != (files, total):
            raise core.BenchError(f"{who}: the data holds {count} files / {size} bytes, not "
                                  f"{files} / {total}: remove {data.parent} and run again")

    def run_tool(self, v: Variant, repo: Path, *args: str) -> Run:
        return measured(v.tool.argv(*args), repo, v.env)

    def steps(self, files: int, v: Variant, mode: str, repo: Path, scratch: Path,
              data: Path) -> None:
        selected = self.args.steps
        cache = repo / (".dvc" if v.is_dvc else ".mlgit") / "cache"
        target = "data.dvc" if v.is_dvc else "data"
        self.originals = {p: p.read_bytes() for p in changed_paths(data)}
        # add (needed by every other step)
        self.prepare(mode, data)
        floor = read_floor(data) if "add" in selected else None
        self.prepare(mode, data)
        run = self.run_tool(v, repo, "add", "data")
        if "add" in selected:
            self.record(files, v, mode, "add", run, floor)
        core.run_checked(["git", "add", "-A"], repo, v.env)
        core.run_checked(["git", "commit", "-qm", "data"], repo, v.env)
        if "status" in selected:
            self.run_tool(v, repo, "status")
            self.prepare(mode, repo / ".git")
            argv = [self.python, str(FLOOR), str(data), v.env.get("MLGIT_WORKERS", "2")]
            floor = measured(argv, repo, v.env)
            if mode == "warm":
                self.run_tool(v, repo, "status")
            else:
                self.prepare(mode)
            self.record(files, v, mode, "status", self.run_tool(v, repo, "status"), floor)
        if "add10" in selected:
            for path in self.originals:
                path.chmod(0o644)
                path.write_bytes(path.read_bytes() + b"changed")
            self.prepare(mode, repo / ".git", *self.originals)
            if mode == "warm":
                self.run_tool(v, repo, "status")
            self.record(files, v, mode, "add10", self.run_tool(v, repo, "add", "data"))
            core.run_checked(["git", "commit", "-qam", "ten changed"], repo, v.env)
        if REMOTE_STEPS & set(selected) and files <= self.args.max_remote_files:
            self.remote_steps(files, v, mode, repo, scratch, data, cache)
        if "checkout" in selected:
            self.checkout(files, v, mode, repo, scratch, data, cache, target)

    def remote_steps(self, files: int, v: Variant, mode: str, repo: Path, scratch: Path,
                     data: Path, cache: Path) -> None:
        remote = scratch / "remote"
        remote.mkdir()
        if v.is_dvc:
            core.run_checked(v.tool.argv("remote", "add", "-d", "bench", str(remote)), repo,
                             v.env)
        else:
            core.run_checked(v.tool.argv("remote", "add", "bench", str(remote), "--default"),
                             repo, v.env)
        core.run_checked(["git", "add", "-A"], repo, v.env)
        core.run_checked(["git", "commit", "-qm", "remote"], repo, v.env)
        copy = scratch / "floor"
        self.prepare(mode, cache)
        floor = measured(["cp", "-a", str(cache), str(copy)], repo, v.env)
        self.discard(copy)
        self.prepare(mode, cache)
        self.record(files, v, mode, "push", self.run_tool(v, repo, "push"), floor)
        if "pull" not in self.args.steps:
            return
        self.prepare(mode, remote)
        floor = measured(["cp", "-a", str(remote), str(copy)], repo, v.env)
        self.discard(copy)
        self.discard(cache)
        self.discard(cache.parent / "tmp")
        if v.tool.site_cache is not None:
            v.tool.before_round()
        self.discard(data)
        self.settle()
        self.prepare(mode, remote)
        self.record(files, v, mode, "pull", self.run_tool(v, repo, "pull"), floor)
        self.discard(remote)

    def checkout(self, files: int, v: Variant, mode: str, repo: Path, scratch: Path,
                 data: Path, cache: Path, target: str) -> None:
        self.discard(data)
        self.settle()
        self.prepare(mode, cache)
        run = self.run_tool(v, repo, "checkout", target)
        # The floor copies the files just checked out, with nothing deleted since either.
        copy = scratch / "floor"
        self.prepare(mode, data)
        floor = measured(["cp", "-a", str(data), str(copy)], repo, v.env)
        self.discard(copy)
        self.record(files, v, mode, "checkout", run, floor)


def interpreter_of(exe: Path) -> str:
    with open(exe, "rb") as f:
        first = f.readline().decode(errors="replace").strip()
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def variants(args: argparse.Namespace, site_dir: Path) -> list[Variant]:
    out: list[Variant] = []
    if "mlgit" in args.tools:
        tool = core.make_mlgit(args.mlgit)
        for w in args.workers:
            env = dict(tool.env)
            if w:
                env["MLGIT_WORKERS"] = str(w)
            out.append(Variant(f"mlgit-w{w}" if w else "mlgit", tool, env))
    if "dvc" in args.tools:
        tool = core.make_dvc(args.dvc_venv, args.dvc_spec, site_dir)
        out.append(Variant("dvc", tool, tool.env))
    return out


def summary(results: Results) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key, runs in results.tool.items():
        files, name, mode, step = key
        floors = results.floor.get(key, [])
        t = statistics.median(r.seconds for r in runs)
        f = statistics.median(r.seconds for r in floors) if floors else None
        rows.append({"files": files, "tool": name, "mode": mode, "step": step,
                     "seconds": t, "peak_mib": max(r.peak_mib for r in runs),
                     "anon_mib": max(r.anon_mib for r in runs),
                     "floor": f, "x_floor": t / f if f else None, "runs": len(runs)})
    dvc = {(r["files"], r["mode"], r["step"]): r["seconds"] for r in rows if r["tool"] == "dvc"}
    for r in rows:
        d = dvc.get((r["files"], r["mode"], r["step"]))
        r["dvc_x"] = d / float(r["seconds"]) if d and r["tool"] != "dvc" else None  # type: ignore[arg-type]
    order = {s: i for i, s in enumerate(STEPS)}
    rows.sort(key=lambda r: (order[str(r["step"])], r["mode"], r["files"], str(r["tool"])))
    return rows


def markdown(rows: list[dict[str, object]], meta: dict[str, object]) -> str:
    lines = [f"{meta['date']}, {meta['cpus']} CPUs, load average before/after "
             f"{meta['load_before']} / {meta['load_after']}, mlgit {meta['mlgit_version']}, "
             f"DVC {meta['dvc_version']}, medians of {meta['rounds']} round(s).", "",
             "| step | mode | files | tool | time (s) | peak RSS (MiB) | peak private (MiB) |"
             " floor (s) | x floor | DVC / this |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['step']} | {r['mode']} | {r['files']:,} | {r['tool']} | "
                     f"{core.fmt(r['seconds'], '.2f')} | {core.fmt(r['peak_mib'], '.0f')} | "
                     f"{core.fmt(r['anon_mib'], '.0f')} | "
                     f"{core.fmt(r['floor'], '.2f')} | {core.fmt(r['x_floor'], '.2f')} | "
                     f"{core.fmt(r['dvc_x'], '.1f', 'x')} |")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="mlgit against DVC on one folder of many small "
                                "files: time and peak memory per command, beside floors.")
    p.add_argument("--files", default="100000,300000,1000000",
                   help="comma-separated file counts (default: %(default)s)")
    p.add_argument("--tools", default="mlgit,dvc",
                   help="mlgit, dvc or mlgit,dvc (default: %(default)s)")
    p.add_argument("--workers", default="0",
                   help="MLGIT_WORKERS values for mlgit, comma-separated; 0 = unset, every "
                   "CPU (default: %(default)s)")
    p.add_argument("--modes", default="warm", help="warm, cold or both (default: warm)")
    p.add_argument("--steps", default=",".join(STEPS), help="default: %(default)s")
    p.add_argument("--max-remote-files", type=int, default=300_000,
                   help="skip push and pull above this many files (disk space)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-drop-caches", action="store_true")
    p.add_argument("--settle", type=float, default=361.0,
                   help="seconds between deleting many files and a step that creates many "
                   "(default: %(default)s; see Bench.discard)")
    p.add_argument("--keep-trash", action="store_true",
                   help="empty the trash only at the end (no waits between variants; needs "
                   "the disk space of every variant's replaced trees)")
    core.add_tool_options(p, "dvc-venv", "dvc")
    p.set_defaults(workdir=Path(tempfile.gettempdir()) / "mlgit-bench-scale", rounds=1)
    args = p.parse_args(argv)
    args.files = [int(x) for x in args.files.split(",") if x.strip()]
    args.tools = [x.strip() for x in args.tools.split(",") if x.strip()]
    args.workers = [int(x) for x in args.workers.split(",") if x.strip()]
    args.modes = [x.strip() for x in args.modes.split(",") if x.strip()]
    args.steps = [x.strip() for x in args.steps.split(",") if x.strip()]
    if args.only:
        args.tools = [args.only]
    bad = [*(t for t in args.tools if t not in core.TOOLS), *(m for m in args.modes
           if m not in MODES), *(s for s in args.steps if s not in STEPS)]
    if bad or not args.files or min(args.files) < 1000:
        p.error(f"unknown tools/modes/steps {bad}, or fewer than 1000 files")
    core.check_tool_options(p, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    args.workdir.mkdir(parents=True, exist_ok=True)
    site_dir = args.workdir / "dvc-site"
    bench: Bench | None = None
    try:
        vs = variants(args, site_dir)
        bench = Bench(args, core.CacheDropper(not args.no_drop_caches))
        runs = args.workdir / "runs"
        for files in args.files:
            source, total = ensure_data(args.workdir, args.seed, files)
            for rnd in range(args.rounds):
                shift = rnd % len(vs)
                for v in vs[shift:] + vs[:shift]:
                    for mode in args.modes:
                        bench.one(files, v, mode, source, total, runs)
    except core.BenchError as exc:
        core.log(f"ERROR: {exc}")
        return 2
    finally:
        core.rmtree(site_dir)
        if bench is not None:
            bench.empty_trash()
    meta = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(), "rounds": args.rounds, "load_before": load_before,
            "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "mlgit_version": next((v.tool.version for v in vs if not v.is_dvc), "-"),
            "dvc_version": next((v.tool.version for v in vs if v.is_dvc), "-"),
            "wall_seconds": round(time.perf_counter() - started, 1)}
    assert bench is not None
    rows = summary(bench.results)
    table = markdown(rows, meta)
    print(table)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
