"""`mlgit gc -r` killed between any two writes or deletes on the remote: nothing a kept
revision needs is lost, the remote reads correctly, and running gc again finishes the job
(the same remote as an uninterrupted gc gives)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from tests.conftest import git, make_tree, mlgit

CRASHED = 77
SITECUSTOMIZE = f"""
import os

_AT = int(os.environ.get("MLGIT_TEST_CRASH_AT", "0"))
if _AT:
    from mlgit.remote import backends

    _calls = [0]

    def _dies_at_call(fn):
        def call(*args, **kwargs):
            _calls[0] += 1
            if _calls[0] == _AT:
                os._exit({CRASHED})  # as if killed: no cleanup, no buffers flushed
            return fn(*args, **kwargs)
        return call

    for _name in ("write_bytes", "upload", "remove"):
        setattr(backends.LocalBackend, _name,
                _dies_at_call(getattr(backends.LocalBackend, _name)))
"""


def _repo_with_garbage(tmp_path: Path) -> tuple[Path, Path]:
    """A repo whose remote holds v1 and v2; v1 is garbage once only HEAD is kept: a loose
    model, a chunk list, a pack mostly garbage (repacked) and one wholly garbage."""
    repo = tmp_path / "repo"
    remote = tmp_path / "remote"
    repo.mkdir()
    remote.mkdir()
    git(repo, "init", "-q", "-b", "main")
    mlgit(repo, "init")
    mlgit(repo, "config", "cache.chunk_threshold", "2000000")
    mlgit(repo, "remote", "add", "origin", str(remote))
    make_tree(repo, {"ckpt.bin": os.urandom(2_500_000)})
    mlgit(repo, "add", "ckpt.bin")
    mlgit(repo, "push")
    make_tree(repo, {**{f"data/f{i}.bin": os.urandom(300 + i) for i in range(20)},
                     "model.bin": os.urandom(1_200_000)})
    mlgit(repo, "add", "data", "model.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    mlgit(repo, "push")
    make_tree(repo, {**{f"data/f{i}.bin": os.urandom(400 + i) for i in range(16)},
                     "model.bin": os.urandom(1_300_000), "ckpt.bin": os.urandom(2_400_000)})
    mlgit(repo, "add", "data", "model.bin", "ckpt.bin")
    git(repo, "commit", "-q", "-am", "v2")
    mlgit(repo, "push")
    long_ago = time.time() - 2 * 3600  # pushed two hours ago, as gc sees it
    for path in remote.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    return repo, remote


def _files(remote: Path) -> dict[str, bytes]:
    """The remote's files, without temp files (a killed upload may leave one; they are
    removed by age)."""
    return {p.relative_to(remote).as_posix(): p.read_bytes()
            for p in remote.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _intact(repo: Path) -> None:
    checked = json.loads(mlgit(repo, "fsck", "-r", "origin", "--json").out)
    assert checked["damaged"] == [] and checked["missing"] == [], checked


def test_gc_remote_killed_at_every_step_loses_nothing(tmp_path: Path) -> None:
    repo, remote = _repo_with_garbage(tmp_path)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    pristine = tmp_path / "pristine"
    shutil.copytree(remote, pristine)
    gc = ("gc", "-r", "origin", "-f", "--grace", "0", "--json")

    planned = json.loads(mlgit(repo, *gc[:-1], "-n", "--json").out)
    assert planned["packs_repacked"] == 1 and planned["packs_deleted"] == 1
    assert planned["loose"] == 1 and planned["chunk_lists"] == 1
    mlgit(repo, *gc)
    expected = _files(remote)
    _intact(repo)

    crashes = 0
    for at in range(1, 60):
        shutil.rmtree(remote)
        shutil.copytree(pristine, remote)
        env = {"PYTHONPATH": os.pathsep.join([str(hooks), *sys.path]),
               "MLGIT_TEST_CRASH_AT": str(at)}
        killed = mlgit(repo, *gc, code=None, env=env)
        if killed.code == 0:
            break
        assert killed.code == CRASHED, killed
        crashes += 1
        _intact(repo)  # every object HEAD needs is there and reads correctly
        mlgit(repo, *gc)
        assert _files(remote) == expected, f"after a crash at step {at}"
    else:
        raise AssertionError("gc never finished")
    # the probe, the new pack and its index, then 2 + 2 + 2 files deleted, at least
    assert crashes >= 8
