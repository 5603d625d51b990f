#!/usr/bin/env python3
"""Requests at the server: mlgit and DVC push and pull the same N small files against a
GCS emulator and a moto S3 server, both on 127.0.0.1 in this process. Every HTTP request
the server answers during a command is counted (GCS: the emulator's router; S3: a WSGI
middleware in front of moto), and the command is timed.

    python benchmarks/bench_requests.py                      # 20,000 files, both tools
    python benchmarks/bench_requests.py --files 100000       # more
    python benchmarks/bench_requests.py --only mlgit --stores s3

DVC needs its S3 and GCS plugins (`pip install dvc dvc-s3 dvc-gs` into `--dvc-venv`;
installed there when the venv does not exist yet). The servers are Python and share the
machine with the tool under test: the times say how well a tool keeps its requests in
flight against a slow server, not what a real bucket would give; the counts are exact.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gcs import GCSFS_ENV, PROJECT, Emulator, free_port

STORES = ("gs", "s3")
TOOLS = ("mlgit", "dvc")
DVC_PACKAGES = ("dvc", "dvc-s3", "dvc-gs")


def log(msg: str) -> None:
    print(f"[bench_requests] {msg}", file=sys.stderr, flush=True)


# -- data ----------------------------------------------------------------------------------


def make_files(root: Path, count: int, seed: int) -> int:
    """`count` files of 1-8 KiB of random bytes, 1000 a folder; their total size. Kept
    when a previous run made the same set (a marker file names it)."""
    marker = root.parent / f"{root.name}.done"
    if marker.exists() and marker.read_text() == f"{count} {seed}":
        return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        folder = root / f"d{i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        data = rng.randbytes(rng.randint(1024, 8192))
        (folder / f"f{i:07d}.bin").write_bytes(data)
        total += len(data)
    marker.write_text(f"{count} {seed}")
    return total


# -- servers -------------------------------------------------------------------------------


class S3Server:
    """moto's S3 on a threaded werkzeug server, every request counted."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        self.requests = 0
        self._lock = threading.Lock()
        app = DomainDispatcherApplication(create_backend_app)

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            with self._lock:
                self.requests += 1
            return app(environ, start_response)

        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, counted, threaded=True,
                                   request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def create_bucket(self, name: str) -> None:
        import boto3  # type: ignore[import-untyped]

        boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="x",
                     aws_secret_access_key="x", region_name="us-east-1"
                     ).create_bucket(Bucket=name)

    def stop(self) -> None:
        self._server.shutdown()


class GcsServer:
    def __init__(self) -> None:
        self._emulator = Emulator(install=False)
        self.endpoint = self._emulator.endpoint

    @property
    def requests(self) -> int:
        return int(self._emulator.requests)

    @requests.setter
    def requests(self, value: int) -> None:
        self._emulator.requests = value

    def create_bucket(self, name: str) -> None:
        self._emulator.create_bucket(name)

    def stop(self) -> None:
        self._emulator.stop()


# -- tools ---------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    exe: Path
    env: dict[str, str]


def make_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GOOGLE_"))}
    env.update(GCSFS_ENV)
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
               DVC_NO_ANALYTICS="1", AWS_EC2_METADATA_DISABLED="true")
    return env


def mlgit_tool(path: str | None) -> Tool:
    exe = Path(path) if path else Path(sys.executable).with_name("mlgit")
    if not exe.exists():
        raise SystemExit(f"error: no mlgit at {exe}\nhint: pip install . or pass --mlgit PATH")
    return Tool("mlgit", exe, make_env())


def dvc_tool(venv: Path) -> Tool:
    exe = venv / "bin" / "dvc"
    if not exe.exists():
        log(f"installing {' '.join(DVC_PACKAGES)} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *DVC_PACKAGES],
                       check=True)
    return Tool("dvc", exe, make_env())


def run(tool: Tool, args: Iterable[str], cwd: Path) -> None:
    argv = [str(tool.exe), *args]
    proc = subprocess.run(argv, cwd=cwd, env=tool.env, capture_output=True,
                          stdin=subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(argv)} failed ({proc.returncode}) in {cwd}\n"
                         f"{proc.stdout.decode(errors='replace')[-2000:]}"
                         f"{proc.stderr.decode(errors='replace')[-2000:]}")


def git(tool: Tool, args: Iterable[str], cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=tool.env, check=True, capture_output=True)


def configure_remote(tool: Tool, repo: Path, store: str, url: str, endpoint: str) -> None:
    if tool.name == "dvc":
        run(tool, ["remote", "add", "-d", "bench", url], repo)
        options = ({"endpointurl": endpoint, "allow_anonymous_login": "true",
                    "projectname": PROJECT} if store == "gs" else
                   {"endpointurl": endpoint, "access_key_id": "x", "secret_access_key": "x"})
        for key, value in options.items():
            run(tool, ["remote", "modify", "--local", "bench", key, value], repo)
        return
    run(tool, ["remote", "add", "bench", url, "--default"], repo)
    options = ({"endpoint_url": endpoint, "anonymous": "true", "project": PROJECT}
               if store == "gs" else
               {"endpoint_url": endpoint, "access_key_id": "x", "secret_access_key": "x"})
    for key, value in options.items():
        run(tool, ["remote", "modify", "bench", key, value, "--local"], repo)


@dataclass
class Measured:
    tool: str
    store: str
    step: str
    seconds: float
    requests: int


def measure(tool: Tool, store: str, server: GcsServer | S3Server, step: str,
            args: list[str], repo: Path) -> Measured:
    server.requests = 0
    start = time.perf_counter()
    run(tool, args, repo)
    seconds = time.perf_counter() - start
    found = Measured(tool.name, store, step, seconds, server.requests)
    log(f"{tool.name} {step} {store}: {seconds:.1f} s, {found.requests} requests")
    return found


def one_round(tool: Tool, store: str, server: GcsServer | S3Server, data: Path,
              work: Path, files: int) -> list[Measured]:
    """Push `data` into an empty bucket, then pull it into an empty cache and work tree."""
    repo = work / f"{tool.name}-{store}"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git(tool, ["init", "-q"], repo)
    run(tool, ["init"], repo)
    shutil.copytree(data, repo / "data", copy_function=shutil.copyfile)
    run(tool, ["add", "data"], repo)
    bucket = f"{tool.name}-{store}-{int(time.time() * 1000)}"
    server.create_bucket(bucket)
    configure_remote(tool, repo, store, f"{store}://{bucket}/store", server.endpoint)
    git(tool, ["add", "-A"], repo)
    git(tool, ["commit", "-q", "-m", "data"], repo)
    found = [measure(tool, store, server, "push", ["push"], repo)]
    meta = repo / (".dvc" if tool.name == "dvc" else ".mlgit")
    for gone in (meta / "cache", meta / "tmp", repo / "data"):
        shutil.rmtree(gone, ignore_errors=True)
    found.append(measure(tool, store, server, "pull", ["pull"], repo))
    pulled = sum(1 for f in (repo / "data").rglob("*") if f.is_file())
    if pulled != files:
        raise SystemExit(f"error: {tool.name} pull from {store} brought {pulled} of {files}"
                         " files")
    shutil.rmtree(repo, ignore_errors=True)
    return found


# -- report --------------------------------------------------------------------------------


def table(results: list[Measured], files: int) -> str:
    def get(tool: str, store: str, step: str) -> Measured | None:
        return next((m for m in results if (m.tool, m.store, m.step) == (tool, store, step)),
                    None)

    lines = [f"| {files:,} files | mlgit requests | DVC requests | DVC/mlgit | mlgit [s] |"
             " DVC [s] |", "|---|---:|---:|---:|---:|---:|"]
    for store in STORES:
        for step in ("push", "pull"):
            m, d = get("mlgit", store, step), get("dvc", store, step)
            if m is None and d is None:
                continue
            ratio = f"{d.requests / m.requests:,.0f}x" if m and d and m.requests else "-"
            lines.append(
                f"| {step} {store} | {f'{m.requests:,}' if m else '-'} | "
                f"{f'{d.requests:,}' if d else '-'} | {ratio} | "
                f"{f'{m.seconds:.1f}' if m else '-'} | {f'{d.seconds:.1f}' if d else '-'} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stores", default=",".join(STORES))
    p.add_argument("--only", choices=TOOLS)
    p.add_argument("--mlgit", help="the mlgit executable (default: beside this Python)")
    p.add_argument("--dvc-venv", type=Path,
                   default=Path.home() / ".cache" / "mlgit-bench" / "dvc-remotes-venv")
    p.add_argument("--workdir", type=Path,
                   default=Path(os.environ.get("TMPDIR", "/tmp")) / "mlgit-bench-requests")
    p.add_argument("--json", type=Path, help="also write every measurement here")
    args = p.parse_args()
    stores = [s for s in args.stores.split(",") if s]
    if any(s not in STORES for s in stores):
        p.error(f"--stores takes {', '.join(STORES)}")
    tools = [] if args.only == "dvc" else [mlgit_tool(args.mlgit)]
    tools += [] if args.only == "mlgit" else [dvc_tool(args.dvc_venv.expanduser())]
    data = args.workdir / f"data-{args.files}"
    log(f"data: {args.files} files under {data}")
    total = make_files(data, args.files, args.seed)
    servers: dict[str, GcsServer | S3Server] = {}
    results: list[Measured] = []
    try:
        for store in stores:
            servers[store] = GcsServer() if store == "gs" else S3Server()
            for tool in tools:
                results += one_round(tool, store, servers[store], data,
                                     args.workdir / "runs", args.files)
    finally:
        for server in servers.values():
            server.stop()
    load = os.getloadavg()
    print(f"{args.files:,} files of 1-8 KiB ({total / 2**20:.0f} MiB); "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print(table(results, args.files))
    if args.json:
        args.json.write_text(json.dumps([m.__dict__ for m in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
