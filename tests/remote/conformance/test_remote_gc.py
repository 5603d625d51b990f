"""`mlgit gc -r NAME` on real remotes: it deletes what no kept revision needs (loose objects,
chunk lists, packs, repacking those mostly garbage), keeps what is recent, and afterwards the
remote still serves every kept revision in full."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mlgit import pointer
from mlgit.storage.packs import parse_index
from tests.conftest import assert_clean_error, git, make_tree
from tests.remote.conformance.runner import run
from tests.remote.conformance.test_push_fetch_pull import _corrupt, _remote_files, setup_remote

KINDS = ["local", "memory", "gs", "s3", "ssh"]


def _oid(repo: Path, rel: str) -> str:
    return pointer.loads((repo / f"{rel}.mlgit").read_bytes(), f"{rel}.mlgit").oid


def _two_versions(tmp_path: Path, remote: Any) -> tuple[Path, dict[str, bytes]]:
    """A repo whose v1 and v2 (HEAD) are both pushed: v2 rewrote most small files, the
    loose model and the middle of a chunked checkpoint. Returns it and v2's files."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, "init")
    run(repo, "config", "cache.chunk_threshold", "2000000")
    ckpt = bytearray(os.urandom(3_000_000))
    v1 = {**{f"data/f{i}.bin": os.urandom(300 + i) for i in range(30)},
          "model.bin": os.urandom(1_500_000), "ckpt.bin": bytes(ckpt)}
    make_tree(repo, v1)
    run(repo, "add", "data", "model.bin", "ckpt.bin")
    setup_remote(repo, remote)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    run(repo, "push", "ckpt.bin")  # a pack of its own: the small files' pack is then
    run(repo, "push")  # mostly garbage after v2, and is repacked
    ckpt[1_500_000:1_500_100] = os.urandom(100)
    v2 = {**{f"data/f{i}.bin": os.urandom(400 + i) for i in range(25)},
          "model.bin": os.urandom(1_600_000), "ckpt.bin": bytes(ckpt)}
    make_tree(repo, v2)
    run(repo, "add", "data", "model.bin", "ckpt.bin")
    git(repo, "commit", "-q", "-am", "v2")
    run(repo, "push")
    return repo, {**v1, **v2}


def _gc(repo: Path, *args: str, code: int = 0) -> dict[str, Any]:
    return json.loads(run(repo, "gc", "-r", "origin", "--json", *args, code=code).out)


@pytest.mark.parametrize("remote", KINDS, indirect=True)
def test_gc_remote_deletes_what_no_kept_revision_needs(tmp_path: Path, remote: Any) -> None:
    repo, head = _two_versions(tmp_path, remote)
    git(repo, "checkout", "-q", "v1")
    old_model, old_ckpt = _oid(repo, "model.bin"), _oid(repo, "ckpt.bin")
    git(repo, "checkout", "-q", "main")
    before = _remote_files(remote)
    assert f"{old_model[:2]}/{old_model[2:]}" in before
    assert f"{old_ckpt[:2]}/{old_ckpt[2:]}.chunks" in before

    planned = _gc(repo, "--dry-run", "--grace", "0")
    assert planned["dry_run"] and planned["objects_gone"] > 25
    assert f"{old_model[:2]}/{old_model[2:]}" in planned["paths"]
    assert run(repo, "gc", "-r", "origin", "-n", "--grace", "0").out.startswith("would delete")
    young = _gc(repo, "-f")  # everything was pushed just now: within the grace period
    assert young["objects_gone"] == 0 and young["young"] > 0
    kept_v1 = _gc(repo, "-f", "--grace", "0", "--rev", "v1")
    assert kept_v1["objects_gone"] == 0
    assert _remote_files(remote) == before

    done = _gc(repo, "-f", "--grace", "0")
    assert done["objects_gone"] == planned["objects_gone"]
    # how the pushed objects fell into packs depends on the upload workers' timing
    assert done["packs_repacked"] >= 1 and done["new_packs"] >= 1
    after = _remote_files(remote)
    assert f"{old_model[:2]}/{old_model[2:]}" not in after
    assert f"{old_ckpt[:2]}/{old_ckpt[2:]}.chunks" not in after
    assert len(set(after) - set(before)) == 2 * done["new_packs"]  # new packs and indexes
    assert _gc(repo, "-f", "--grace", "0")["objects_gone"] == 0  # nothing left to do

    checked = json.loads(run(repo, "fsck", "-r", "origin", "--json").out)
    assert checked["damaged"] == [] and checked["missing"] == []
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    for key, value in remote.options.items():
        run(clone, "remote", "modify", "origin", key, value, "--local")
    pulled = json.loads(run(clone, "pull", "--json").out)
    assert pulled["failed"] == []
    for rel in ("model.bin", "ckpt.bin", "data/f3.bin", "data/f29.bin"):
        assert (clone / rel).read_bytes() == head[rel]


@pytest.mark.parametrize("remote", ["local", "s3"], indirect=True)
def test_gc_remote_deletes_nothing_on_doubt(tmp_path: Path, remote: Any) -> None:
    repo, _ = _two_versions(tmp_path, remote)
    fs, root = remote.open()
    fs.pipe_file(f"{root}/notes.txt", b"not mlgit's")
    before = _remote_files(remote)
    foreign = run(repo, "gc", "-r", "origin", "-f", "--grace", "0", code=1)
    assert_clean_error(foreign, "holds files mlgit does not write (notes.txt)")
    assert _remote_files(remote) == before
    fs.rm_file(f"{root}/notes.txt")

    index = next(rel for rel in before if rel.endswith(".idx"))
    _corrupt(remote, index)
    before = _remote_files(remote)
    damaged = run(repo, "gc", "-r", "origin", "-f", "--grace", "0", code=1)
    assert_clean_error(damaged, f"{index}: the pack index is damaged", "fsck -r origin")
    assert _remote_files(remote) == before

    asked = run(repo, "gc", "-r", "origin", "--grace", "0", code=1)
    assert_clean_error(asked, "cannot ask first when stdin is not a terminal", "-f")


@pytest.mark.parametrize("server_remote", ["gs"], indirect=True)
def test_gc_remote_that_does_not_answer_is_one_error(tmp_path: Path,
                                                     server_remote: Any) -> None:
    repo, _ = _two_versions(tmp_path, server_remote)
    server_remote.stop()
    down = run(repo, "gc", "-r", "origin", "-f", "--grace", "0", code=1)
    assert_clean_error(down, "remote 'origin'")


@pytest.mark.parametrize("remote", ["local", "s3"], indirect=True)
def test_gc_remote_keeps_run_records_whose_outputs_stay(tmp_path: Path, remote: Any) -> None:
    repo, _ = _two_versions(tmp_path, remote)
    model = _oid(repo, "model.bin")
    git(repo, "checkout", "-q", "v1")
    old_model = _oid(repo, "model.bin")
    git(repo, "checkout", "-q", "main")
    fs, root = remote.open()
    records = {"runs/aa/" + "1" * 30: {"outs": {"model.bin": [old_model, 1_500_000, None]}},
               "runs/bb/" + "2" * 30: {"outs": {"model.bin": [model, 1_600_000, None]}}}
    for rel, record in records.items():
        fs.pipe_file(f"{root}/{rel}", json.dumps(record).encode())
    fs.pipe_file(f"{root}/runs/cc/{'3' * 30}", b"not a record")

    done = _gc(repo, "-f", "--grace", "0")
    assert done["runs"] == 1 and done["unreadable_runs"] == ["cc" + "3" * 30]
    after = _remote_files(remote)
    assert "runs/aa/" + "1" * 30 not in after  # its output went: it could restore nothing
    assert {"runs/bb/" + "2" * 30, "runs/cc/" + "3" * 30} <= set(after)


@pytest.mark.parametrize("remote", ["local", "gs"], indirect=True)
def test_gc_remote_reads_folder_manifests_the_cache_lacks_from_the_remote(
        tmp_path: Path, remote: Any) -> None:
    repo, _ = _two_versions(tmp_path, remote)
    from_repo = _gc(repo, "-n", "--grace", "0")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    for key, value in remote.options.items():
        run(clone, "remote", "modify", "origin", key, value, "--local")
    from_clone = _gc(clone, "-n", "--grace", "0")  # an empty cache: manifests come from
    assert from_clone["paths"] == from_repo["paths"]  # the remote
    assert from_clone["objects_gone"] == from_repo["objects_gone"] > 25

    data = _oid(repo, "data")
    manifest = f"{data[:2]}/{data[2:]}"
    fs, root = remote.open()
    if manifest in _remote_files(remote):
        fs.rm_file(f"{root}/{manifest}")
    else:  # packed: damage it, a copy that does not hash to its oid is no copy
        index = next(rel for rel in _remote_files(remote) if rel.endswith(".idx")
                     and any(r[0] == data for r in parse_index(fs.cat_file(f"{root}/{rel}"))
                             or []))
        offset = next(r[1] for r in parse_index(fs.cat_file(f"{root}/{index}")) or []
                      if r[0] == data)
        _corrupt(remote, index.removesuffix(".idx") + ".pack", offset + 2)
    before = _remote_files(remote)
    refused = run(clone, "gc", "-r", "origin", "-f", "--grace", "0", code=1)
    assert_clean_error(refused, "data: its directory manifest", "neither the cache nor the remote")
    assert _remote_files(remote) == before
