"""A chunk list appears in the store only once every chunk it names is there: small chunks
wait in the pack being written, so the list waits for that pack to be published (a command
killed in between must not leave a list naming chunks that were never stored)."""

from __future__ import annotations

import os
import random
from pathlib import Path

from mlgit.storage import chunks
from mlgit.storage.check import check_cache
from mlgit.storage.objects import LocalODB

MiB = 1024 * 1024


def test_the_list_is_written_after_the_pack_of_its_chunks(tmp_path: Path) -> None:
    content = random.Random(5).randbytes(3 * MiB)
    src = tmp_path / "big"
    src.write_bytes(content)
    odb = LocalODB(str(tmp_path / "cache"), chunk_threshold=2 * MiB)
    oid, _ = odb.put_file(str(src), len(content))
    assert odb.has(oid)  # for this process, the object is there already
    # as a killed command would leave the store: no list yet, since its chunks are unpublished
    assert not os.path.exists(odb.chunks_path(oid))
    assert check_cache(LocalODB(str(tmp_path / "cache")), 1).problems == []
    odb.publish()
    listed = chunks.decode(Path(odb.chunks_path(oid)).read_bytes(), oid)
    assert set(odb.packed) >= {part for part, size in listed.chunks if size < MiB}
    odb.finish()
    odb.close()
    with LocalODB(str(tmp_path / "cache")).open(oid) as stream:
        assert b"".join(iter(stream.read, b"")) == content


def test_an_aborted_batch_leaves_no_list(tmp_path: Path) -> None:
    src = tmp_path / "big"
    src.write_bytes(random.Random(6).randbytes(3 * MiB))
    odb = LocalODB(str(tmp_path / "cache"), chunk_threshold=2 * MiB)
    oid, _ = odb.put_file(str(src), 3 * MiB)
    odb.abort()
    odb.publish()
    assert not odb.has(oid)
    assert not os.path.exists(odb.chunks_path(oid))
