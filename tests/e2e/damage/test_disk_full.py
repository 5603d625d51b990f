"""A full disk during add, checkout, push (to a folder) and pull, on a real small tmpfs: one
error line naming the disk and the space needed, exit 1, and nothing half-written (no partial
objects, no temp files, pointers unchanged). Freeing space and running again works."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from tests.conftest import (
    Run,
    assert_clean_error,
    cache_oids,
    git,
    make_tree,
    mlgit,
    object_bytes,
    read_tree,
    write,
)
from tests.mounts import small_disk  # noqa: F401  (a fixture)

BIG = 1_500_000


def _repo(root: Path) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    mlgit(root, "init")
    return root


def _data(shape: str) -> dict[str, bytes]:
    if shape == "file":
        return {"model.bin": os.urandom(BIG)}
    return {f"data/f{i:02}.bin": os.urandom(BIG // 30) for i in range(30)}


def _target(shape: str) -> str:
    return "model.bin" if shape == "file" else "data"


def _assert_disk_full(result: Run, disk: Path) -> None:
    assert_clean_error(result, "no space left on the disk holding", f"mounted at {disk},",
                       "free", f"free up space on {disk}")


def _leftovers(root: Path) -> list[str]:
    """Temp files and half-built folders anywhere below root (outside .git)."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in [*names, *dirs]:
            if name.endswith((".tmp", ".mlgit-tmp")) or name.startswith("checkout-"):
                found.append(os.path.join(folder, name))
    return found


def _assert_cache_intact(repo: Path) -> None:
    for oid in cache_oids(repo):
        assert hash_bytes(object_bytes(repo, oid)) == oid


def _remount(disk: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)


@pytest.mark.parametrize("shape", ["file", "folder"])
def test_add_on_a_full_disk(small_disk, shape: str) -> None:  # noqa: F811
    disk = small_disk("4m")
    repo = _repo(disk / "repo")
    target = _target(shape)
    write(repo / target / "v1" if shape == "folder" else repo / target, b"v1")
    mlgit(repo, "add", target)
    pointer_before = (repo / f"{target}.mlgit").read_bytes()
    gitignore_before = (repo / ".gitignore").read_bytes()
    if shape == "folder":
        (repo / target / "v1").unlink()
    data = _data(shape)
    make_tree(repo, data)
    write(disk / "filler", os.urandom(BIG))
    result = mlgit(repo, "add", target, code=None)
    _assert_disk_full(result, disk)
    assert "this needs at least 1.4 MiB more" in result.err
    assert (repo / f"{target}.mlgit").read_bytes() == pointer_before
    assert (repo / ".gitignore").read_bytes() == gitignore_before
    assert _leftovers(repo) == []
    _assert_cache_intact(repo)
    assert {k: v for k, v in read_tree(repo).items() if k in data} == data
    (disk / "filler").unlink()
    mlgit(repo, "add", target)
    assert mlgit(repo, "status").out == f"{target}: unchanged\n"


@pytest.mark.parametrize("shape", ["file", "folder"])
def test_checkout_on_a_full_disk(small_disk, shape: str) -> None:  # noqa: F811
    disk = small_disk("5m")
    repo = _repo(disk / "repo")
    data = _data(shape)
    make_tree(repo, data)
    mlgit(repo, "add", _target(shape))
    for rel in data:
        (repo / rel).unlink()
    write(disk / "filler", os.urandom(BIG + 1_000_000))
    result = mlgit(repo, "checkout", code=None)
    _assert_disk_full(result, disk)
    assert _leftovers(repo) == []
    _assert_cache_intact(repo)
    for rel, blob in data.items():  # each file is absent or whole
        assert not (repo / rel).exists() or (repo / rel).read_bytes() == blob
    (disk / "filler").unlink()
    mlgit(repo, "checkout")
    assert {k: v for k, v in read_tree(repo).items() if k in data} == data


def test_push_to_a_full_remote_folder(small_disk, tmp_path: Path) -> None:  # noqa: F811
    disk = small_disk("1m")
    repo = _repo(tmp_path / "repo")
    data = {**_data("file"), **_data("folder")}
    make_tree(repo, data)
    mlgit(repo, "add", "model.bin", "data")
    mlgit(repo, "remote", "add", "origin", str(disk))
    result = mlgit(repo, "push", code=None)
    _assert_disk_full(result, disk)
    assert "this needs at least" in result.err
    assert _leftovers(disk) == []
    for path in disk.rglob("*"):  # what arrived is whole: named by its hash or indexed
        assert not path.name.startswith("."), path
        if path.is_file() and path.parent.name != "packs":
            assert hash_bytes(path.read_bytes()) == path.parent.name + path.name
        if path.suffix == ".idx":  # (a pack whose index did not fit is ignored: formats.md)
            assert path.with_suffix(".pack").exists()
    _remount(disk, "8m")
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert {k: v for k, v in read_tree(clone).items() if k in data} == data


def test_pull_into_a_full_disk(small_disk, tmp_path: Path) -> None:  # noqa: F811
    repo = _repo(tmp_path / "repo")
    data = {**_data("file"), **_data("folder")}
    make_tree(repo, data)
    mlgit(repo, "add", "model.bin", "data")
    (tmp_path / "store").mkdir()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    disk = small_disk("2m")
    clone = disk / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    result = mlgit(clone, "pull", code=None)
    _assert_disk_full(result, disk)
    assert "this needs at least" in result.err
    assert _leftovers(clone) == []
    _assert_cache_intact(clone)
    for rel in data:
        assert not (clone / rel).exists()
    _remount(disk, "10m")
    mlgit(clone, "pull")
    assert {k: v for k, v in read_tree(clone).items() if k in data} == data


def test_status_and_ls_work_on_a_full_disk(small_disk) -> None:  # noqa: F811
    """The state DB and the memos are caches: on a full disk they are simply not written."""
    disk = small_disk("3m")
    repo = _repo(disk / "repo")
    make_tree(repo, {"a.txt": b"a", "data/b.txt": b"b"})
    mlgit(repo, "add", "a.txt", "data")
    for cached in (repo / ".mlgit" / "tmp").iterdir():
        if cached.name.startswith(("state.db", "memo-", "manifests")):
            subprocess.run(["rm", "-rf", str(cached)], check=True)
    filler = subprocess.run(["dd", "if=/dev/zero", f"of={disk / 'filler'}", "bs=64k"],
                            capture_output=True)
    assert filler.returncode != 0  # the disk is full now
    assert mlgit(repo, "status").out == "a.txt: unchanged\ndata: unchanged\n"
    assert "yes" in mlgit(repo, "ls").out
    (disk / "filler").unlink()
    mlgit(repo, "status")
    assert (repo / ".mlgit" / "tmp" / "state.db").is_file()


def test_a_pipeline_is_checked_and_refused_cleanly_on_a_full_disk(small_disk) -> None:  # noqa: F811
    """An existing state DB whose WAL index cannot grow on a full disk: SQLite calls that a
    'disk I/O error'; it is a full disk like any other."""
    disk = small_disk("3m")
    repo = _repo(disk / "repo")
    write(repo / "mlgit.yaml", "stages:\n  a:\n    cmd: echo a > a.txt\n    outs: [a.txt]\n")
    mlgit(repo, "repro")
    (repo / ".mlgit" / "tmp" / "state.db-shm").unlink(missing_ok=True)
    filler = subprocess.run(["dd", "if=/dev/zero", f"of={disk / 'filler'}", "bs=64k"],
                            capture_output=True)
    assert filler.returncode != 0  # the disk is full now
    assert mlgit(repo, "repro").lines == ["a: up to date"]
    mlgit(repo, "status", "--quiet")
    (repo / "a.txt").unlink()
    (repo / ".mlgit" / "tmp" / "state.db-shm").unlink(missing_ok=True)
    assert "a: out deleted: a.txt" in mlgit(repo, "status").out
    (disk / "filler").unlink()
    assert mlgit(repo, "repro").lines[-1].startswith("restored a from the run-cache")


def test_a_full_work_tree_is_named_when_the_cache_is_on_another_disk(
        small_disk, tmp_path: Path) -> None:  # noqa: F811
    """The data went into the cache (plenty of space); the pointer could not be written
    beside it: the error names the work tree's disk, not the cache's."""
    disk = small_disk("4m")
    repo = _repo(disk / "repo")
    cache = tmp_path / "cache"
    cache.mkdir()
    mlgit(repo, "config", "cache.dir", str(cache))
    data = os.urandom(BIG)
    write(repo / "model.bin", data)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    write(disk / "filler", b"\0" * free)  # not one block left for the pointer file
    result = mlgit(repo, "add", "model.bin", code=None)
    assert_clean_error(result, f"no space left on the disk holding {repo}/model.bin.mlgit",
                       f"mounted at {disk},", f"free up space on {disk}")
    assert "needs at least" not in result.err  # that was counted for the cache
    assert not (repo / "model.bin.mlgit").exists()
    assert _leftovers(repo) == []
    assert (repo / "model.bin").read_bytes() == data
    (disk / "filler").unlink()
    mlgit(repo, "add", "model.bin")
    assert mlgit(repo, "status").out == "model.bin: unchanged\n"
