#!/usr/bin/env python3
"""Core benchmark: mlgit against DVC on add / status / checkout and push / pull to a local
folder remote.

The work is one 1 GiB file of incompressible bytes and 20,000 small files
(1-8 KiB) in 400 folders.  Every timed step runs in fresh Git repositories,
one per tool, interleaved tool by tool over several rounds; the page cache is
dropped before every timed step (and the step's inputs re-read where the step
is meant to be warm).  The report is the median per step and tool and the
ratio DVC / mlgit, checked against the minimum ratio the project promises.

Run ``python benchmarks/bench_core.py --help`` for the options; see
``benchmarks/README.md`` for what each step measures.

Standard library only.  New steps are added with the ``@step`` decorator
below; see ``add_1gib`` for the pattern.  ``bench_gcs.py`` (push and pull
against a GCS emulator) reuses the helpers of this module.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

MIB = 1 << 20
DATA_FORMAT_VERSION = 1
FILES_PER_FOLDER = 50
SUBFOLDERS_PER_TOP = 20
SMALL_MIN = 1024
SMALL_MAX = 8192
# Files at least this large are not re-read when warming a whole repository
# (a step that works on small/ does not need the 1 GiB file in the page cache).
WARM_MAX_FILE = 256 * MIB
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("mlgit", "dvc")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "mlgit bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "mlgit bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_TERMINAL_PROMPT": "0",
}


class BenchError(RuntimeError):
    """A benchmark cannot go on (a command failed, a sanity check failed)."""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Data set
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    root: Path
    big: Path
    small: Path
    big_bytes: int
    small_files: int
    small_bytes: int


def _small_name(index: int) -> str:
    # One file in 50 has a space and a non-ASCII letter in its name.
    if index % FILES_PER_FOLDER == 7:
        return f"f{index:05d} ü.bin"
    return f"f{index:05d}.bin"


def _write_big(path: Path, size_mib: int, seed: int) -> None:
    # Every 1 MiB block is distinct SHAKE-128 output keyed by (seed, index):
    # incompressible, no repeats, so neither dedup nor chunking can cheat.
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        for i in range(size_mib):
            f.write(hashlib.shake_128(f"mlgit-bench:{seed}:big:{i}".encode()).digest(MIB))
    tmp.replace(path)


def _write_small(root: Path, count: int, seed: int) -> int:
    rnd = random.Random(f"mlgit-bench:{seed}:small")
    total = 0
    for index in range(count):
        folder = index // FILES_PER_FOLDER
        top, sub = divmod(folder, SUBFOLDERS_PER_TOP)
        d = root / f"d{top:02d}" / f"s{sub:02d}"
        if index % FILES_PER_FOLDER == 0:
            d.mkdir(parents=True, exist_ok=True)
        size = rnd.randint(SMALL_MIN, SMALL_MAX)
        (d / _small_name(index)).write_bytes(rnd.randbytes(size))
        total += size
    return total


def ensure_dataset(workdir: Path, seed: int, big_mib: int, small_files: int) -> Dataset:
    """Generate the input data under ``workdir`` once; reuse it afterwards."""
    root = workdir / f"data-s{seed}-b{big_mib}-n{small_files}"
    marker = root / "complete.json"
    want = {
        "format": DATA_FORMAT_VERSION,
        "seed": seed,
        "big_mib": big_mib,
        "small_files": small_files,
    }
    if marker.is_file():
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in want} == want:
            log(f"data: reusing {root}")
            return Dataset(
                root=root,
                big=root / "big.bin",
                small=root / "small",
                big_bytes=big_mib * MIB,
                small_files=small_files,
                small_bytes=int(info["small_bytes"]),
            )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    log(f"data: generating {big_mib} MiB file + {small_files} small files in {root}")
    t0 = time.perf_counter()
    _write_big(root / "big.bin", big_mib, seed)
    small_bytes = _write_small(root / "small", small_files, seed)
    os.sync()
    marker.write_text(json.dumps({**want, "small_bytes": small_bytes}, indent=1) + "\n")
    log(
        f"data: generated in {time.perf_counter() - t0:.1f} s "
        f"({small_bytes / 1e6:.1f} MB of small files)"
    )
    return Dataset(
        root=root,
        big=root / "big.bin",
        small=root / "small",
        big_bytes=big_mib * MIB,
        small_files=small_files,
        small_bytes=small_bytes,
    )


# --------------------------------------------------------------------------
# Files and caches
# --------------------------------------------------------------------------


def iter_files(path: Path) -> Iterator[os.DirEntry[str]]:
    """Regular files under ``path`` (a file or a folder), symlinks not followed."""
    if path.is_file():
        with os.scandir(path.parent) as it:
            for entry in it:
                if entry.name == path.name:
                    yield entry
        return
    stack = [str(path)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield entry


def tree_stats(path: Path) -> tuple[int, int]:
    """(number of regular files, total bytes) under ``path``; symlinks followed."""
    count = total = 0
    for dirpath, _dirs, files in os.walk(path, followlinks=True):
        for name in files:
            count += 1
            total += os.stat(os.path.join(dirpath, name)).st_size
    return count, total


def file_digest(path: Path) -> str:
    """SHA-256 of one file (any strong hash will do: only used to compare copies)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def tree_digests(path: Path) -> dict[str, str]:
    """{path relative to ``path``: SHA-256} for every file under ``path`` (a file or a
    folder; symlinks followed, as a user reading the data would)."""
    if path.is_file():
        return {".": file_digest(path)}
    out: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(path, followlinks=True):
        for name in files:
            full = Path(dirpath, name)
            out[full.relative_to(path).as_posix()] = file_digest(full)
    return out


_SOURCE_DIGESTS: dict[Path, dict[str, str]] = {}


def source_digests(path: Path) -> dict[str, str]:
    """tree_digests of an input of the data set, computed once per run."""
    if path not in _SOURCE_DIGESTS:
        _SOURCE_DIGESTS[path] = tree_digests(path)
    return _SOURCE_DIGESTS[path]


def verify_copy(source: Path, copy: Path, what: str) -> None:
    """Raise BenchError unless ``copy`` holds exactly the files and bytes of ``source``."""
    want = source_digests(source)
    got = tree_digests(copy) if copy.exists() else {}
    if got == want:
        return
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    differ = sorted(k for k in set(want) & set(got) if want[k] != got[k])
    raise BenchError(
        f"{what}: {copy} does not match {source}: {len(missing)} missing "
        f"{missing[:3]}, {len(extra)} unexpected {extra[:3]}, {len(differ)} with other "
        f"bytes {differ[:3]}"
    )


def read_through(paths: Iterable[Path], max_file: int | None = None) -> None:
    """Read files into the page cache (makes a step's inputs warm)."""
    buf = bytearray(MIB)
    view = memoryview(buf)
    for path in paths:
        if not path.exists():
            continue
        for entry in iter_files(path):
            if max_file is not None and entry.stat(follow_symlinks=False).st_size >= max_file:
                continue
            with open(entry.path, "rb", buffering=0) as f:
                while f.readinto(view):
                    pass


class CacheDropper:
    """``sync; echo 3 > /proc/sys/vm/drop_caches`` when allowed, else only sync."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            try:
                self._drop()
            except OSError as exc:
                log(
                    f"WARNING: cannot write {DROP_CACHES} ({exc}); the page cache is "
                    "NOT dropped between steps, timings will be noisier"
                )
                self.enabled = False
        else:
            log("WARNING: --no-drop-caches: the page cache is not dropped between steps")

    @staticmethod
    def _drop() -> None:
        os.sync()
        with open(DROP_CACHES, "w") as f:
            f.write("3\n")

    def __call__(self) -> None:
        if self.enabled:
            self._drop()
        else:
            os.sync()


def rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    exe: Path
    env: dict[str, str]
    site_cache: Path | None = None  # DVC only: wiped before every round
    version: str = "?"

    def argv(self, *args: str) -> list[str]:
        return [str(self.exe), *args]

    def before_round(self) -> None:
        if self.site_cache is not None:
            rmtree(self.site_cache)
            self.site_cache.mkdir(parents=True)


def run_checked(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    if proc.returncode != 0:
        out = proc.stdout.decode(errors="replace").strip()
        err = proc.stderr.decode(errors="replace").strip()
        raise BenchError(
            f"command failed with exit {proc.returncode}: {' '.join(argv)}\n"
            f"  in {cwd}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"
        )
    return proc


def tool_version(exe: Path, env: dict[str, str]) -> str:
    """The tool's version: `--version` (DVC) or `version` (mlgit), first line."""
    for args in (["--version"], ["version"]):
        try:
            proc = subprocess.run(
                [str(exe), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        lines = proc.stdout.decode(errors="replace").strip().splitlines()
        if proc.returncode == 0 and lines:
            words = lines[0].split()
            if len(words) > 1 and words[0] == exe.name:
                words = words[1:]  # "mlgit   0.1.0" -> "0.1.0"
            return " ".join(words)
    return "?"


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_ENV)
    # PYTHONDONTWRITEBYTECODE would make a source checkout of mlgit compile every module on
    # every run, while DVC's venv was compiled when pip installed it.
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    return env


def make_mlgit(path: str | None) -> Tool:
    exe = Path(path) if path else Path(sys.executable).parent / "mlgit"
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        raise BenchError(
            f"mlgit not found at {exe}: install the package into this interpreter's "
            "environment (pip install .), pass --mlgit PATH, or use --only dvc"
        )
    env = base_env()
    return Tool(name="mlgit", exe=exe.absolute(), env=env, version=tool_version(exe, env))


def make_dvc(venv: Path, spec: str, workdir: Path) -> Tool:
    exe = venv / "bin" / "dvc"
    env = base_env()
    env["DVC_NO_ANALYTICS"] = "1"
    site_cache = workdir / "dvc-site-cache"
    env["DVC_SITE_CACHE_DIR"] = str(site_cache)
    version = tool_version(exe, env) if exe.exists() else "?"
    if version == "?":
        log(f"dvc: installing {spec!r} into {venv} (python -m venv + pip install)")
        rmtree(venv)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", spec],
            check=True,
            env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
        )
        version = tool_version(exe, env)
        if version == "?":
            raise BenchError(f"dvc installed into {venv} but `dvc --version` fails")
    return Tool(name="dvc", exe=exe, env=env, site_cache=site_cache, version=version)


R = TypeVar("R")


def run_with_tools(args: argparse.Namespace, site_dir: Path,
                   run: Callable[[argparse.Namespace, list[Tool]], R]
                   ) -> tuple[list[Tool], R] | None:
    """`run(args, tools)` with the tools `make_tools` gives, removing DVC's site cache
    afterwards; None (after logging why) when a tool could not be set up or a step failed."""
    try:
        tools = make_tools(args, site_dir)
        return tools, run(args, tools)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return None
    finally:
        with contextlib.suppress(OSError):
            rmtree(site_dir)


def run_meta(args: argparse.Namespace, tools: list[Tool], started: float,
             **extra: object) -> dict[str, object]:
    """What a benchmark run prints about itself: date, machine, tool versions, wall time."""
    versions = {t.name: t.version for t in tools}
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(), "python": platform.python_version(),
        "cpus": os.cpu_count(), "rounds": args.rounds, **extra,
        "mlgit_version": versions.get("mlgit", "-"), "dvc_version": versions.get("dvc", "-"),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def make_tools(args: argparse.Namespace, site_dir: Path) -> list[Tool]:
    """The tools `--only` selects (mlgit from `--mlgit`, DVC from `--dvc-venv`, installed there
    if missing, with its site cache under `site_dir`), each one logged with its version."""
    tools: list[Tool] = []
    if args.only in (None, "mlgit"):
        tools.append(make_mlgit(args.mlgit))
    if args.only in (None, "dvc"):
        tools.append(make_dvc(args.dvc_venv, args.dvc_spec, site_dir))
    for tool in tools:
        log(f"{tool.name}: {tool.exe} (version {tool.version})")
    return tools


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------


@dataclass
class StepContext:
    """What a step function gets: one tool, its repository, the data."""

    tool: Tool
    repo: Path
    data: Dataset
    timed: bool  # False when the step only runs as another step's prerequisite
    drop_caches: CacheDropper
    scratch: Path  # per-tool folder beside the repo (for remotes and the like)

    def run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        """Run the tool untimed (must exit 0)."""
        return run_checked(self.tool.argv(*args), self.repo, self.tool.env)

    def git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return run_checked(["git", *args], self.repo, self.tool.env)

    def measure(
        self,
        *args: str,
        warm: Sequence[Path] = (),
        warm_max_file: int | None = None,
        warm_runs: int = 0,
    ) -> float | None:
        """Run ``tool args`` as the step's timed command.

        Before it: drop the page cache, re-read ``warm`` (files or folders)
        and run the same command ``warm_runs`` times untimed.  When the step
        runs only as a prerequisite, the command runs once, untimed, and
        None is returned.
        """
        argv = self.tool.argv(*args)
        if not self.timed:
            run_checked(argv, self.repo, self.tool.env)
            return None
        self.drop_caches()
        read_through(warm, warm_max_file)
        for _ in range(warm_runs):
            run_checked(argv, self.repo, self.tool.env)
        t0 = time.perf_counter()
        run_checked(argv, self.repo, self.tool.env)
        return time.perf_counter() - t0


StepFn = Callable[[StepContext], float | None]


@dataclass(frozen=True)
class Step:
    name: str
    min_ratio: float
    requires: tuple[str, ...]
    description: str
    fn: StepFn


STEPS: dict[str, Step] = {}


def step(
    name: str, *, min_ratio: float, description: str, requires: tuple[str, ...] = ()
) -> Callable[[StepFn], StepFn]:
    """Register a step.  Steps run in registration order within a round.

    The function does its untimed setup, then returns ``ctx.measure(...)``
    (seconds of the one timed command), then may check the result.  It must
    also work untimed (``ctx.timed`` False), when another selected step
    needs it as a prerequisite.
    """

    def register(fn: StepFn) -> StepFn:
        for req in requires:
            if req not in STEPS:
                raise ValueError(f"step {name}: requirement {req} must be registered first")
        STEPS[name] = Step(name, min_ratio, requires, description, fn)
        return fn

    return register


@step("add_1gib", min_ratio=2.0, description="add one 1 GiB file (page cache warm)")
def add_1gib(ctx: StepContext) -> float | None:
    target = ctx.repo / "big.bin"
    shutil.copyfile(ctx.data.big, target)
    return ctx.measure("add", "big.bin", warm=[target])


@step("add_20k", min_ratio=8.0, description="add a folder of 20,000 files of 1-8 KiB")
def add_20k(ctx: StepContext) -> float | None:
    target = ctx.repo / "small"
    shutil.copytree(ctx.data.small, target, copy_function=shutil.copyfile)
    return ctx.measure("add", "small", warm=[target])


@step(
    "status_noop",
    min_ratio=10.0,
    description="status with nothing changed (run once untimed first)",
    requires=("add_1gib", "add_20k"),
)
def status_noop(ctx: StepContext) -> float | None:
    return ctx.measure("status", warm_runs=1)


@step(
    "checkout_20k",
    min_ratio=8.0,
    description="checkout small/ after rm -rf small (cache warm)",
    requires=("add_20k",),
)
def checkout_20k(ctx: StepContext) -> float | None:
    target = ctx.repo / "small"
    rmtree(target)
    # Warm: everything in the repository (cache objects, tool metadata, .git)
    # except the 1 GiB file and its cached copy, which this step does not use.
    seconds = ctx.measure("checkout", "small", warm=[ctx.repo], warm_max_file=WARM_MAX_FILE)
    count, total = tree_stats(target) if target.is_dir() else (0, 0)
    if (count, total) != (ctx.data.small_files, ctx.data.small_bytes):
        raise BenchError(
            f"{ctx.tool.name} checkout small: restored {count} files / {total} bytes, "
            f"expected {ctx.data.small_files} files / {ctx.data.small_bytes} bytes"
        )
    return seconds


def commit_all(ctx: StepContext, message: str) -> None:
    """Commit everything Git sees (pointer files, .gitignore, the tool's config)."""
    ctx.git("add", "-A")
    ctx.git("commit", "-q", "--allow-empty", "-m", message)


def cache_dir(ctx: StepContext) -> Path:
    return ctx.repo / (".dvc" if ctx.tool.name == "dvc" else ".mlgit") / "cache"


@step(
    "push_local",
    min_ratio=4.0,
    description="push the 1 GiB file and the 20,000 files to an empty local folder remote",
    requires=("add_1gib", "add_20k"),
)
def push_local(ctx: StepContext) -> float | None:
    remote = ctx.scratch / "remote"
    rmtree(remote)
    remote.mkdir(parents=True)
    if ctx.tool.name == "dvc":
        ctx.run("remote", "add", "-d", "bench", str(remote))
    else:
        ctx.run("remote", "add", "bench", str(remote), "--default")
    commit_all(ctx, "track big.bin and small/")
    # Cold: the cache objects are read from disk, as after any earlier work.
    seconds = ctx.measure("push")
    count, total = tree_stats(remote)
    # Neither tool may store less than the (incompressible) data it was given.
    if count == 0 or total < ctx.data.big_bytes + ctx.data.small_bytes:
        raise BenchError(
            f"{ctx.tool.name} push: the remote holds {count} files / {total} bytes, less "
            f"than the {ctx.data.big_bytes + ctx.data.small_bytes} bytes pushed"
        )
    return seconds


@step(
    "pull_local",
    min_ratio=4.0,
    description="pull both into an empty cache and workspace (a fresh clone's state)",
    requires=("push_local",),
)
def pull_local(ctx: StepContext) -> float | None:
    # What a fresh clone has: the pointer files and the tool's committed config, no
    # cache, no local state, no data.
    rmtree(cache_dir(ctx))
    rmtree(cache_dir(ctx).parent / "tmp")
    if ctx.tool.site_cache is not None:
        rmtree(ctx.tool.site_cache)
        ctx.tool.site_cache.mkdir(parents=True)
    rmtree(ctx.repo / "big.bin")
    rmtree(ctx.repo / "small")
    seconds = ctx.measure("pull")
    if ctx.timed:  # byte-for-byte check, outside the timing
        verify_copy(ctx.data.big, ctx.repo / "big.bin", f"{ctx.tool.name} pull")
        verify_copy(ctx.data.small, ctx.repo / "small", f"{ctx.tool.name} pull")
    return seconds


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


@dataclass
class Results:
    timings: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    order: list[list[str]] = field(default_factory=list)  # tool order per round

    def add(self, step_name: str, tool: str, seconds: float) -> None:
        self.timings.setdefault(step_name, {}).setdefault(tool, []).append(seconds)

    def median(self, step_name: str, tool: str) -> float | None:
        values = self.timings.get(step_name, {}).get(tool)
        return statistics.median(values) if values else None


def plan_steps(selected: Sequence[str]) -> list[tuple[Step, bool]]:
    """Steps to run in order, with whether each one is timed."""
    needed: set[str] = set()

    def need(name: str) -> None:
        if name in needed:
            return
        needed.add(name)
        for req in STEPS[name].requires:
            need(req)

    for name in selected:
        need(name)
    return [(s, s.name in selected) for s in STEPS.values() if s.name in needed]


def fresh_repo(tool: Tool, runs: Path) -> tuple[Path, Path]:
    base = runs / tool.name
    rmtree(base)
    repo = base / "repo"
    scratch = base / "scratch"
    repo.mkdir(parents=True)
    scratch.mkdir()
    run_checked(["git", "-c", "init.defaultBranch=main", "init", "-q"], repo, tool.env)
    tool.before_round()
    run_checked(tool.argv("init"), repo, tool.env)
    return repo, scratch


def run_benchmark(
    tools: list[Tool],
    data: Dataset,
    runs: Path,
    rounds: int,
    selected: Sequence[str],
    dropper: CacheDropper,
) -> Results:
    results = Results()
    plan = plan_steps(selected)
    for rnd in range(rounds):
        # Alternate who goes first so neither tool always follows the other.
        order = tools[rnd % len(tools) :] + tools[: rnd % len(tools)]
        results.order.append([t.name for t in order])
        log(f"round {rnd + 1}/{rounds}: {' then '.join(t.name for t in order)}")
        contexts: dict[str, StepContext] = {}
        for tool in order:
            repo, scratch = fresh_repo(tool, runs)
            contexts[tool.name] = StepContext(tool, repo, data, False, dropper, scratch)
        for st, timed in plan:
            for tool in order:
                ctx = contexts[tool.name]
                ctx.timed = timed
                seconds = st.fn(ctx)
                if timed:
                    if seconds is None:
                        raise BenchError(f"step {st.name} returned no timing")
                    results.add(st.name, tool.name, seconds)
                    log(f"  {st.name:<14} {tool.name:<6} {seconds:8.3f} s")
                else:
                    log(f"  {st.name:<14} {tool.name:<6}  (setup, untimed)")
    return results


def summary_rows(results: Results, selected: Sequence[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name in selected:
        st = STEPS[name]
        m = results.median(name, "mlgit")
        d = results.median(name, "dvc")
        ratio = d / m if m and d else None
        verdict = None if ratio is None else ("PASS" if ratio >= st.min_ratio else "FAIL")
        rows.append(
            {
                "step": name,
                "mlgit": m,
                "dvc": d,
                "ratio": ratio,
                "min_ratio": st.min_ratio,
                "result": verdict,
            }
        )
    return rows


def fmt(value: object, spec: str, suffix: str = "") -> str:
    """A table cell: `value` formatted, or "-" when there is none."""
    return "-" if value is None else f"{value:{spec}}{suffix}"


def plain_table(rows: list[dict[str, object]]) -> str:
    head = f"{'step':<14} {'mlgit [s]':>10} {'dvc [s]':>10} {'dvc/mlgit':>10} {'need':>7}  result"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['step']:<14} {fmt(r['mlgit'], '.3f'):>10} {fmt(r['dvc'], '.3f'):>10} "
            f"{fmt(r['ratio'], '.1f', 'x'):>10} {fmt(r['min_ratio'], '.0f', 'x'):>7}  "
            f"{r['result'] or '-'}"
        )
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, object]], meta: dict[str, object]) -> str:
    lines = [
        f"Medians of {meta['rounds']} rounds, {meta['date']}, {meta['cpus']} CPUs, "
        f"mlgit {meta['mlgit_version']}, DVC {meta['dvc_version']}; "
        f"page cache dropped before each step: {'yes' if meta['drop_caches'] else 'no'}.",
        "",
        "| step | what | mlgit (s) | DVC (s) | DVC / mlgit | required | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['step']}` | {STEPS[str(r['step'])].description} | "
            f"{fmt(r['mlgit'], '.3f')} | {fmt(r['dvc'], '.3f')} | "
            f"{fmt(r['ratio'], '.1f', 'x')} | {fmt(r['min_ratio'], '.0f', 'x')} | "
            f"{r['result'] or '-'} |"
        )
    return "\n".join(lines)


def add_shared_options(p: argparse.ArgumentParser, dvc_venv: str, dvc_spec: str) -> None:
    """The options of the benchmarks on this module's data (this one and bench_gcs.py)."""
    add_tool_options(p, dvc_venv, dvc_spec)
    add_data_options(p)


def add_tool_options(p: argparse.ArgumentParser, dvc_venv: str, dvc_spec: str) -> None:
    """The options of every benchmark that times mlgit against DVC."""
    p.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "mlgit-bench",
        help="where data and repositories go (default: %(default)s); data is reused if present",
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds per tool (default: 3)")
    p.add_argument("--only", choices=TOOLS, help="run only this tool (no ratios)")
    p.add_argument(
        "--mlgit",
        metavar="PATH",
        help="mlgit executable (default: `mlgit` next to this Python interpreter)",
    )
    p.add_argument(
        "--dvc-venv",
        type=Path,
        default=Path.home() / ".cache" / "mlgit-bench" / dvc_venv,
        help="venv holding DVC, created if missing (default: %(default)s)",
    )
    p.add_argument(
        "--dvc-spec",
        default=dvc_spec,
        help="pip requirement for DVC when the venv is created (default: %(default)s)",
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="write the raw timings here")
    p.add_argument(
        "--markdown",
        action="store_true",
        help="print a Markdown table on stdout (the plain table goes to stderr)",
    )


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The options that choose and handle this module's data set."""
    p.add_argument("--seed", type=int, default=1, help="data seed (default: 1)")
    p.add_argument(
        "--big-mib",
        type=int,
        default=1024,
        help="size of the big file in MiB (default: 1024; smaller only for smoke tests)",
    )
    p.add_argument(
        "--small-files",
        type=int,
        default=20_000,
        help="number of small files (default: 20000; smaller only for smoke tests)",
    )
    p.add_argument(
        "--no-drop-caches",
        action="store_true",
        help="do not drop the page cache before timed steps",
    )


def check_shared_options(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.small_files < 1 or args.big_mib < 1:
        p.error("--small-files and --big-mib must be positive")
    check_tool_options(p, args)


def check_tool_options(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    args.workdir = args.workdir.expanduser().absolute()
    if args.workdir.resolve().is_relative_to(REPO_ROOT):
        p.error(f"--workdir must be outside the repository ({REPO_ROOT})")
    args.dvc_venv = args.dvc_venv.expanduser().absolute()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time mlgit against DVC on add / status / checkout / push / pull "
        "(see benchmarks/README.md).",
    )
    add_shared_options(p, "dvc-venv", "dvc")
    p.add_argument(
        "--steps",
        default=",".join(STEPS),
        help=f"comma-separated steps to time (default: all: {','.join(STEPS)})",
    )
    p.add_argument(
        "--keep-repos",
        action="store_true",
        help="keep the last round's repositories under WORKDIR/runs",
    )
    args = p.parse_args(argv)
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in args.steps if s not in STEPS]
    if unknown or not args.steps:
        p.error(f"unknown steps {unknown}; choose from {', '.join(STEPS)}")
    check_shared_options(p, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        tools = make_tools(args, args.workdir)
        args.workdir.mkdir(parents=True, exist_ok=True)
        data = ensure_dataset(args.workdir, args.seed, args.big_mib, args.small_files)
        dropper = CacheDropper(not args.no_drop_caches)
        runs = args.workdir / "runs"
        try:
            results = run_benchmark(tools, data, runs, args.rounds, args.steps, dropper)
        finally:
            if not args.keep_repos:
                with contextlib.suppress(OSError):
                    rmtree(runs)
                for tool in tools:
                    if tool.site_cache is not None:
                        with contextlib.suppress(OSError):
                            rmtree(tool.site_cache)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return 2

    versions = {t.name: t.version for t in tools}
    meta: dict[str, object] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "rounds": args.rounds,
        "seed": args.seed,
        "big_bytes": data.big_bytes,
        "small_files": data.small_files,
        "small_bytes": data.small_bytes,
        "drop_caches": dropper.enabled,
        "mlgit_version": versions.get("mlgit", "-"),
        "dvc_version": versions.get("dvc", "-"),
        "tool_order_per_round": results.order,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    rows = summary_rows(results, args.steps)
    table = plain_table(rows)
    if args.markdown:
        log(table)
        print(markdown_table(rows, meta))
    else:
        print(table)
    log(f"total wall time {meta['wall_seconds']} s")
    if args.json:
        args.json.write_text(
            json.dumps({"meta": meta, "timings": results.timings, "summary": rows}, indent=2) + "\n"
        )
        log(f"raw timings written to {args.json}")
    return 1 if any(r["result"] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
