"""`mlgit add` of a file that is still being written (a checkpoint a training job appends
to) is refused with nothing recorded, instead of a pointer whose size and oid describe two
different files (real CLI, a real writer appending while add reads)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit

BIG = 70 << 20  # above the chunking threshold: the file is streamed in chunks


@contextmanager
def _appending(path: Path) -> Iterator[None]:
    """Append 64 KiB to `path` every 5 ms until the block ends."""
    stop = threading.Event()

    def write() -> None:
        with open(path, "ab") as f:
            while not stop.is_set():
                f.write(os.urandom(64 << 10))
                f.flush()
                time.sleep(0.005)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join()


@pytest.mark.parametrize("size", [BIG, 1 << 20], ids=["chunked", "whole"])
def test_a_file_growing_while_added_is_refused(repo: Path, size: int) -> None:
    ckpt = repo / "ckpt.pt"
    ckpt.write_bytes(os.urandom(size))
    with _appending(ckpt):
        result = mlgit(repo, "add", "ckpt.pt", code=None)
    assert_clean_error(result, "ckpt.pt: changed while it was being added",
                       "add it again once it is written completely")
    assert not (repo / "ckpt.pt.mlgit").exists()
    assert not (repo / ".gitignore").exists()
    mlgit(repo, "add", "ckpt.pt")  # written completely now
    assert "unchanged" in mlgit(repo, "status").out


def test_a_folder_with_a_file_growing_while_added_is_refused(repo: Path) -> None:
    run = repo / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    ckpt = run / "ck.pt"
    ckpt.write_bytes(os.urandom(BIG))
    with _appending(ckpt):
        result = mlgit(repo, "add", "run", code=None)
    assert_clean_error(result, "run/ck.pt: changed while it was being added")
    assert not (repo / "run.mlgit").exists()
    mlgit(repo, "add", "run")
    assert "unchanged" in mlgit(repo, "status").out
