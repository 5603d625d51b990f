"""Faults on real servers: a server that dies in the middle of a push, one that is down,
a bucket that does not exist, credentials the server refuses. Each ends in a clear message
and exit 1, nothing is lost, and running the command again completes the job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mlgit.hashing import hash_bytes
from mlgit.storage import packs
from tests.conftest import Run, git, make_tree, read_tree
from tests.remote.conformance.runner import run

LOOSE_FILES = 20
LOOSE_SIZE = 2 << 20
SMALL_FILES = 40


def _data() -> dict[str, bytes]:
    data = {f"data/big/b{i:02d}.bin": os.urandom(LOOSE_SIZE) for i in range(LOOSE_FILES)}
    data.update({f"data/small/s{i:02d}.txt": os.urandom(300 + i) for i in range(SMALL_FILES)})
    return data


def _repo(root: Path, remote: Any, data: dict[str, bytes]) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run(root, "init")
    make_tree(root, data)
    run(root, "add", *sorted({rel.split("/")[0] for rel in data}))
    run(root, "remote", "add", "origin", remote.url)
    for key, value in remote.options.items():
        run(root, "remote", "modify", "origin", key, value, "--local")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    return root


def _stored(remote: Any) -> tuple[list[str], list[list[str]]]:
    """(loose object names, the oids each pack index lists) on the remote."""
    fs, root = remote.open()
    fs.invalidate_cache()
    root = root.rstrip("/")
    try:
        paths = [str(p) for p in fs.find(root)]
    except FileNotFoundError:
        return [], []
    rels = [p.lstrip("/").removeprefix(root.lstrip("/") + "/") for p in paths]
    loose = [r for r in rels if len(r) == 33 and r[2] == "/" and not r[3:].startswith(".")]
    indexes = []
    for rel in rels:
        if rel.startswith("packs/") and rel.endswith(".idx"):
            records = packs.parse_index(fs.cat_file(f"{root}/{rel}"))
            assert records is not None, rel
            indexes.append([oid for oid, _, _ in records])
    return loose, indexes


def _cli(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mlgit", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "MLGIT_NO_PROGRESS": "1"})


def test_server_dies_mid_push_then_a_rerun_completes_without_duplicates(
        server_remote: Any, tmp_path: Path) -> None:
    data = _data()
    repo = _repo(tmp_path / "repo", server_remote, data)
    proc = _cli(repo, "push", "-j", "1")
    fs, root = server_remote.open()
    first = hash_bytes(data["data/big/b00.bin"])  # -j 1 uploads the folder's files in order
    first_path = f"{root.rstrip('/')}/{first[:2]}/{first[2:]}"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        fs.invalidate_cache()
        if fs.exists(first_path):
            break
        time.sleep(0.005)
    server_remote.stop()
    started = time.monotonic()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in err and err.startswith("error: data/"), err
    assert "error: stopped early: the remote keeps failing" in err
    assert len(err.splitlines()) < 12, err  # objects not tried are counted, not listed
    assert err.splitlines()[-1].startswith("hint: run 'mlgit push' again"), err
    assert time.monotonic() - started < 90, "a dead server must not hang the push"
    assert out.startswith("pushed ") and "to origin" in out, out
    server_remote.start()
    arrived, _ = _stored(server_remote)
    assert 0 < len(arrived) < LOOSE_FILES
    again = json.loads(run(repo, "push", "--json").out)
    assert again["failed"] == [] and again["already"] >= len(arrived)
    loose, indexes = _stored(server_remote)
    assert len(loose) == len(set(loose)) == LOOSE_FILES
    packed = [oid for index in indexes for oid in index]
    assert len(packed) == len(set(packed)) == SMALL_FILES + 1  # + the folder manifest
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    for key, value in server_remote.options.items():
        run(clone, "remote", "modify", "origin", key, value, "--local")
    run(clone, "pull")
    assert read_tree(clone / "data") == {k.removeprefix("data/"): v for k, v in data.items()}


def _assert_one_clear_line(result: Run, *needles: str) -> None:
    lines = result.err.strip().splitlines()
    assert result.code == 1 and len(lines) == 2, result
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.err
    for needle in needles:
        assert needle in lines[0], (needle, result.err)


def test_a_server_that_is_down_is_one_clear_line(server_remote: Any, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", server_remote, {"a.txt": b"a"})
    server_remote.stop()
    started = time.monotonic()
    result = run(repo, "push", code=1)
    assert time.monotonic() - started < 60
    _assert_one_clear_line(result, "remote 'origin'")
    for key, value in server_remote.options.items():
        assert value not in result.err or key in ("anonymous", "known_hosts")


@pytest.mark.parametrize("server_remote", ["gs", "s3"], indirect=True)
def test_a_missing_bucket_is_one_clear_line(server_remote: Any, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", server_remote, {"a.txt": b"a"})
    run(repo, "remote", "modify", "origin", "url", server_remote.missing_bucket_url)
    bucket = server_remote.missing_bucket_url.split("//")[1].split("/")[0]
    for command in ("push", "pull", "fetch"):
        _assert_one_clear_line(run(repo, command, code=1), f"bucket {bucket!r} does not exist")


@pytest.mark.parametrize("server_remote", ["s3", "ssh"], indirect=True)
def test_refused_credentials_are_one_clear_line(server_remote: Any, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", server_remote, {"a.txt": b"a"})
    for key, value in server_remote.bad_credentials.items():
        run(repo, "remote", "modify", "origin", key, value, "--local")
    result = run(repo, "push", code=1)
    _assert_one_clear_line(result, "remote 'origin'")
    secret = server_remote.bad_credentials.get("secret_access_key", "\0")
    assert secret not in result.err


@pytest.mark.parametrize("server_remote", ["s3", "ssh"], indirect=True)
def test_a_read_only_identity_can_pull_and_a_push_stops_at_the_first_refusal(
        server_remote: Any, tmp_path: Path) -> None:
    data = _data()
    repo = _repo(tmp_path / "repo", server_remote, data)
    run(repo, "push")
    (repo / "data/small/s00.txt").write_bytes(b"new content")
    run(repo, "add", "data")
    run(repo, "remote", "add", "readonly", server_remote.readonly_url)
    for key, value in (server_remote.readonly_options or {}).items():
        run(repo, "remote", "modify", "readonly", key, value, "--local")
    pushed = run(repo, "push", "-r", "readonly", code=1)
    _assert_one_clear_line(pushed, "remote 'readonly'", "refuses writes", "the push stopped")
    assert "Permission" in pushed.err or "denied" in pushed.err.lower(), pushed.err
    git(repo, "checkout", "-q", "--", "data.mlgit")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    run(clone, "remote", "add", "readonly", server_remote.readonly_url)
    for key, value in (server_remote.readonly_options or {}).items():
        run(clone, "remote", "modify", "readonly", key, value, "--local")
    run(clone, "pull", "-r", "readonly")
    assert read_tree(clone / "data") == {k.removeprefix("data/"): v for k, v in data.items()}


@pytest.mark.parametrize("server_remote", ["ssh"], indirect=True)
def test_an_ssh_host_key_that_is_not_known_is_refused(server_remote: Any,
                                                      tmp_path: Path) -> None:
    """Without the known_hosts option the server's key must be in ~/.ssh/known_hosts
    (here: an empty HOME), as with ssh itself."""
    repo = _repo(tmp_path / "repo", server_remote, {"a.txt": b"a"})
    run(repo, "remote", "modify", "origin", "known_hosts", "--unset", "--local")
    result = run(repo, "push", code=1)
    _assert_one_clear_line(result, "remote 'origin'", "Host key is not trusted")
    assert not server_remote.local_path.exists() or not any(server_remote.local_path.iterdir())
