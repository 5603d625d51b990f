"""Calls to a remote with retries and backoff on transient errors, and noticing a remote
that has stopped answering altogether."""

from __future__ import annotations

import errno
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from mlgit.errors import MlgitError, describe_error
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


NOT_SENT = "not transferred: the remote stopped answering"


class Retrier:
    """Calls with retries and backoff on transient errors; notices a remote that is down."""

    def __init__(self, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.retries = retries
        self.backoff = backoff
        self.down = ""
        self._in_a_row = 0
        self._lock = threading.Lock()

    def call(self, fn: Callable[..., R], *args: object) -> R:
        for attempt in range(self.retries + 1):
            if self.down:
                raise RemoteDown(self.down)
            try:
                value = fn(*args)
            except Exception as exc:  # transient unless known to be permanent
                if isinstance(exc, _PERMANENT) or type(exc).__name__ in _PERMANENT_NAMES \
                        or getattr(exc, "errno", None) in _PERMANENT_ERRNOS:
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
