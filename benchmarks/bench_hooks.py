#!/usr/bin/env python3
"""What the Git hooks cost: a branch switch that changes 100 of 20,000 tracked files, with
mlgit's post-checkout hook, against `git checkout` followed by a full `mlgit checkout`; and a
`git push` of commits that carry no data, with the pre-push hook and without it.

Two layouts: 20,000 files each tracked on its own (20,000 pointer files), and one tracked
folder of 20,000 files. Each timing is the median of `--rounds` switches (there and back).
The switch with the hook is also set against a checkout of every file into an empty place
(the files deleted, the cache warm, the page cache dropped first when allowed): the project
promises under a tenth of that. The date and the load average are printed with the
figures, which are only comparable within one run.

DVC gets the same data in its own repository, tracked the same way (`dvc add` of every file,
or of the folder), with its hooks from `dvc install`; its post-checkout hook runs
`dvc checkout`. The switches of both repositories are interleaved, and the ratio
DVC / mlgit of the switch with the hook is printed (the project promises at least 10x).
DVC is installed into a throwaway venv by bench_core.py's helpers (`--no-dvc` skips it).

    python benchmarks/bench_hooks.py --rounds 3 [--files 20000] [--layout folder]

Standard library only; needs `mlgit` and `git` on PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_core as core

FILES = 20_000
CHANGED = 100
# PYTHONDONTWRITEBYTECODE is dropped: an installed tool runs from compiled bytecode (pip
# compiles it), and with the variable set a source checkout would compile every module anew
# on every run, for mlgit only (DVC's venv was compiled when pip installed it).
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
       "MLGIT_NO_PROGRESS": "1"}
SKIP = {**ENV, "MLGIT_SKIP_HOOKS": "1"}
REQUIRED_RATIO = 10.0  # DVC / mlgit, branch switch with the post-checkout hook
MAX_SHARE = 0.1  # the switch with the hook / a checkout of every file into an empty folder


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(cwd: Path, *args: str, env: dict[str, str] = ENV) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return took


def rel(i: int) -> str:
    return f"data/{i // 1000:02d}/f{i:05d}.txt"


def changed_files() -> list[str]:
    return [rel(i) for i in range(0, FILES, FILES // CHANGED)]


def write_data(repo: Path) -> None:
    for i in range(FILES):
        path = repo / rel(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file {i}\n" * 3)


def change_data(repo: Path) -> list[str]:
    changed = changed_files()
    for path in changed:
        with open(repo / path, "a") as f:
            f.write("changed\n")
    return changed


def all_files(repo: Path) -> list[str]:
    return sorted(str(p.relative_to(repo)) for p in (repo / "data").glob("*/*.txt"))


def make_repo(root: Path, per_file: bool) -> Path:
    """main and side, which differ in CHANGED files; main checked out, hooks installed."""
    repo = root / ("per-file" if per_file else "folder")
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "mlgit", "init")
    write_data(repo)
    run(repo, "mlgit", "add", "data/*/*.txt" if per_file else "data")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "base")
    run(repo, "git", "checkout", "-q", "-b", "side")
    changed = change_data(repo)
    run(repo, "mlgit", "add", *(changed if per_file else ["data"]))
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "side")
    run(repo, "mlgit", "install")
    run(repo, "git", "checkout", "-q", "main")
    return repo


def dvc_env(dvc: core.Tool) -> dict[str, str]:
    """DVC's hooks call `dvc` from PATH: the venv's bin goes first."""
    path = f"{dvc.exe.parent}{os.pathsep}{dvc.env.get('PATH', '')}"
    env = {k: v for k, v in dvc.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **{k: v for k, v in ENV.items() if k.startswith("GIT_")}, "PATH": path}


def make_dvc_repo(root: Path, per_file: bool, env: dict[str, str]) -> Path:
    """The same data and branches as `make_repo`, tracked by DVC; DVC's hooks installed."""
    repo = root / ("dvc-per-file" if per_file else "dvc-folder")
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main", env=env)
    run(repo, "dvc", "init", "-q", env=env)
    write_data(repo)
    run(repo, "dvc", "add", "-q", *(all_files(repo) if per_file else ["data"]), env=env)
    run(repo, "git", "add", "-A", env=env)
    run(repo, "git", "commit", "-qm", "base", env=env)
    run(repo, "git", "checkout", "-q", "-b", "side", env=env)
    changed = change_data(repo)
    run(repo, "dvc", "add", "-q", *(changed if per_file else ["data"]), env=env)
    run(repo, "git", "add", "-A", env=env)
    run(repo, "git", "commit", "-qm", "side", env=env)
    run(repo, "dvc", "install", env=env)
    run(repo, "git", "checkout", "-q", "main", env=env)
    return repo


def check_switched(repo: Path, branch: str) -> None:
    """The hook did its work: a changed file holds the branch's version."""
    text = (repo / changed_files()[-1]).read_text()
    if text.endswith("changed\n") != (branch == "side"):
        raise SystemExit(f"{repo}: after switching to {branch} the data was not checked out")


def switch_times(repo: Path, rounds: int, drop_caches: core.CacheDropper,
                 dvc: tuple[Path, dict[str, str]] | None = None) -> dict[str, float]:
    """Medians of the switches; with `dvc` (its repository and environment), DVC's hooked
    switches interleaved with mlgit's."""
    hooked: list[float] = []
    dvc_hooked: list[float] = []
    full: list[float] = []
    plain: list[float] = []
    for _ in range(rounds):
        for branch in ("side", "main"):
            hooked.append(run(repo, "git", "checkout", "-q", branch))
            check_switched(repo, branch)
            if dvc is not None:
                dvc_hooked.append(run(dvc[0], "git", "checkout", "-q", branch, env=dvc[1]))
                check_switched(dvc[0], branch)
    from_empty: list[float] = []
    for _ in range(rounds):
        for branch in ("side", "main"):
            took = run(repo, "git", "checkout", "-q", branch, env=SKIP)
            plain.append(took)
            full.append(took + run(repo, "mlgit", "checkout"))
        from_empty.append(checkout_from_empty(repo, drop_caches))
    times = {"git checkout + post-checkout hook": statistics.median(hooked),
             "git checkout + full mlgit checkout": statistics.median(full),
             "git checkout alone": statistics.median(plain),
             f"mlgit checkout of all {FILES} files": statistics.median(from_empty)}
    if dvc_hooked:
        times["DVC: git checkout + DVC's hook"] = statistics.median(dvc_hooked)
    return times


def checkout_from_empty(repo: Path, drop_caches: core.CacheDropper) -> float:
    """`mlgit checkout` of every file after they were deleted (the cache warm): what the
    issue calls a full checkout of the 20k files. The page cache is dropped after the removal
    when allowed (ext4 creates files slower right after many were deleted), then the cache's
    files are read back in."""
    if (repo / "data.mlgit").exists():
        shutil.rmtree(repo / "data")
    else:  # the pointers are beside the files: only the files go
        for path in (repo / "data").glob("*/*.txt"):
            path.unlink()
    drop_caches()
    core.read_through([repo / ".mlgit" / "cache"])
    took = run(repo, "mlgit", "checkout")
    check_switched(repo, "main")
    return took


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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=FILES,
                        help=f"tracked files (default: {FILES}); {CHANGED} change")
    parser.add_argument("--layout", choices=("per-file", "folder", "both"), default="both",
                        help="files each tracked on its own, one tracked folder, or both")
    parser.add_argument("--no-dvc", action="store_true", help="time mlgit only")
    parser.add_argument("--no-drop-caches", action="store_true",
                        help="do not drop the page cache before the full checkouts")
    parser.add_argument("--dvc-venv", type=Path,
                        default=Path.home() / ".cache" / "mlgit-bench" / "dvc-venv",
                        help="venv holding DVC, created if missing (default: %(default)s)")
    parser.add_argument("--dvc-spec", default="dvc",
                        help="pip requirement for DVC when the venv is created")
    args = parser.parse_args()
    if args.rounds < 1 or args.files < CHANGED:
        parser.error(f"--rounds must be at least 1 and --files at least {CHANGED}")
    return args


def put_mlgit_on_path() -> None:
    """The hooks run `mlgit` from PATH: the one beside this Python when PATH has none."""
    if shutil.which("mlgit"):
        return
    beside = Path(sys.executable).parent
    if not (beside / "mlgit").exists():
        raise SystemExit("error: no 'mlgit' on PATH or beside this Python; install mlgit"
                         " (pip install .) or put its environment's bin folder on PATH")
    os.environ["PATH"] = f"{beside}{os.pathsep}{os.environ.get('PATH', '')}"


def main() -> int:
    global FILES
    args = parse_args()
    put_mlgit_on_path()
    FILES = args.files
    root = Path(tempfile.mkdtemp(prefix="mlgit-bench-hooks-"))
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs,"
          f" load average {load_average()}", flush=True)
    drop_caches = core.CacheDropper(not args.no_drop_caches)
    try:
        dvc = None if args.no_dvc else core.make_dvc(args.dvc_venv.expanduser().absolute(),
                                                     args.dvc_spec, root)
        if dvc is not None:
            print(f"DVC {dvc.version}", flush=True)
        layouts = {"per-file": (True,), "folder": (False,), "both": (True, False)}
        for per_file in layouts[args.layout]:
            layout = f"{FILES} files, each tracked" if per_file else f"one folder of {FILES}"
            repo = make_repo(root, per_file)
            with_dvc = None
            if dvc is not None:
                env = dvc_env(dvc)
                with_dvc = (make_dvc_repo(root, per_file, env), env)
            print(f"## {layout}, {CHANGED} changed between the branches")
            times = switch_times(repo, args.rounds, drop_caches, with_dvc)
            if per_file:
                times.update(push_times(repo, args.rounds))
            for what, took in times.items():
                print(f"{what:40} {took:7.2f} s", flush=True)
            hook = times["git checkout + post-checkout hook"]
            share = hook / times[f"mlgit checkout of all {FILES} files"]
            verdict = "ok" if share < MAX_SHARE else "ABOVE"
            print(f"{'switch with the hook / full checkout':40} {share:7.2f}   "
                  f"({verdict}: under {MAX_SHARE} required)", flush=True)
            if with_dvc is not None:
                ratio = times["DVC: git checkout + DVC's hook"] / hook
                verdict = "ok" if ratio >= REQUIRED_RATIO else "BELOW"
                print(f"{'DVC / mlgit, switch with the hook':40} {ratio:7.1f} x "
                      f"({verdict}: at least {REQUIRED_RATIO:.0f}x required)", flush=True)
            print(f"load average {load_average()}", flush=True)
    except core.BenchError as exc:
        raise SystemExit(f"error: {exc}") from exc
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
