"""Chunked objects between a cache and a local folder remote (remote/chunked.py): what a push
sends, how presence is decided with few and with many objects, and a damaged list."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from mlgit.remote.backends import LocalBackend
from mlgit.remote.download import fetch
from mlgit.remote.failures import FailureKind
from mlgit.remote.retry import RetryingBackend
from mlgit.remote.store import FEW_LOOSE, RemoteStore
from mlgit.remote.transfer import Mover, push
from mlgit.storage.objects import LocalODB
from mlgit.workspace.wants import Wanted

MiB = 1024 * 1024


def _mover(tmp_path: Path, cache: str) -> Mover:
    (tmp_path / "remote").mkdir(exist_ok=True)
    backend = RetryingBackend(LocalBackend(str(tmp_path / "remote")), backoff=0)
    store = RemoteStore(backend, str(tmp_path / f"index-{cache}"))
    return Mover(LocalODB(str(tmp_path / cache), chunk_threshold=2 * MiB), store, jobs=2)


def _chunked(mover: Mover, tmp_path: Path, seed: int) -> Wanted:
    data = random.Random(seed).randbytes(3 * MiB)
    src = tmp_path / f"file{seed}"
    src.write_bytes(data)
    oid, size = mover.odb.put_file(str(src), len(data))
    mover.odb.finish()
    assert mover.odb.is_chunked(oid)
    return Wanted(oid, size, f"file{seed}")


@pytest.mark.parametrize("count", [1, FEW_LOOSE + 3])  # looked up one by one, then listed
def test_pushed_chunked_objects_count_as_on_the_remote(tmp_path: Path, count: int) -> None:
    mover = _mover(tmp_path, "cache")
    wants = [_chunked(mover, tmp_path, seed) for seed in range(count)]
    first = push(mover, wants)
    assert first.failed == [] and first.already == 0
    assert mover.store.loose_present([w.oid for w in wants], mover.map) == {w.oid for w in wants}
    again = push(mover, wants)
    assert again.transferred == 0 and again.already == count


def test_fetch_brings_the_chunks_then_the_list(tmp_path: Path) -> None:
    pusher = _mover(tmp_path, "cache")
    want = _chunked(pusher, tmp_path, 1)
    push(pusher, [want])
    fetcher = _mover(tmp_path, "other")
    result = fetch(fetcher, [want])
    assert result.failed == []
    with fetcher.odb.open(want.oid) as stream:
        assert hash_bytes(b"".join(iter(stream.read, b""))) == want.oid


def test_a_damaged_list_on_the_remote_is_reported_and_not_stored(tmp_path: Path) -> None:
    pusher = _mover(tmp_path, "cache")
    want = _chunked(pusher, tmp_path, 2)
    push(pusher, [want])
    (listed,) = (tmp_path / "remote").glob("??/*.chunks")
    listed.chmod(0o644)
    listed.write_bytes(listed.read_bytes()[:-1] + b"\0")
    fetcher = _mover(tmp_path, "other")
    result = fetch(fetcher, [want])
    assert [f.kind for f in result.failed] == [FailureKind.REMOTE_CORRUPT]
    assert fetcher.odb.missing([want.oid]) == {want.oid}


def test_fetched_chunks_go_into_a_pack_of_chunks(tmp_path: Path) -> None:
    from mlgit.storage import packs

    pusher = _mover(tmp_path, "cache")
    want = _chunked(pusher, tmp_path, 1)
    push(pusher, [want])
    fetcher = _mover(tmp_path, "other")
    assert fetch(fetcher, [want]).failed == []
    parts = fetcher.odb.chunk_list(want.oid).chunks
    assert not any(fetcher.odb.has_own_file(c) and fetcher.odb.own_file(c) for c, _ in parts)
    indexes = fetcher.odb.pack_indexes()
    assert indexes
    for idx in indexes:
        with open(idx, "rb") as f:
            assert packs.holds_chunks(f.read())
