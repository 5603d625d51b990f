#!/usr/bin/env python3
"""GCS benchmark: push and pull of the 20,000 small files against a local GCS emulator.

Starts ``gcp-storage-emulator`` inside this process on 127.0.0.1 (in memory), and
times ``mlgit push`` into an empty bucket and ``mlgit pull`` back into a fresh
clone's state (no cache, no data), over several rounds; medians in seconds and
files per second.  DVC (``dvc[gs]``, in a throwaway venv) is timed the same way,
interleaved with mlgit, unless ``--only mlgit``; if DVC cannot work against the
emulator, it is reported as not measured, with the reason.

The emulator is a single-threaded Python HTTP server sharing the machine with
the tool under test: the numbers say how many requests a tool needs and how well
it keeps them in flight, not what real GCS would give.

Needs ``gcp-storage-emulator`` importable by the interpreter that runs this
script; when it is missing and that interpreter is a virtual environment, the
script installs it there (``python -m pip install gcp-storage-emulator``).
See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import importlib
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import (
    BenchError,
    CacheDropper,
    Dataset,
    Tool,
    add_shared_options,
    check_shared_options,
    ensure_dataset,
    fmt,
    fresh_repo,
    log,
    make_tools,
    rmtree,
    verify_copy,
)

EMULATOR_PACKAGE = "gcp-storage-emulator"
PROJECT = "mlgit-bench"
# gcsfs >= 2025 makes gcsfs.GCSFileSystem ask for the bucket type over gRPC first, which
# an emulator never answers: ~60 s per operation.  DVC's gs plugin uses that class.
GCSFS_ENV = {"GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}
STEP_NAMES = ("push_gcs", "pull_gcs")
DESCRIPTIONS = {
    "push_gcs": "push the 20,000 files into an empty bucket",
    "pull_gcs": "pull them into an empty cache and workspace",
}


# --------------------------------------------------------------------------
# Emulator
# --------------------------------------------------------------------------


def import_emulator(install: bool) -> Any:
    """gcp_storage_emulator.server, installed into this venv first if allowed."""
    try:
        return importlib.import_module("gcp_storage_emulator.server")
    except ImportError:
        in_venv = sys.prefix != sys.base_prefix
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", EMULATOR_PACKAGE]
        if not (install and in_venv):
            raise BenchError(
                f"{EMULATOR_PACKAGE} is not installed for {sys.executable}; run: {' '.join(cmd)}"
            ) from None
        log(f"emulator: installing {EMULATOR_PACKAGE} into {sys.prefix}")
        subprocess.run(cmd, check=True)
        importlib.invalidate_caches()
        return importlib.import_module("gcp_storage_emulator.server")


def parse_multipart_upload(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/related upload (JSON metadata, then the content) split byte-exactly,
    in the form the emulator's handlers expect.  Lines end in CRLF or, as gcsfs sends
    them, in LF alone: whichever the first delimiter line uses holds for the whole body
    (so content that ends in CR keeps it)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ValueError(f"multipart upload without a boundary: {content_type!r}")
    dash_boundary = b"--" + match.group(1).encode()
    start = raw.find(dash_boundary)
    if start < 0:
        raise ValueError("multipart upload without its boundary")
    after = start + len(dash_boundary)
    nl = b"\r\n" if raw[after : after + 2] == b"\r\n" else b"\n"
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in (nl + raw[start:]).split(nl + dash_boundary)[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        head, _sep, body = chunk.removeprefix(nl).partition(nl + nl)
        headers = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            body = base64.b64decode(body)
        parts.append((headers, body))
    if len(parts) != 2:
        raise ValueError(f"multipart upload with {len(parts)} parts, expected 2")
    ctype = parts[1][0].get("content-type", "application/octet-stream")
    return {
        "meta": json.loads(parts[0][1]),
        "content": parts[1][1],
        "content-type": ctype.split(";")[0].strip(),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Emulator:
    """gcp-storage-emulator in this process, in memory, on 127.0.0.1."""

    def __init__(self, install: bool) -> None:
        import http.server

        # The emulator serves one request at a time; with the default listen backlog
        # of 5, parallel clients see refused or stalled connections for minutes.
        http.server.HTTPServer.request_queue_size = 1024
        self.dropped = 0  # requests whose client hung up before the answer was sent

        def handle_error(server: Any, request: Any, client_address: Any) -> None:
            exc = sys.exc_info()[1]
            if isinstance(exc, ConnectionError):
                self.dropped += 1
            else:
                log(f"emulator: error answering {client_address}: {exc!r}")

        http.server.HTTPServer.handle_error = handle_error  # type: ignore[method-assign,assignment]
        server_mod = import_emulator(install)
        storage_mod = importlib.import_module("gcp_storage_emulator.storage")
        # After every upload the emulator rewrites the metadata of ALL objects as one
        # JSON file (for its on-disk mode): quadratic in the object count, minutes for
        # 20k objects.  In memory that file is never read back, so skip writing it.
        storage_mod.Storage._write_config_to_file = lambda self: None
        # Its multipart upload parser (the email package) drops a trailing CR from the
        # content: 1 object in 256 comes back one byte short.  Parse those bytes exactly.
        original_read_data = server_mod._read_data

        def read_data(handler: Any, query: Any) -> Any:
            ctype = handler.headers.get("Content-Type") or ""
            if not ctype.startswith("multipart/related"):
                return original_read_data(handler, query)
            raw = server_mod._decode_raw_data(server_mod._read_raw_data(handler), handler)
            return parse_multipart_upload(raw, ctype) if raw else None

        server_mod._read_data = read_data
        # Count the requests each timed command makes.
        self.requests = 0
        original_handle = server_mod.Router.handle

        def handle(router: Any, method: Any) -> Any:
            self.requests += 1
            return original_handle(router, method)

        server_mod.Router.handle = handle
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = server_mod.create_server("127.0.0.1", self.port, in_memory=True)
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def wipe(self) -> None:
        self._server.wipe()

    def _request(self, method: str, path: str, body: dict[str, object] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.endpoint + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def create_bucket(self, name: str) -> None:
        self._request("POST", f"/storage/v1/b?project={PROJECT}", {"name": name})

    def count_objects(self, bucket: str) -> tuple[int, int]:
        """(objects, bytes) in ``bucket``."""
        count = total = 0
        token = ""
        while True:
            query = "?maxResults=1000" + (f"&pageToken={token}" if token else "")
            page = self._request("GET", f"/storage/v1/b/{bucket}/o{query}")
            for item in page.get("items", []):
                count += 1
                total += int(item.get("size", 0))
            token = page.get("nextPageToken", "")
            if not token:
                return count, total


# --------------------------------------------------------------------------
# Running the tools
# --------------------------------------------------------------------------


def run(
    tool: Tool, args: Sequence[str], cwd: Path, timeout: float | None = None
) -> subprocess.CompletedProcess[bytes]:
    argv = tool.argv(*args)
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=tool.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"timed out after {timeout:.0f} s: {' '.join(argv)}") from exc
    if proc.returncode != 0:
        out = proc.stdout.decode(errors="replace").strip()[-3000:]
        err = proc.stderr.decode(errors="replace").strip()[-3000:]
        raise BenchError(
            f"command failed with exit {proc.returncode}: {' '.join(argv)}\n"
            f"  in {cwd}\n--- stdout ---\n{out}\n--- stderr ---\n{err}"
        )
    return proc


def git(tool: Tool, args: Sequence[str], cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=tool.env, check=True, capture_output=True)


@dataclass
class Prepared:
    tool: Tool
    repo: Path
    bucket: str


def set_up(
    tool: Tool, data: Dataset, runs: Path, emulator: Emulator, bucket: str, timeout: float
) -> Prepared:
    """A repository with small/ added and committed, its remote an empty bucket."""
    repo, _scratch = fresh_repo(tool, runs)
    shutil.copytree(data.small, repo / "small", copy_function=shutil.copyfile)
    run(tool, ["add", "small"], repo, timeout)
    emulator.create_bucket(bucket)
    url = f"gs://{bucket}/store"
    if tool.name == "dvc":
        run(tool, ["remote", "add", "-d", "bench", url], repo, timeout)
        for key, value in (
            ("endpointurl", emulator.endpoint),
            ("allow_anonymous_login", "true"),
            ("projectname", PROJECT),
        ):
            run(tool, ["remote", "modify", "--local", "bench", key, value], repo, timeout)
    else:
        run(tool, ["remote", "add", "bench", url, "--default"], repo, timeout)
        for key, value in (
            ("endpoint_url", emulator.endpoint),
            ("anonymous", "true"),
            ("project", PROJECT),
        ):
            run(tool, ["remote", "modify", "bench", key, value, "--local"], repo, timeout)
    git(tool, ["add", "-A"], repo)
    git(tool, ["commit", "-q", "-m", "track small/"], repo)
    return Prepared(tool, repo, bucket)


@dataclass
class Measured:
    seconds: float
    requests: int  # HTTP requests the emulator answered during the command
    dropped: int  # of which the client had hung up before the answer


def timed(
    s: Prepared, args: Sequence[str], emulator: Emulator, dropper: CacheDropper, timeout: float
) -> Measured:
    dropper()
    emulator.requests = emulator.dropped = 0
    t0 = time.perf_counter()
    run(s.tool, args, s.repo, timeout)
    seconds = time.perf_counter() - t0
    return Measured(seconds, emulator.requests, emulator.dropped)


def push(
    s: Prepared,
    data: Dataset,
    emulator: Emulator,
    jobs: list[str],
    dropper: CacheDropper,
    timeout: float,
) -> Measured:
    measured = timed(s, ["push", *jobs], emulator, dropper, timeout)
    count, total = emulator.count_objects(s.bucket)
    if count == 0 or total < data.small_bytes:
        raise BenchError(
            f"{s.tool.name} push: the bucket holds {count} objects / {total} bytes, less "
            f"than the {data.small_bytes} bytes pushed"
        )
    return measured


def pull(
    s: Prepared,
    data: Dataset,
    emulator: Emulator,
    jobs: list[str],
    dropper: CacheDropper,
    timeout: float,
) -> Measured:
    meta = s.repo / (".dvc" if s.tool.name == "dvc" else ".mlgit")
    rmtree(meta / "cache")
    rmtree(meta / "tmp")
    if s.tool.site_cache is not None:
        rmtree(s.tool.site_cache)
        s.tool.site_cache.mkdir(parents=True)
    rmtree(s.repo / "small")
    measured = timed(s, ["pull", *jobs], emulator, dropper, timeout)
    verify_copy(data.small, s.repo / "small", f"{s.tool.name} pull")
    return measured


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    timings: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    requests: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    not_measured: dict[str, str] = field(default_factory=dict)  # tool -> why

    def add(self, step_name: str, tool: str, measured: Measured) -> None:
        self.timings.setdefault(step_name, {}).setdefault(tool, []).append(measured.seconds)
        self.requests.setdefault(step_name, {}).setdefault(tool, []).append(measured.requests)

    def median_requests(self, step_name: str, tool: str) -> int | None:
        values = self.requests.get(step_name, {}).get(tool)
        return round(statistics.median(values)) if values else None

    def median(self, step_name: str, tool: str) -> float | None:
        values = self.timings.get(step_name, {}).get(tool)
        return statistics.median(values) if values else None


def run_rounds(
    tools: list[Tool],
    data: Dataset,
    runs: Path,
    emulator: Emulator,
    args: argparse.Namespace,
    dropper: CacheDropper,
) -> Outcome:
    out = Outcome()
    active = list(tools)
    for rnd in range(args.rounds):
        if not active:
            break
        order = active[rnd % len(active) :] + active[: rnd % len(active)]
        log(f"round {rnd + 1}/{args.rounds}: {' then '.join(t.name for t in order)}")
        emulator.wipe()
        prepared: dict[str, Prepared] = {}
        for tool in order:
            try:
                prepared[tool.name] = set_up(
                    tool, data, runs, emulator, f"bench-{tool.name}-r{rnd + 1}", args.timeout
                )
            except BenchError as exc:
                if tool.name != "dvc":
                    raise
                out.not_measured["dvc"] = f"setting up the remote failed: {exc}"
                log(f"  dvc: not measured ({exc})")
        for step_name in STEP_NAMES:
            for tool in order:
                s = prepared.get(tool.name)
                if s is None:
                    continue
                jobs = ["-j", str(args.jobs)] if args.jobs else []
                try:
                    if step_name == "push_gcs":
                        measured = push(s, data, emulator, jobs, dropper, args.timeout)
                    else:
                        measured = pull(s, data, emulator, jobs, dropper, args.timeout)
                except BenchError as exc:
                    if tool.name != "dvc":
                        raise
                    out.not_measured["dvc"] = f"{step_name}: {exc}"
                    log(f"  dvc: not measured ({exc})")
                    prepared.pop("dvc", None)
                    continue
                out.add(step_name, tool.name, measured)
                rate = data.small_files / measured.seconds
                dropped = f", {measured.dropped} hung up" if measured.dropped else ""
                log(
                    f"  {step_name:<9} {tool.name:<6} {measured.seconds:8.3f} s  "
                    f"{rate:8.0f} files/s  ({measured.requests} requests{dropped})"
                )
        active = [t for t in active if t.name not in out.not_measured]
        for s in prepared.values():
            rmtree(s.repo.parent)
    return out


def summary(out: Outcome, data: Dataset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in STEP_NAMES:
        m = out.median(name, "mlgit")
        d = out.median(name, "dvc")
        rows.append(
            {
                "step": name,
                "mlgit": m,
                "mlgit_files_per_s": data.small_files / m if m else None,
                "mlgit_requests": out.median_requests(name, "mlgit"),
                "dvc": d,
                "dvc_files_per_s": data.small_files / d if d else None,
                "dvc_requests": out.median_requests(name, "dvc"),
                "ratio": d / m if m and d else None,
            }
        )
    return rows


def plain_table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'step':<9} {'mlgit [s]':>10} {'files/s':>8} {'requests':>9} {'dvc [s]':>10} "
        f"{'files/s':>8} {'requests':>9} {'dvc/mlgit':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['step']:<9} {fmt(r['mlgit'], '.3f'):>10} "
            f"{fmt(r['mlgit_files_per_s'], '.0f'):>8} {fmt(r['mlgit_requests'], 'd'):>9} "
            f"{fmt(r['dvc'], '.3f'):>10} {fmt(r['dvc_files_per_s'], '.0f'):>8} "
            f"{fmt(r['dvc_requests'], 'd'):>9} {fmt(r['ratio'], '.1f', 'x'):>10}"
        )
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"Medians of {meta['rounds']} rounds, {meta['date']}, {meta['cpus']} CPUs, "
        f"{meta['small_files']} files ({meta['small_bytes'] / 1e6:.0f} MB), "
        f"mlgit {meta['mlgit_version']}, DVC {meta['dvc_version']}, "
        f"gcp-storage-emulator {meta['emulator_version']} in memory.",
        "",
        "| step | what | mlgit (s) | mlgit files/s | mlgit requests | DVC (s) | DVC files/s "
        "| DVC requests | DVC / mlgit |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['step']}` | {DESCRIPTIONS[r['step']]} | {fmt(r['mlgit'], '.2f')} | "
            f"{fmt(r['mlgit_files_per_s'], ',.0f')} | {fmt(r['mlgit_requests'], ',d')} | "
            f"{fmt(r['dvc'], '.2f')} | {fmt(r['dvc_files_per_s'], ',.0f')} | "
            f"{fmt(r['dvc_requests'], ',d')} | {fmt(r['ratio'], '.1f', 'x')} |"
        )
    for tool, why in meta["not_measured"].items():
        lines += ["", f"{tool}: not measured: {why.splitlines()[0]}"]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time mlgit (and DVC) push/pull of 20,000 small files against a GCS "
        "emulator (see benchmarks/README.md). The big file of the data set is not used; "
        "--big-mib only selects the data folder bench_core.py made.",
    )
    add_shared_options(p, "dvc-gs-venv", "dvc[gs]")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        help="pass -j N to push and pull (default: each tool's own default)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="seconds one command may take before the tool counts as failed (default: 900)",
    )
    p.add_argument(
        "--no-install",
        action="store_true",
        help=f"do not pip-install {EMULATOR_PACKAGE} into this venv when it is missing",
    )
    args = p.parse_args(argv)
    check_shared_options(p, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    emulator: Emulator | None = None
    runs = args.workdir / "runs-gcs"
    tools: list[Tool] = []
    try:
        tools = make_tools(args, args.workdir / "gcs")
        for tool in tools:
            if tool.name == "dvc":
                tool.env.update(GCSFS_ENV)
        args.workdir.mkdir(parents=True, exist_ok=True)
        data = ensure_dataset(args.workdir, args.seed, args.big_mib, args.small_files)
        dropper = CacheDropper(not args.no_drop_caches)
        emulator = Emulator(install=not args.no_install)
        log(f"emulator: {emulator.endpoint} (in memory)")
        out = run_rounds(tools, data, runs, emulator, args, dropper)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return 2
    finally:
        if emulator is not None:
            emulator.stop()
        with contextlib.suppress(OSError):
            rmtree(runs)
        for tool in tools:
            if tool.site_cache is not None:
                with contextlib.suppress(OSError):
                    rmtree(tool.site_cache)

    versions = {t.name: t.version for t in tools}
    try:
        from importlib.metadata import version

        emulator_version = version(EMULATOR_PACKAGE)
    except Exception:
        emulator_version = "?"
    meta: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "rounds": args.rounds,
        "small_files": data.small_files,
        "small_bytes": data.small_bytes,
        "jobs": args.jobs or "default",
        "drop_caches": dropper.enabled,
        "mlgit_version": versions.get("mlgit", "-"),
        "dvc_version": versions.get("dvc", "-"),
        "emulator_version": emulator_version,
        "not_measured": out.not_measured,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    rows = summary(out, data)
    table = plain_table(rows)
    if args.markdown:
        log(table)
        print(markdown_table(rows, meta))
    else:
        print(table)
        for name, why in out.not_measured.items():
            print(f"{name}: not measured: {why}")
    log(f"total wall time {meta['wall_seconds']} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"meta": meta, "timings": out.timings, "requests": out.requests, "summary": rows},
                indent=2,
            )
            + "\n"
        )
        log(f"raw timings written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
