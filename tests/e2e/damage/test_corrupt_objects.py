"""A corrupt cache object found on read is set aside (never deleted, never read again), and
fetch / pull then restore it from a remote."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import cache_oids, damage_object, git, mlgit, object_bytes, write

BIG = 1536 * 1024  # stored as a loose object (packs take objects under 1 MiB)


def _pointer_oid(repo: Path, pointer: str) -> str:
    from mlgit.pointer import loads

    return loads((repo / pointer).read_bytes(), pointer).oid


def _quarantine(repo: Path) -> dict[str, bytes]:
    folder = repo / ".mlgit" / "cache" / "quarantine"
    if not folder.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _setup(repo: Path, tmp_path: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        write(repo / rel, data)
    mlgit(repo, "add", *files)
    remote = tmp_path / "remote"
    mlgit(repo, "remote", "add", "origin", str(remote))
    mlgit(repo, "push")
    return remote


@pytest.mark.parametrize("size", [BIG, 3000], ids=["loose", "packed"])
def test_corrupt_object_is_set_aside_on_checkout_and_pull_restores_it(
        repo: Path, tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    _setup(repo, tmp_path, {"model.bin": data})
    oid = _pointer_oid(repo, "model.bin.mlgit")
    damage_object(repo, oid, at=100)
    bad = object_bytes(repo, oid)
    (repo / "model.bin").unlink()

    run = mlgit(repo, "checkout", code=1)
    assert "model.bin: cache object is corrupt" in run.err, run.err
    assert "set aside in .mlgit/cache/quarantine" in run.err, run.err
    assert "set aside, so 'mlgit pull' restores it too" in run.err, run.err
    assert not (repo / "model.bin").exists()
    assert _quarantine(repo) == {oid: bad}  # kept, not deleted
    assert oid not in cache_oids(repo)  # never read again: the object counts as missing

    run = mlgit(repo, "checkout", code=1)
    assert "model.bin: object not in the cache" in run.err, run.err
    assert "not in cache" in mlgit(repo, "status").out

    run = mlgit(repo, "pull")
    assert run.out.startswith("fetched 1 object"), run.out
    assert (repo / "model.bin").read_bytes() == data
    assert _quarantine(repo) == {oid: bad}
    (repo / "model.bin").unlink()
    mlgit(repo, "checkout")
    assert (repo / "model.bin").read_bytes() == data


def test_corrupt_file_inside_a_folder_is_restored_by_pull(repo: Path, tmp_path: Path) -> None:
    files = {f"data/f{i}.txt": f"content {i}\n".encode() * 50 for i in range(5)}
    files["data/big.bin"] = os.urandom(BIG)
    for rel, content in files.items():
        write(repo / rel, content)
    mlgit(repo, "add", "data")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    from mlgit.hashing import hash_bytes

    small, big = hash_bytes(files["data/f3.txt"]), hash_bytes(files["data/big.bin"])
    damage_object(repo, small)
    damage_object(repo, big, at=5000)
    assert mlgit(repo, "status").out == "data: unchanged\n"  # cache reads are not needed
    for rel in ("data/f3.txt", "data/big.bin"):
        (repo / rel).unlink()

    run = mlgit(repo, "checkout", code=1)
    assert "data/f3.txt: cache object is corrupt" in run.err, run.err
    assert "data/big.bin: cache object is corrupt" in run.err, run.err
    assert sorted(_quarantine(repo)) == sorted([small, big])
    assert "(not in cache: 2 object(s))" in mlgit(repo, "status").out

    run = mlgit(repo, "pull")
    assert run.out.startswith("fetched 2 objects"), run.out
    for rel, content in files.items():
        assert (repo / rel).read_bytes() == content, rel
    assert mlgit(repo, "status").out == "data: unchanged\n"


def test_push_sets_a_corrupt_object_aside(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    mlgit(repo, "remote", "add", "origin", str(remote))
    write(repo / "small.txt", b"small" * 100)
    write(repo / "big.bin", os.urandom(BIG))
    mlgit(repo, "add", "small.txt", "big.bin")
    small, big = _pointer_oid(repo, "small.txt.mlgit"), _pointer_oid(repo, "big.bin.mlgit")
    damage_object(repo, small)
    damage_object(repo, big)

    run = mlgit(repo, "push", code=1)
    assert "small.txt: in the cache: object" in run.err, run.err
    assert "big.bin: in the cache: object" in run.err, run.err
    assert "set aside" in run.err
    assert sorted(_quarantine(repo)) == sorted([small, big])
    assert not list(remote.glob("??/*")), "nothing corrupt was uploaded"
    assert mlgit(repo, "status").out.count("not in cache") == 2


def test_unprotect_reports_a_corrupt_object(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "symlink")
    write(repo / "model.bin", os.urandom(5000))
    mlgit(repo, "add", "model.bin")
    oid = _pointer_oid(repo, "model.bin.mlgit")
    damage_object(repo, oid)

    run = mlgit(repo, "unprotect", "model.bin", code=1)
    assert run.err.startswith("error: model.bin: cache object is corrupt"), run.err
    assert "hint: " in run.err
    assert list(_quarantine(repo)) == [oid]


def test_gc_drops_set_aside_copies_and_keeps_the_quarantine(repo: Path, tmp_path: Path) -> None:
    import json

    files = {"a.txt": b"alpha " * 300, "b.txt": b"beta " * 300, "big.bin": os.urandom(BIG)}
    _setup(repo, tmp_path, files)
    oids = {rel: _pointer_oid(repo, f"{rel}.mlgit") for rel in files}
    damage_object(repo, oids["a.txt"])
    damage_object(repo, oids["big.bin"])
    for rel in ("a.txt", "big.bin"):
        (repo / rel).unlink()
    mlgit(repo, "checkout", code=1)
    quarantined = _quarantine(repo)
    assert sorted(quarantined) == sorted([oids["a.txt"], oids["big.bin"]])
    packs = repo / ".mlgit/cache/packs"
    assert len(list(packs.glob("*.quarantined"))) == 1

    result = json.loads(mlgit(repo, "gc", "-f", "--json").out)
    assert (result["removed"], result["kept"]) == (0, 1)  # a set-aside copy is not kept
    assert (result["set_aside"], result["quarantine"]) == (2, ".mlgit/cache/quarantine")
    assert _quarantine(repo) == quarantined  # never deleted by gc
    assert not list(packs.glob("*.quarantined"))  # its pack was rewritten without it
    assert cache_oids(repo) == [oids["b.txt"]]
    assert mlgit(repo, "status").out.count("not in cache") == 2

    text = mlgit(repo, "gc", "-f").out
    assert "2 damaged files set aside in .mlgit/cache/quarantine/" in text, text
    mlgit(repo, "pull")
    for rel, data in files.items():
        assert (repo / rel).read_bytes() == data
    assert _quarantine(repo) == quarantined


@pytest.mark.parametrize("status_first", [True, False], ids=["status-first", "pull-alone"])
def test_a_corrupt_folder_manifest_is_restored_by_one_pull(
        repo: Path, tmp_path: Path, status_first: bool) -> None:
    import shutil

    files = {f"data/f{i}.txt": f"content {i}\n".encode() for i in range(3)}
    for rel, content in files.items():
        write(repo / rel, content)
    mlgit(repo, "add", "data")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    mlgit(repo, "push")
    manifest = _pointer_oid(repo, "data.mlgit")
    shutil.rmtree(repo / ".mlgit/tmp/manifests")  # what was read from it before
    damage_object(repo, manifest, at=2, junk=b"##")
    shutil.rmtree(repo / "data")

    if status_first:
        assert mlgit(repo, "status").out == "data: deleted (not in cache: 1 object(s))\n"
        assert list(_quarantine(repo)) == [manifest]
    run = mlgit(repo, "pull")
    assert list(_quarantine(repo)) == [manifest]
    assert run.out.startswith("fetched 1 object"), run.out
    for rel, content in files.items():
        assert (repo / rel).read_bytes() == content


@pytest.mark.parametrize("copies", [2, 80], ids=["few", "many-on-threads"])
def test_files_sharing_a_corrupt_object_are_all_reported_corrupt(repo: Path, tmp_path: Path,
                                                                 copies: int) -> None:
    import shutil

    files = {f"data/copy{i}.txt": b"the same content\n" * 20 for i in range(copies)}
    files["data/other.txt"] = b"different\n"
    for rel, content in files.items():
        write(repo / rel, content)
    mlgit(repo, "add", "data")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    mlgit(repo, "push")
    shared = _pointer_oid_of_bytes(files["data/copy0.txt"])
    damage_object(repo, shared)
    shutil.rmtree(repo / "data")

    run = mlgit(repo, "checkout", code=1)
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == min(copies, 20), run.err
    assert all("cache object is corrupt" in e and "set aside" in e for e in errors), run.err
    assert list(_quarantine(repo)) == [shared]  # kept once
    mlgit(repo, "pull")
    for rel, content in files.items():
        assert (repo / rel).read_bytes() == content


def _pointer_oid_of_bytes(data: bytes) -> str:
    from mlgit.hashing import hash_bytes

    return hash_bytes(data)
