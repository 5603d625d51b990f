"""A lock per stage (an flock on a file in .mlgit/tmp/stages/, released by the system if the
process dies): the `mlgit repro` that runs a stage holds it from deciding to run it until its
lock entry is written, so that another `mlgit repro` waits for the stage instead of running
it twice."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os


class StageLock:
    def __init__(self, tmp_dir: str, address: str) -> None:
        name = hashlib.sha1(address.encode("utf-8", "surrogateescape")).hexdigest()[:20]
        self.path = os.path.join(tmp_dir, "stages", name)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.pwrite(fd, f"{os.getpid():<20}\n".encode(), 0)  # fixed width: no truncate
        self._fd = fd
        return True

    def holder(self) -> str:
        """The process id written by whoever holds it (may be gone by now)."""
        with contextlib.suppress(OSError), open(self.path, encoding="ascii") as f:
            return f.read().strip()
        return ""

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
