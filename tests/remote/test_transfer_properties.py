"""Property test of transfers: random object sets (empty, tiny, around the pack limit, around a
small chunk threshold, several chunks; duplicates) pushed to a local folder remote, then
fetched into an empty cache, give the same bytes; pushing or fetching again moves nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgit.hashing import EMPTY_OID
from mlgit.remote import download, transfer
from mlgit.remote.backends import LocalBackend
from mlgit.remote.retry import RetryingBackend
from mlgit.remote.store import RemoteStore
from mlgit.storage.objects import LocalODB
from mlgit.workspace.wants import Wanted
from tests.storage.test_store_properties import OBJECTS, THRESHOLD, read, store_all


def _mover(odb: LocalODB, remote: Path, index_cache: Path) -> transfer.Mover:
    store = RemoteStore(RetryingBackend(LocalBackend(str(remote))), str(index_cache))
    return transfer.Mover(odb, store, jobs=2)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(OBJECTS, st.booleans())
def test_pushed_objects_fetch_back_into_an_empty_cache_byte_for_byte(
        objects: list[tuple[int, int, str, bool]], sizes_known: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "remote").mkdir()
        odb = LocalODB(str(root / "cache"), chunk_threshold=THRESHOLD)
        stored = store_all(odb, root, objects)
        wants = [Wanted(oid, len(data) if sizes_known else -1, f"file{n}")
                 for n, (oid, data) in enumerate(stored.items())]
        sent = transfer.push(_mover(odb, root / "remote", root / "idx1"), wants)
        assert sent.failed == []
        # a chunked object counts its chunks too
        assert sent.transferred >= len(stored.keys() - {EMPTY_OID})
        again = transfer.push(_mover(odb, root / "remote", root / "idx1"), wants)
        assert (again.transferred, again.failed) == (0, [])
        odb.close()

        empty = LocalODB(str(root / "fetched"), chunk_threshold=THRESHOLD)
        try:
            got = download.fetch(_mover(empty, root / "remote", root / "idx2"), wants)
            assert got.failed == []
            for oid, data in stored.items():
                assert read(empty, oid) == data
            refetch = download.fetch(_mover(empty, root / "remote", root / "idx2"), wants)
            assert (refetch.transferred, refetch.failed) == (0, [])
        finally:
            empty.close()
