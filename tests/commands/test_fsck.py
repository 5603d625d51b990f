"""mlgit fsck: every object and pack index of the cache (or a remote) checked; damage named
with the artifacts it affects; --repair sets it aside so that fetch restores it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import (
    assert_clean_error,
    damage_object,
    mlgit,
    read_tree,
    write,
)
from tests.e2e.test_state_and_progress import _stderr_on_a_terminal

BIG = 1536 * 1024
FILES = {"data/f1.txt": b"one " * 100, "data/f2.txt": b"two " * 100,
         "data/sub/f3.txt": b"three " * 100, "big.bin": os.urandom(BIG),
         "small.txt": b"small " * 100}


def _oid(data: bytes) -> str:
    from mlgit.hashing import hash_bytes

    return hash_bytes(data)


def _project(repo: Path, tmp_path: Path) -> Path:
    for rel, data in FILES.items():
        write(repo / rel, data)
    mlgit(repo, "add", "data", "big.bin", "small.txt")
    remote = tmp_path / "remote"
    mlgit(repo, "remote", "add", "origin", str(remote))
    mlgit(repo, "push")
    return remote


def _fsck(repo: Path, *args: str, code: int) -> dict:  # type: ignore[type-arg]
    return json.loads(mlgit(repo, "fsck", "--json", *args, code=code).out)  # type: ignore[no-any-return]


def test_a_clean_cache_and_remote(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    run = mlgit(repo, "fsck")
    # 5 files + 1 folder manifest
    assert run.out == ("checked 6 objects (1.5 MiB) and 1 pack index in .mlgit/cache:"
                       " no damage found\n"), run.out
    assert run.err == ""
    run = mlgit(repo, "fsck", "-r", "origin")
    assert run.out.startswith("checked 6 objects (1.5 MiB) and 1 pack index in origin ("), run.out
    assert run.out.endswith("): no damage found\n")


def test_damage_is_named_with_the_artifacts_it_affects(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    cache_before = read_tree(repo / ".mlgit" / "cache")
    damage_object(repo, _oid(FILES["data/sub/f3.txt"]))
    damage_object(repo, _oid(FILES["big.bin"]), at=BIG - 10)
    damaged_cache = read_tree(repo / ".mlgit" / "cache")
    assert damaged_cache != cache_before

    run = mlgit(repo, "fsck", code=1)
    lines = run.out.splitlines()
    assert lines[0] == ("checked 6 objects (1.5 MiB) and 1 pack index in .mlgit/cache:"
                        " 2 damaged"), run.out
    assert f"damaged object {_oid(FILES['big.bin'])} (loose, 1.5 MiB): its content hashes" \
        " to " in run.out
    assert f"damaged object {_oid(FILES['data/sub/f3.txt'])} (in packs/" in run.out
    assert "    used by big.bin" in lines
    assert "    used by data/sub/f3.txt" in lines
    assert run.err.startswith("hint: run 'mlgit fsck --repair'"), run.err
    assert read_tree(repo / ".mlgit" / "cache") == damaged_cache  # a check changes nothing

    report = _fsck(repo, code=1)
    assert {d["name"]: d["artifacts"] for d in report["damaged"]} == {
        _oid(FILES["big.bin"]): ["big.bin"], _oid(FILES["data/sub/f3.txt"]): ["data/sub/f3.txt"]}
    assert not report["repaired"] and report["missing"] == []


def test_repair_sets_damage_aside_and_fetch_restores_it(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    damage_object(repo, _oid(FILES["data/f2.txt"]))
    damage_object(repo, _oid(FILES["big.bin"]))

    run = mlgit(repo, "fsck", "--repair", code=1)
    assert run.out.count("-> set aside") == 2, run.out
    assert "2 damaged files set aside in .mlgit/cache/quarantine/" in run.out
    assert "run 'mlgit fetch'" in run.err
    quarantine = repo / ".mlgit" / "cache" / "quarantine"
    assert sorted(os.listdir(quarantine)) == sorted([_oid(FILES["data/f2.txt"]),
                                                     _oid(FILES["big.bin"])])

    report = _fsck(repo, code=0)  # set aside: no damage left, two objects missing
    assert report["damaged"] == []
    assert sorted(p for m in report["missing"] for p in m["artifacts"]) == [
        "big.bin", "data/f2.txt"]
    assert report["set_aside"] == 2

    run = mlgit(repo, "fetch")
    assert run.out.startswith("fetched 2 objects"), run.out
    assert _fsck(repo, code=0)["missing"] == []
    for rel in FILES:
        (repo / rel).unlink()
    mlgit(repo, "checkout")
    for rel, data in FILES.items():
        assert (repo / rel).read_bytes() == data, rel


def test_a_damaged_pack_index(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    packs = repo / ".mlgit" / "cache" / "packs"
    (index,) = packs.glob("*.idx")
    index.chmod(0o644)
    raw = bytearray(index.read_bytes())
    raw[40] ^= 0xFF
    index.write_bytes(bytes(raw))

    run = mlgit(repo, "fsck", code=1)
    assert f"damaged pack index packs/{index.name}: its checksum does not match" in run.out
    assert "not in .mlgit/cache: 4 objects used by small.txt, data/f1.txt" in run.out, run.out

    mlgit(repo, "fsck", "--repair", code=1)
    assert not list(packs.glob("*.idx"))
    moved = sorted(os.listdir(repo / ".mlgit" / "cache" / "quarantine"))
    assert moved == sorted([index.name, index.name.replace(".idx", ".pack")])
    mlgit(repo, "pull")
    assert "no damage found" in mlgit(repo, "fsck").lines[0]


def test_a_truncated_pack(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    (pack,) = (repo / ".mlgit" / "cache" / "packs").glob("*.pack")
    pack.chmod(0o644)
    os.truncate(pack, pack.stat().st_size - 5)
    run = mlgit(repo, "fsck", code=1)
    assert "its pack ends before this object (the pack is truncated)" in run.out, run.out
    mlgit(repo, "fsck", "--repair", code=1)
    mlgit(repo, "pull")
    assert "no damage found" in mlgit(repo, "fsck").lines[0]


def test_remote_damage_is_reported_and_the_remote_left_alone(repo: Path,
                                                             tmp_path: Path) -> None:
    remote = _project(repo, tmp_path)
    big = _oid(FILES["big.bin"])
    loose = remote / big[:2] / big[2:]
    loose.chmod(0o644)
    with loose.open("r+b") as f:
        f.write(b"\x00\x01")
    (pack,) = remote.glob("packs/*.pack")
    pack.chmod(0o644)
    with pack.open("r+b") as f:
        f.seek(3)
        f.write(b"XYZ")
    before = read_tree(remote)

    run = mlgit(repo, "fsck", "-r", "origin", code=1)
    assert "2 damaged" in run.out.splitlines()[0], run.out  # at least one packed object + big
    assert f"damaged object {big} (loose, 1.5 MiB)" in run.out
    assert "    used by big.bin" in run.out
    assert "mlgit never changes a remote" in run.err
    assert read_tree(remote) == before
    assert "no damage found" in mlgit(repo, "fsck").lines[0]  # the cache is fine

    refused = mlgit(repo, "fsck", "-r", "origin", "--repair", code=1)
    assert_clean_error(refused, "--repair works on the local cache only")
    assert read_tree(remote) == before


def test_a_damaged_remote_index_and_a_missing_remote_pack(repo: Path, tmp_path: Path) -> None:
    remote = _project(repo, tmp_path)
    (index,) = remote.glob("packs/*.idx")
    (pack,) = remote.glob("packs/*.pack")
    good = index.read_bytes()
    index.chmod(0o644)
    index.write_bytes(good[:-1] + b"!")
    run = mlgit(repo, "fsck", "-r", "origin", code=1)
    assert f"damaged pack index packs/{index.name}: its checksum does not match" in run.out
    assert "not in origin (" in run.out  # the objects it listed are named

    index.write_bytes(good)
    pack.unlink()
    run = mlgit(repo, "fsck", "-r", "origin", code=1)
    assert f"damaged pack index packs/{index.name}: its pack {pack.name} is missing" \
        in run.out, run.out


def test_progress_on_a_terminal(repo: Path, tmp_path: Path) -> None:
    _project(repo, tmp_path)
    code, err = _stderr_on_a_terminal(repo, "fsck")
    assert code == 0 and "fsck" in err and "files" in err, err


def test_outside_an_initialised_repo(gitrepo: Path) -> None:
    assert_clean_error(mlgit(gitrepo, "fsck", code=1), "not initialised")


def test_the_original_of_a_hard_link_edited_in_place_comes_back(repo: Path,
                                                                tmp_path: Path) -> None:
    """What status's hint for a damaged file says: fsck --repair, then pull --force."""
    mlgit(repo, "config", "cache.link", "hardlink")
    write(repo / "a.txt", b"original content\n")
    mlgit(repo, "add", "a.txt")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    mlgit(repo, "push")
    (repo / "a.txt").chmod(0o644)
    with (repo / "a.txt").open("r+b") as f:  # in place: the cache object changes too
        f.write(b"EDITED")
    status = mlgit(repo, "status", code=1)
    assert "a.txt: damaged" in status.out
    assert "'mlgit fsck --repair' then 'mlgit pull --force PATH'" in status.err

    assert "used by a.txt" in mlgit(repo, "fsck", "--repair", code=1).out
    mlgit(repo, "pull", "--force", "a.txt")
    assert (repo / "a.txt").read_bytes() == b"original content\n"
    assert mlgit(repo, "status").out == "a.txt: unchanged\n"
    (edit,) = (repo / ".mlgit/cache/quarantine").iterdir()
    assert edit.read_bytes() == b"EDITEDal content\n"  # the edit is kept
