"""A backend wrapper that retries each call, with backoff, on transient errors, and notices a
remote that has stopped answering altogether (after that, every call raises RemoteDown)."""

from __future__ import annotations

import errno
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from mlgit.errors import MlgitError, describe_error
from mlgit.remote.backends import Backend, RangeCheck, Stat
from mlgit.storage.objects import CorruptObject

R = TypeVar("R")

RETRIES = 3
BACKOFF = 0.25
GIVE_UP_AFTER = 6
"""Failures in a row (each after its retries) after which the remote is deemed down."""

_PERMANENT = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError,
              CorruptObject, MlgitError, EOFError, ValueError, TypeError, KeyError)
_PERMANENT_NAMES = frozenset({"SFTPPermissionDenied", "SFTPNoSuchFile"})
"""asyncssh's refusals, which sshfs passes on without mapping them to OSError types."""


_PERMANENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""A full disk or a read-only filesystem: trying again cannot help."""


class RemoteDown(Exception):
    pass


def is_permanent(exc: BaseException) -> bool:
    """Whether trying again cannot help (the remote answered, and said no)."""
    return isinstance(exc, _PERMANENT) or type(exc).__name__ in _PERMANENT_NAMES \
        or getattr(exc, "errno", None) in _PERMANENT_ERRNOS


class RetryingBackend:
    """`backend` with each call retried on transient errors. Shared by the threads of one
    transfer: failures in a row count across them, so a remote that stopped answering is
    noticed once and the remaining calls stop at once.

    check_root is asked once, when the remote is opened: a remote that does not answer it
    is reported at once rather than after the retries."""

    def __init__(self, backend: Backend, retries: int = RETRIES,
                 backoff: float = BACKOFF) -> None:
        self.backend = backend
        self.scheme = backend.scheme
        self.root = backend.root
        self.retries = retries
        self.backoff = backoff
        self.down = ""  # why the remote is deemed down, once it is
        self._in_a_row = 0
        self._lock = threading.Lock()

    def _call(self, fn: Callable[..., R], *args: object) -> R:
        for attempt in range(self.retries + 1):
            if self.down:
                raise RemoteDown(self.down)
            try:
                value = fn(*args)
            except Exception as exc:  # transient unless known to be permanent
                if is_permanent(exc):
                    self._succeeded()  # the remote answered
                    raise
                if attempt == self.retries:
                    self._failed(exc)
                    raise
                time.sleep(self.backoff * 2 ** attempt * (0.5 + random.random()))
            else:
                self._succeeded()
                return value
        raise AssertionError("unreachable")

    def _succeeded(self) -> None:
        with self._lock:
            self._in_a_row = 0

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._in_a_row += 1
            if self._in_a_row >= GIVE_UP_AFTER and not self.down:
                self.down = describe_error(exc)

    # -- the Backend interface ---------------------------------------------------------------

    def list_dir(self, rel: str) -> list[str]:
        return self._call(self.backend.list_dir, rel)

    def exists(self, rel: str) -> bool:
        return self._call(self.backend.exists, rel)

    def list_times(self, rel: str) -> dict[str, Stat]:
        return self._call(self.backend.list_times, rel)

    def read(self, rel: str, start: int | None = None, end: int | None = None) -> bytes:
        return self._call(self.backend.read, rel, start, end)

    def download(self, rel: str, local_path: str) -> None:
        self._call(self.backend.download, rel, local_path)

    def write_bytes(self, rel: str, data: bytes | bytearray) -> None:
        self._call(self.backend.write_bytes, rel, data)

    def upload(self, local_path: str, rel: str, oid: str) -> None:
        self._call(self.backend.upload, local_path, rel, oid)

    def write_range(self, rel: str, local_path: str, offset: int, length: int,
                    check: RangeCheck) -> None:
        self._call(self.backend.write_range, rel, local_path, offset, length, check)

    def remove(self, rel: str) -> None:
        self._call(self.backend.remove, rel)

    def check_root(self) -> str | None:
        return self.backend.check_root()

    def finish(self) -> None:
        self._call(self.backend.finish)

    def abort(self) -> None:
        self.backend.abort()
