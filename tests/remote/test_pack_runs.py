"""Push sends objects that lie back to back in a local pack as those bytes (remote/pack_runs.py):
to a local folder and to an object store (fsspec's memory filesystem), the remote pack is an
ordinary pack that fetch reads back; a corrupt object in the local pack never reaches the
remote; only the wanted objects of a pack are listed, and long runs are cut."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from mlgit.remote import pack_runs
from mlgit.remote.backends import Backend, LocalBackend
from mlgit.remote.download import fetch
from mlgit.remote.failures import FailureKind
from mlgit.remote.open import open_backend
from mlgit.remote.retry import RetryingBackend
from mlgit.remote.store import PACK_DIR, RemoteStore
from mlgit.remote.transfer import Mover, push
from mlgit.storage import packs
from mlgit.storage.objects import CorruptObject, LocalODB
from mlgit.workspace.wants import Wanted

MiB = 1024 * 1024


@pytest.fixture(params=["folder", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "folder":
        (tmp_path / "remote").mkdir()
        yield LocalBackend(str(tmp_path / "remote"))
        return
    opened = open_backend(f"memory://runs-{tmp_path.name}/data", {})
    yield opened
    with contextlib.suppress(FileNotFoundError):
        opened.fs.rm(f"/runs-{tmp_path.name}", recursive=True)  # type: ignore[attr-defined]


def _mover(tmp_path: Path, backend: Backend, cache: str) -> Mover:
    store = RemoteStore(RetryingBackend(backend, backoff=0), str(tmp_path / f"index-{cache}"))
    return Mover(LocalODB(str(tmp_path / cache), chunk_threshold=2 * MiB), store, jobs=2)


def _add(mover: Mover, tmp_path: Path, seed: int, size: int = 6 * MiB) -> Wanted:
    """A chunked file added to the cache (not made durable yet: several share a pack)."""
    src = tmp_path / f"file{seed}"
    src.write_bytes(random.Random(seed).randbytes(size))
    oid, stored = mover.odb.put_file(str(src), size)
    return Wanted(oid, stored, f"file{seed}")


def _chunk_pack(mover: Mover) -> Path:
    (idx,) = mover.odb.pack_indexes()
    return Path(idx).with_suffix(".pack")


def _remote_indexes(mover: Mover) -> dict[str, bytes]:
    backend = mover.store.backend
    return {name[:-4]: backend.read(f"{PACK_DIR}/{name}")
            for name in backend.list_dir(PACK_DIR) if name.endswith(".idx")}


def _remote_entries(mover: Mover) -> dict[str, str]:
    """{oid: what its bytes on the remote hash to} for every entry of every remote pack."""
    found: dict[str, str] = {}
    for name, raw in _remote_indexes(mover).items():
        records = packs.parse_index(raw)
        assert records is not None and packs.index_name(raw) == name
        for oid, offset, size in records:
            data = mover.store.read_span(f"{PACK_DIR}/{name}.pack", offset, offset + size)
            found[oid] = hash_bytes(data)
    return found


def _content(odb: LocalODB, oid: str) -> bytes:
    with odb.open(oid) as stream:
        return b"".join(iter(stream.read, b""))


def test_a_chunked_file_goes_as_its_local_pack_and_comes_back(tmp_path: Path,
                                                              backend: Backend) -> None:
    pusher = _mover(tmp_path, backend, "cache")
    want = _add(pusher, tmp_path, 1, 20 * MiB)  # more than one pack built in memory holds
    pusher.odb.finish()
    local = _chunk_pack(pusher).read_bytes()
    result = push(pusher, [want])
    assert result.failed == []
    indexes = _remote_indexes(pusher)
    # Listed by ordinary indexes: readers of every version read them as packs of objects.
    assert all(raw.startswith(b"MLGIT-PACK-INDEX 1\n") and not packs.holds_chunks(raw)
               for raw in indexes.values())
    if isinstance(backend, LocalBackend):  # the local pack's bytes as they are, in one go
        (name,) = indexes
        assert pusher.store.backend.read(f"{PACK_DIR}/{name}.pack") == local
    assert set(_remote_entries(pusher).items()) == {
        (oid, oid) for oid, _ in pusher.odb.chunk_list(want.oid).chunks}
    fetcher = _mover(tmp_path, backend, "other")
    assert fetch(fetcher, [want]).failed == []
    assert _content(fetcher.odb, want.oid) == (tmp_path / "file1").read_bytes()


def test_a_corrupt_chunk_in_the_local_pack_never_reaches_the_remote(tmp_path: Path,
                                                                    backend: Backend) -> None:
    pusher = _mover(tmp_path, backend, "cache")
    want = _add(pusher, tmp_path, 2)
    pusher.odb.finish()
    chunk_list = pusher.odb.chunk_list(want.oid).chunks
    victim = _chunk_pack(pusher)
    victim.chmod(0o644)
    with open(victim, "r+b") as f:  # inside one of the chunks
        f.seek(victim.stat().st_size // 2)
        f.write(b"\0\xff")
    result = push(pusher, [want])
    assert [(f.path, f.kind) for f in result.failed] == [(want.path, FailureKind.SET_ASIDE)]
    bad = result.failed[0].oid
    on_remote = _remote_entries(pusher)
    assert all(oid == actual for oid, actual in on_remote.items())  # nothing corrupt
    assert set(on_remote) == {oid for oid, _ in chunk_list} - {bad}  # the rest arrived
    assert pusher.store.loose_present([want.oid], pusher.map) == set()  # no list
    assert pusher.odb.missing([bad]) == {bad}  # set aside: a fetch brings it again


def test_only_the_wanted_objects_of_a_shared_pack_are_listed(tmp_path: Path,
                                                            backend: Backend) -> None:
    pusher = _mover(tmp_path, backend, "cache")
    first, second = _add(pusher, tmp_path, 3), _add(pusher, tmp_path, 4)
    pusher.odb.finish()  # both files' chunks in one pack
    assert len(pusher.odb.pack_indexes()) == 1
    assert push(pusher, [second]).failed == []
    second_chunks = {oid for oid, _ in pusher.odb.chunk_list(second.oid).chunks}
    assert set(_remote_entries(pusher)) == second_chunks
    assert push(pusher, [first, second]).failed == []
    fetcher = _mover(tmp_path, backend, "other")
    assert fetch(fetcher, [first, second]).failed == []
    assert _content(fetcher.odb, first.oid) == (tmp_path / "file3").read_bytes()
    assert _content(fetcher.odb, second.oid) == (tmp_path / "file4").read_bytes()


def test_runs_stop_at_objects_not_wanted_and_at_the_size_limit(tmp_path: Path) -> None:
    (tmp_path / "remote").mkdir()
    mover = _mover(tmp_path, LocalBackend(str(tmp_path / "remote")), "cache")
    files = [_add(mover, tmp_path, seed) for seed in (5, 6, 7)]
    mover.odb.finish()
    parts = {w.oid: mover.odb.chunk_list(w.oid).chunks for w in files}
    wants = [Wanted(oid, size, w.path) for w in (files[0], files[2])
             for oid, size in parts[w.oid]]
    runs, rest = pack_runs.find_runs(mover.odb, wants, 1, 1 << 30)
    assert rest == []
    assert sorted([e[0] for e in run.entries] for run in runs) == sorted(
        [oid for oid, _ in parts[w.oid]] for w in (files[0], files[2]))
    runs, rest = pack_runs.find_runs(mover.odb, wants, 1, 2 * MiB)
    assert rest == [] and all(run.length <= 2 * MiB for run in runs) and len(runs) >= 6
    for run in runs:  # each run is its objects back to back, from the run's start
        assert [off for _, off, _ in run.entries] == [
            sum(size for _, _, size in run.entries[:i]) for i in range(len(run.entries))]
        assert sum(size for _, _, size in run.entries) == run.length
    runs, rest = pack_runs.find_runs(mover.odb, wants, 100 * MiB, 1 << 30)
    assert runs == [] and rest == wants  # too short to be a pack of their own


def test_the_check_wants_every_object_whole_and_nothing_more() -> None:
    data = [random.Random(i).randbytes(1000 + i) for i in range(3)]
    entries, offset = [], 0
    for piece in data:
        entries.append((hash_bytes(piece), offset, len(piece)))
        offset += len(piece)
    whole = b"".join(data)
    check = pack_runs.check_entries(entries)
    check([memoryview(whole)])
    check(memoryview(whole)[i:i + 700] for i in range(0, len(whole), 700))
    with pytest.raises(CorruptObject, match=entries[2][0]):
        check([memoryview(whole[:-1])])
    with pytest.raises(CorruptObject):
        check([memoryview(whole + b"x")])
    damaged = bytearray(whole)
    damaged[1500] ^= 1
    with pytest.raises(CorruptObject, match=entries[1][0]):
        check([memoryview(damaged)])
