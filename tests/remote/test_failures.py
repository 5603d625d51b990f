"""Failure kinds (mlgit.remote.failures) as a real push and fetch between a cache and a local
folder remote report them."""

from __future__ import annotations

from pathlib import Path

from mlgit.hashing import hash_bytes
from mlgit.remote.backends import LocalBackend
from mlgit.remote.download import fetch
from mlgit.remote.failures import Failure, FailureKind
from mlgit.remote.retry import RetryingBackend
from mlgit.remote.store import RemoteStore
from mlgit.remote.transfer import Mover, push
from mlgit.storage.objects import LocalODB
from mlgit.workspace.wants import Wanted


def _mover(tmp_path: Path, remote: str = "remote") -> Mover:
    (tmp_path / remote).mkdir(exist_ok=True)
    backend = RetryingBackend(LocalBackend(str(tmp_path / remote)), backoff=0)
    store = RemoteStore(backend, str(tmp_path / "index-cache"))
    return Mover(LocalODB(str(tmp_path / "cache")), store, jobs=2)


def test_a_failure_shows_its_kind_unless_it_says_more() -> None:
    assert Failure("a", "0" * 32, FailureKind.NOT_ON_REMOTE).reason == "not on the remote"
    detailed = Failure("a", "0" * 32, FailureKind.ERROR, "TimeoutError: timed out")
    assert detailed.reason == "TimeoutError: timed out"


def test_push_of_objects_not_in_the_cache(tmp_path: Path) -> None:
    mover = _mover(tmp_path)
    result = push(mover, [Wanted(hash_bytes(b"absent"), 6, "a.txt")])
    assert [(f.path, f.kind) for f in result.failed] == [("a.txt", FailureKind.NOT_IN_CACHE)]


def test_fetch_of_objects_not_on_the_remote(tmp_path: Path) -> None:
    mover = _mover(tmp_path)
    oid = hash_bytes(b"x" * (1 << 20))
    result = fetch(mover, [Wanted(oid, 1 << 20, "big.bin")])
    assert [(f.kind, f.reason) for f in result.failed] == [
        (FailureKind.NOT_ON_REMOTE, "not on the remote")]


def test_objects_not_tried_once_the_remote_is_down(tmp_path: Path) -> None:
    mover = _mover(tmp_path)
    mover.packed()  # listed while the remote still answered
    mover.store.backend.down = "TimeoutError: timed out"
    wants = [Wanted(hash_bytes(bytes([i]) * (1 << 20)), 1 << 20, f"f{i}") for i in range(3)]
    result = fetch(mover, wants)
    assert {f.kind for f in result.failed} == {FailureKind.NOT_SENT}
    assert len(result.failed) == 3 and result.stopped == "TimeoutError: timed out"
