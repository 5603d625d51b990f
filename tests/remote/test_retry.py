"""The retry wrapper (mlgit.remote.retry.RetryingBackend) around real backends: a local
folder and fsspec's memory filesystem, with faults injected in front of them."""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlgit.hashing import hash_bytes
from mlgit.remote.backends import FsspecBackend, LocalBackend
from mlgit.remote.open import open_backend
from mlgit.remote.retry import GIVE_UP_AFTER, RemoteDown, RetryingBackend
from mlgit.storage.objects import CorruptObject


class Faults:
    """Raises the queued errors on the next calls of read, download and check_root, then
    lets the real backend answer; counts the calls that reached it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.errors: list[BaseException] = []
        self.calls = 0

    def _fault(self) -> None:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)

    def read(self, rel: str, start: int | None = None, end: int | None = None) -> bytes:
        self._fault()
        return super().read(rel, start, end)  # type: ignore[misc]

    def download(self, rel: str, local_path: str) -> None:
        self.calls += 1
        if self.errors:
            with open(local_path, "wb") as f:  # a partial file, as a dropped connection leaves
                f.write(b"part")
            raise self.errors.pop(0)
        super().download(rel, local_path)  # type: ignore[misc]

    def check_root(self) -> str | None:
        self._fault()
        return super().check_root()  # type: ignore[misc]


class FaultyFolder(Faults, LocalBackend):
    pass


class FaultyMemory(Faults, FsspecBackend):
    pass


@pytest.fixture(params=["folder", "memory"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Faults]:
    if request.param == "folder":
        yield FaultyFolder(str(tmp_path / "remote"))
        return
    opened = open_backend(f"memory://retry-{tmp_path.name}/data", {})
    assert isinstance(opened, FsspecBackend)
    faulty = FaultyMemory(opened.properties, opened.fs, opened.root)
    yield faulty
    with contextlib.suppress(FileNotFoundError):
        opened.fs.rm(f"/retry-{tmp_path.name}", recursive=True)


def _wrapped(backend: Faults, retries: int = 3) -> RetryingBackend:
    wrapped = RetryingBackend(backend, retries=retries, backoff=0)  # type: ignore[arg-type]
    wrapped.write_bytes("ab/cdef", b"hello world")
    return wrapped


def test_transient_errors_are_retried_then_succeed(backend: Faults) -> None:
    wrapped = _wrapped(backend)
    backend.errors = [ConnectionResetError("reset by peer"), TimeoutError("timed out")]
    assert wrapped.read("ab/cdef", 6, 11) == b"world"
    assert backend.calls == 3


class SFTPPermissionDenied(Exception):  # named as asyncssh names it
    pass


@pytest.mark.parametrize("error", [
    PermissionError("denied"), SFTPPermissionDenied("denied"), CorruptObject("a", "b"),
    OSError(errno.ENOSPC, "No space left on device"), OSError(errno.EROFS, "read-only")])
def test_permanent_errors_are_not_retried(backend: Faults, error: Exception) -> None:
    wrapped = _wrapped(backend)
    backend.errors = [error]
    with pytest.raises(type(error)):
        wrapped.read("ab/cdef")
    assert backend.calls == 1


def test_a_missing_file_is_not_retried(backend: Faults) -> None:
    wrapped = _wrapped(backend)
    with pytest.raises(FileNotFoundError):
        wrapped.read("ab/nothing")
    assert backend.calls == 1


def test_an_upload_that_does_not_hash_to_its_name_is_not_retried_nor_published(
        backend: Faults, tmp_path: Path) -> None:
    wrapped = _wrapped(backend)
    source = tmp_path / "object"
    source.write_bytes(b"content")
    with pytest.raises(CorruptObject):
        wrapped.upload(str(source), "cd/ef", hash_bytes(b"other content"))
    assert wrapped.list_dir("cd") == []
    wrapped.upload(str(source), "cd/ef", hash_bytes(b"content"))
    assert wrapped.read("cd/ef") == b"content"


def test_a_retried_download_replaces_the_partial_file(backend: Faults, tmp_path: Path) -> None:
    wrapped = _wrapped(backend)
    backend.errors = [ConnectionResetError("reset by peer")]
    wrapped.download("ab/cdef", str(tmp_path / "copy"))
    assert (tmp_path / "copy").read_bytes() == b"hello world"
    assert backend.calls == 2


def test_retries_run_out_with_the_last_error_after_backing_off(backend: Faults) -> None:
    wrapped = RetryingBackend(backend, retries=2, backoff=0.05)  # type: ignore[arg-type]
    backend.errors = [TimeoutError("1"), TimeoutError("2"), TimeoutError("3")]
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="3"):
        wrapped.read("ab/cdef")
    assert backend.calls == 3
    assert time.monotonic() - started >= 0.05 * 0.5 + 0.1 * 0.5  # two waits, jittered


def test_a_remote_failing_again_and_again_is_deemed_down(backend: Faults) -> None:
    wrapped = _wrapped(backend, retries=1)
    backend.errors = [TimeoutError("timed out")] * (2 * GIVE_UP_AFTER)
    for _ in range(GIVE_UP_AFTER):
        with pytest.raises(TimeoutError):
            wrapped.read("ab/cdef")
    assert wrapped.down == "TimeoutError: timed out"
    calls = backend.calls
    with pytest.raises(RemoteDown, match="TimeoutError: timed out"):
        wrapped.read("ab/cdef")
    with pytest.raises(RemoteDown):
        wrapped.list_dir("ab")
    assert backend.calls == calls  # nothing more reaches the remote


def test_an_answer_resets_the_count_of_failures_in_a_row(backend: Faults) -> None:
    wrapped = _wrapped(backend, retries=0)
    for _ in range(3):
        backend.errors = [TimeoutError("timed out")] * (GIVE_UP_AFTER - 1)
        for _ in range(GIVE_UP_AFTER - 1):
            with pytest.raises(TimeoutError):
                wrapped.read("ab/cdef")
        with pytest.raises(FileNotFoundError):  # a refusal is an answer too
            wrapped.read("ab/nothing")
    assert wrapped.down == ""


def test_check_root_is_asked_once(backend: Faults) -> None:
    wrapped = _wrapped(backend)
    backend.errors = [TimeoutError("timed out")]
    with pytest.raises(TimeoutError):
        wrapped.check_root()
    assert backend.calls == 1
