"""After `mlgit add DIR`, every object of the folder is in the cache, even when the state DB
vouches for a file (it is not read again) whose object left the cache since the last add:
deleted, in a pack whose index is damaged or gone, or set aside as corrupt. add must notice
and store it again from the workspace file. The proof is the user's: the folder deleted from
the work tree comes back whole from the cache alone."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import damage_object, delete_object, git, mlgit, read_tree, write

FILES = {f"d/{i // 100}/{i}": os.urandom(100 + i) for i in range(600)}
BIG = os.urandom((1 << 20) + 10)  # a loose object (bigger than packs take)


def _aged_tree(repo: Path, files: dict[str, bytes]) -> None:
    """Write the files with an mtime well in the past, so that once hashed, the state DB
    vouches for them (a file written within the racy window is always read again)."""
    then = time.time_ns() - 3600 * 10**9
    for rel, data in files.items():
        os.utime(write(repo / rel, data), ns=(then, then))


def _oid_of(repo: Path, rel: str) -> str:
    from mlgit.hashing import hash_bytes

    return hash_bytes((repo / rel).read_bytes())


def _files_index(repo: Path) -> Path:
    return max((repo / ".mlgit" / "cache" / "packs").glob("*.idx"), key=lambda p: p.stat().st_size)


def _comes_back_from_the_cache(repo: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(repo / "d")
    out = mlgit(repo, "checkout", "d")
    assert "failed" not in out.out, out.out
    assert {k: v for k, v in read_tree(repo).items() if k.startswith("d/")} == files


def _index_damaged(repo: Path) -> None:
    idx = _files_index(repo)
    idx.chmod(0o644)
    with idx.open("r+b") as f:
        f.seek(40)
        f.write(b"garbage")


def _pack_gone(repo: Path) -> None:
    _files_index(repo).with_suffix(".pack").unlink()


def _index_and_pack_gone(repo: Path) -> None:
    idx = _files_index(repo)
    idx.with_suffix(".pack").unlink()
    idx.unlink()


def _one_packed_object_deleted(repo: Path) -> None:
    delete_object(repo, _oid_of(repo, "d/3/345"))


def _one_packed_object_set_aside(repo: Path) -> None:
    oid = _oid_of(repo, "d/2/234")
    damage_object(repo, oid)
    # reading the object finds it corrupt and sets its copy aside (a mark beside the pack)
    out = mlgit(repo, "fsck", "--repair", code=None)
    assert oid[:12] in out.out + out.err
    assert list((repo / ".mlgit" / "cache" / "packs").glob(f"*.{oid}.quarantined"))


def _loose_object_deleted(repo: Path) -> None:
    from mlgit.storage.objects import LocalODB

    path = Path(LocalODB(str(repo / ".mlgit" / "cache")).path(_oid_of(repo, "d/big")))
    path.unlink()


DAMAGE = {"index damaged": _index_damaged, "pack gone": _pack_gone,
          "index and pack gone": _index_and_pack_gone,
          "one packed object deleted": _one_packed_object_deleted,
          "one packed object set aside": _one_packed_object_set_aside,
          "loose object deleted": _loose_object_deleted}


def _complete_stamp(repo: Path) -> bytes | None:
    """The state DB's record that the cache holds every object of d's version."""
    from mlgit import pointer
    from mlgit.storage.state import State

    ptr = pointer.loads((repo / "d.mlgit").read_bytes(), "d.mlgit")
    state = State(str(repo / ".mlgit" / "tmp" / "state.db"))
    try:
        return state.complete_stamp(ptr.oid)
    finally:
        state.close()


def _added_and_proven_complete(repo: Path, files: dict[str, bytes]) -> None:
    """d added, and recorded as whole in the cache: the next add looks only at what
    changed unless the cache changed meanwhile."""
    _aged_tree(repo, files)
    mlgit(repo, "add", "d")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    time.sleep(0.06)  # the cache's stamp is only given 50 ms after its last change
    assert mlgit(repo, "add", "d").lines[0].startswith("unchanged d")
    assert _complete_stamp(repo) is not None


@pytest.mark.parametrize("changed", [0, 10], ids=["nothing changed", "10 files changed"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_add_stores_again_what_left_the_cache(repo: Path, damage: str, changed: int) -> None:
    files = {**FILES, "d/big": BIG}
    _added_and_proven_complete(repo, files)
    DAMAGE[damage](repo)
    for rel in list(FILES)[:changed]:
        files[rel] = FILES[rel] + b"changed"
        (repo / rel).write_bytes(files[rel])

    out = mlgit(repo, "add", "d")
    assert out.lines[0].startswith("updated d" if changed else "unchanged d"), out.out

    _comes_back_from_the_cache(repo, files)


@pytest.mark.parametrize("also", ["", "a file added", "a file deleted"])
def test_a_file_that_status_hashed_is_stored_by_add(repo: Path, also: str) -> None:
    """`mlgit status` hashes a changed file and the state DB then vouches for it, but its
    content never went into the cache: the add that follows, which takes the file's oid from
    the state DB, must store it (the cache itself did not change since d was seen whole)."""
    files = dict(FILES)
    _added_and_proven_complete(repo, files)
    files["d/1/123"] = b"new content"
    half_an_hour_ago = time.time_ns() - 1800 * 10**9  # out of the racy window
    os.utime(write(repo / "d/1/123", files["d/1/123"]), ns=(half_an_hour_ago,) * 2)
    if also == "a file added":
        files["d/1/new"] = b"added"
        os.utime(write(repo / "d/1/new", files["d/1/new"]), ns=(half_an_hour_ago,) * 2)
    elif also == "a file deleted":
        del files["d/5/555"]
        (repo / "d/5/555").unlink()
    assert "modified" in mlgit(repo, "status").out
    mlgit(repo, "status")  # its hashes are recorded by now

    assert mlgit(repo, "add", "d").lines[0].startswith("updated d")
    _comes_back_from_the_cache(repo, files)


def test_a_replaced_file_of_the_same_size_and_mtime_is_read_again(repo: Path) -> None:
    """The state DB's record names the inode too: a file replaced by another of the same
    size, given the same mtime (a copy with `cp -p`, a rename over it), is read again."""
    _aged_tree(repo, FILES)
    mlgit(repo, "add", "d")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    target = repo / "d/4/456"
    st = target.stat()
    files = dict(FILES)
    files["d/4/456"] = bytes(reversed(FILES["d/4/456"]))
    assert files["d/4/456"] != FILES["d/4/456"]
    replacement = write(repo / "d/4/.new", files["d/4/456"])
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(replacement, target)
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)

    assert mlgit(repo, "add", "d").lines[0].startswith("updated d")
    _comes_back_from_the_cache(repo, files)


def test_a_first_add_lists_the_work_tree_once(repo: Path, tmp_path: Path) -> None:
    """Before a first add the folder is not ignored by Git yet, so every `git ls-files
    --others` walks all of its files: the pointer files and the pipeline files (read here,
    as a pipeline exists) come from one listing."""
    _aged_tree(repo, FILES)
    write(repo / "mlgit.yaml", "stages: {}\n")
    trace = tmp_path / "trace"
    mlgit(repo, "add", "d", env={"GIT_TRACE": str(trace)})
    walks = [line for line in trace.read_text().splitlines()
             if "ls-files" in line and "--others" in line]
    assert len(walks) == 1, walks
