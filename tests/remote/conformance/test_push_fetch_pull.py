"""One conformance suite, run against every remote kind (local folder, memory, GCS through
gcp-storage-emulator, S3 through moto's server, ssh through a real sshd): push, fetch, pull
and status --remote behave the same everywhere, move only what is missing, and never let a
damaged remote object into the cache or the workspace."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from mlgit import pointer
from mlgit.hashing import hash_bytes
from mlgit.storage.packs import parse_index
from tests.conftest import git, make_tree, read_tree
from tests.remote.conformance.runner import run

SMALL = {f"data/part-{i:02d}/f{j}.bin": os.urandom(100 + 37 * j) for i in range(3)
         for j in range(5)}
LARGE = {"data/big/one-and-a-half.bin": os.urandom(1_500_000)}
ABOVE_RESUMABLE = {"model.bin": os.urandom(6 * 1024 * 1024 + 123)}  # gcsfs: resumable upload


def setup_remote(repo: Path, remote: Any, name: str = "origin") -> None:
    run(repo, "remote", "add", name, remote.url, "--default")
    for key, value in remote.options.items():
        run(repo, "remote", "modify", name, key, value, "--local")


@pytest.fixture
def source(tmp_path: Path, remote: Any) -> Path:
    """A repo tracking a folder (small files + one large) and a 6 MiB file, with `remote`
    configured as origin and everything committed."""
    root = tmp_path / "source"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run(root, "init")
    make_tree(root, {**SMALL, **LARGE, **ABOVE_RESUMABLE})
    run(root, "add", "data", "model.bin")
    setup_remote(root, remote)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "data")
    return root


def clone(source: Path, remote: Any, dest: Path) -> Path:
    git(source.parent, "clone", "-q", str(source), str(dest))
    for key, value in remote.options.items():  # per-machine options are not committed
        run(dest, "remote", "modify", "origin", key, value, "--local")
    return dest


def result_of(repo: Path, *args: str, code: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run(repo, *args, "--json", code=code).out)
    return data


def test_push_then_pull_into_a_fresh_clone_restores_every_byte(source: Path, remote: Any,
                                                                tmp_path: Path) -> None:
    pushed = result_of(source, "push")
    assert pushed["failed"] == [] and pushed["transferred"] == len(SMALL) + 2 + 1
    other = clone(source, remote, tmp_path / "clone")
    pulled = result_of(other, "pull")
    assert pulled["failed"] == [] and pulled["transferred"] == len(SMALL) + 2 + 1
    wanted = {**SMALL, **LARGE, **ABOVE_RESUMABLE}
    assert {k: v for k, v in read_tree(other).items() if k in wanted} == wanted
    assert run(other, "status").out.count("unchanged") == 2


def test_push_sends_only_what_the_remote_lacks(source: Path, remote: Any) -> None:
    first = result_of(source, "push")
    again = result_of(source, "push")
    assert again["transferred"] == 0 and again["already"] == first["transferred"]
    (source / "data/part-00/f0.bin").write_bytes(b"changed")
    run(source, "add", "data")
    third = result_of(source, "push")
    assert third["transferred"] == 2  # the changed file and the new folder manifest
    assert third["failed"] == []


def test_fetch_fills_the_cache_only_and_pull_of_a_part_restores_just_that(
        source: Path, remote: Any, tmp_path: Path) -> None:
    run(source, "push")
    other = clone(source, remote, tmp_path / "clone")
    part = result_of(other, "fetch", "data/part-01")
    assert part["transferred"] == 5 + 1  # five files and the folder's manifest
    assert not (other / "data").exists()
    pulled = result_of(other, "pull", "data/part-01/f2.bin")
    assert pulled["transferred"] == 0
    assert read_tree(other / "data") == {"part-01/f2.bin": SMALL["data/part-01/f2.bin"]}
    result_of(other, "pull", "data")
    assert (other / "data/big/one-and-a-half.bin").read_bytes() == \
        LARGE["data/big/one-and-a-half.bin"]


def test_status_remote_says_where_objects_are(source: Path, remote: Any,
                                              tmp_path: Path) -> None:
    before = {a["pointer_rel"]: a for a in result_of(source, "status", "--remote")["artifacts"]}
    assert before["data.mlgit"]["on_remote"] == 0
    assert before["data.mlgit"]["in_cache"] == before["data.mlgit"]["objects"] == len(SMALL) + 2
    run(source, "push")
    other = clone(source, remote, tmp_path / "clone")
    after = result_of(other, "status", "--remote", "origin")
    for artifact in after["artifacts"]:
        assert artifact["on_remote"] == artifact["objects"] and artifact["nowhere"] == 0
    text = run(other, "status", "--remote").out
    assert "model.bin: 0 of 1 object in cache, 1 on origin" in text


def _remote_files(remote: Any) -> dict[str, int]:
    fs, root = remote.open()
    found = fs.find(root, detail=True)
    prefix = root.strip("/") + "/"
    return {str(p).strip("/").removeprefix(prefix): int(info["size"])
            for p, info in found.items()}


def _corrupt(remote: Any, rel: str, offset: int | None = None) -> None:
    fs, root = remote.open()
    path = f"{root.rstrip('/')}/{rel}"
    data = bytearray(fs.cat_file(path))
    data[len(data) // 2 if offset is None else offset] ^= 0xFF
    if remote.kind == "local":
        os.chmod(path, 0o644)
    fs.pipe_file(path, bytes(data))


def test_a_corrupt_loose_object_on_the_remote_is_refused_and_named(
        source: Path, remote: Any, tmp_path: Path) -> None:
    run(source, "push")
    files = _remote_files(remote)
    model_oid = pointer.loads((source / "model.bin.mlgit").read_bytes(), "model.bin.mlgit").oid
    loose = f"{model_oid[:2]}/{model_oid[2:]}"
    assert loose in files
    _corrupt(remote, loose)
    other = clone(source, remote, tmp_path / "clone")
    pulled = result_of(other, "pull", code=1)
    failed = {f["path"]: f["reason"] for f in pulled["failed"]}
    assert "corrupt" in failed["model.bin"]
    assert not (other / "model.bin").exists()
    assert (other / "data/part-02/f4.bin").read_bytes() == SMALL["data/part-02/f4.bin"]
    text = run(other, "pull", code=1)
    assert "error: model.bin:" in text.err and "corrupt" in text.err
    assert not any(model_oid[2:] in str(p) for p in (other / ".mlgit/cache").rglob("*"))


def test_a_corrupt_packed_object_is_refused_and_the_rest_arrive(
        source: Path, remote: Any, tmp_path: Path) -> None:
    run(source, "push")
    victim = "data/part-02/f4.bin"
    oid = hash_bytes(SMALL[victim])
    fs, root = remote.open()
    index = next(p for p in _remote_files(remote) if p.endswith(".idx"))
    records = parse_index(fs.cat_file(f"{root.rstrip('/')}/{index}"))
    assert records is not None
    offset = next(off for o, off, _ in records if o == oid)
    _corrupt(remote, index.removesuffix(".idx") + ".pack", offset + 3)
    other = clone(source, remote, tmp_path / "clone")
    pulled = result_of(other, "pull", code=1)
    assert [f["path"] for f in pulled["failed"]] == [victim]
    assert "corrupt" in pulled["failed"][0]["reason"]
    assert not (other / victim).exists()
    assert len(read_tree(other / "data")) == len(SMALL) + 1 - 1


def test_an_object_missing_on_the_remote_is_reported(source: Path, remote: Any,
                                                     tmp_path: Path) -> None:
    run(source, "push", "data")
    other = clone(source, remote, tmp_path / "clone")
    pulled = result_of(other, "pull", code=1)
    assert [(f["path"], f["reason"]) for f in pulled["failed"]] == \
        [("model.bin", "not on the remote")]
    assert (other / "data/big/one-and-a-half.bin").exists()


def test_a_damaged_pack_index_is_reported_and_ignored(source: Path, remote: Any,
                                                      tmp_path: Path) -> None:
    run(source, "push")
    index = next(p for p in _remote_files(remote) if p.endswith(".idx"))
    _corrupt(remote, index)
    other = clone(source, remote, tmp_path / "clone")
    pulled = result_of(other, "pull", code=1)
    paths = [f["path"] for f in pulled["failed"]]
    assert index in paths
    assert (other / "model.bin").exists()


EMPTY = {"empty.txt": b"", "pkg/__init__.py": b"", "pkg/sub/__init__.py": b"",
         "mixed/__init__.py": b"", "mixed/small.py": b"x = 1\n",
         "mixed/big.bin": LARGE["data/big/one-and-a-half.bin"]}


def test_empty_files_round_trip_alone_in_folders_and_beside_others(
        tmp_path: Path, remote: Any) -> None:
    root = tmp_path / "empty-source"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run(root, "init")
    make_tree(root, EMPTY)
    for target in ("empty.txt", "pkg", "mixed"):  # one add each: a lone empty file alone
        run(root, "add", target)
    setup_remote(root, remote)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "empty files")
    alone = result_of(root, "push", "empty.txt")  # the empty object is implicit: never sent
    assert alone["failed"] == [] and alone["transferred"] == 0 and alone["already"] == 0
    pushed = result_of(root, "push")
    assert pushed["failed"] == []
    for artifact in result_of(root, "status", "--remote")["artifacts"]:
        assert artifact["on_remote"] == artifact["objects"], artifact
    stored = _remote_files(remote)
    empty_oid = hash_bytes(b"")
    assert f"{empty_oid[:2]}/{empty_oid[2:]}" not in stored
    assert not [p for p, size in stored.items() if p.endswith(".pack") and size == 0]
    other = clone(root, remote, tmp_path / "empty-clone")
    fetched = result_of(other, "fetch")
    assert fetched["failed"] == []
    pulled = result_of(other, "pull")
    assert pulled["failed"] == [] and pulled["transferred"] == 0
    assert {k: v for k, v in read_tree(other).items() if k in EMPTY} == EMPTY
    assert run(other, "status", "-q", code=None).code == 0
    again = result_of(other, "push")
    assert again["failed"] == [] and again["transferred"] == 0


def test_temp_files_of_interrupted_pushes_are_found_and_removed(source: Path,
                                                                remote: Any) -> None:
    run(source, "push")
    fs, root = remote.open()
    root = root.rstrip("/")
    big = hash_bytes(LARGE["data/big/one-and-a-half.bin"])
    hours_ago = int(time.time()) - 2 * 3600
    old = [f"packs/.{'a' * 32}.pack.mlgit-tmp-{hours_ago}-0a1b2c",
           f"{big[:2]}/.{big[2:]}.mlgit-tmp-{hours_ago}-3d4e5f"]
    young = f"packs/.{'b' * 32}.pack.mlgit-tmp-{int(time.time())}-0a1b2c"
    for rel in [*old, young]:
        fs.pipe_file(f"{root}/{rel}", b"partial upload")
    fs.invalidate_cache()
    dry = result_of(source, "gc", "--tmp", "--dry-run")
    assert (sorted(dry["removed"]), dry["kept"]) == (sorted(old), [young])
    cleaned = result_of(source, "gc", "--tmp")
    assert (sorted(cleaned["removed"]), cleaned["kept"]) == (sorted(old), [young])
    fs.invalidate_cache()
    assert not any(fs.exists(f"{root}/{rel}") for rel in old)
    assert fs.exists(f"{root}/{young}")
    assert result_of(source, "push")["already"] == len(SMALL) + 2 + 1  # objects untouched

