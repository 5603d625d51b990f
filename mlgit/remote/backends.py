"""Where a remote's bytes live: a few file operations on paths relative to the remote's
root. Backends know nothing of objects or packs (remote.py does).

`LocalBackend` uses plain os calls (no fsspec import, kernel copies, one syncfs to make a
push durable); `FsspecBackend` serves every other URL kind through one fsspec filesystem.
Writes are atomic: a temp name and a rename where the storage can rename (the registry's
`atomic_rename`: local, ssh); object stores publish an object only when its upload completes.
Backends make each call once: retry.RetryingBackend wraps one with retries.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, Protocol

from mlgit.fileio import copy_file, copy_range, make_durable, start_writeback
from mlgit.hashing import hash_file
from mlgit.remote.schemes import Scheme
from mlgit.remote.stat_times import written_at
from mlgit.storage.objects import CorruptObject


class Aborted(Exception):
    """A write asked for after the transfer was interrupted (LocalBackend.abort)."""


TEMP_MARK = ".mlgit-tmp-"
_TEMP_NAME = re.compile(r"\..+" + re.escape(TEMP_MARK) + r"(\d+)-[0-9a-f]+", re.DOTALL)


def temp_name(rel: str) -> str:
    """A hidden temp name beside `rel`: `.NAME.mlgit-tmp-<unix time>-<random>`, so that any
    left behind by an interrupted push can be recognised, and their age told, from a
    listing alone."""
    folder, _, name = rel.rpartition("/")
    tmp = f".{name}{TEMP_MARK}{int(time.time())}-{secrets.token_hex(6)}"
    return f"{folder}/{tmp}" if folder else tmp


def temp_written_at(name: str) -> int | None:
    """When the temp file `name` (made by temp_name) was started; None if it is not one."""
    match = _TEMP_NAME.fullmatch(name)
    return int(match.group(1)) if match else None


class Stat(NamedTuple):
    """A listed name: when it was last written (Unix seconds; None when the storage does not
    say), its size in bytes (-1 for a folder or when unknown)."""

    time: float | None
    size: int


class Backend(Protocol):
    scheme: str
    root: str

    def list_dir(self, rel: str) -> list[str]:
        """Names in a folder ([] if it does not exist)."""

    def exists(self, rel: str) -> bool: ...

    def read(self, rel: str, start: int | None = None, end: int | None = None) -> bytes: ...

    def download(self, rel: str, local_path: str) -> None:
        """Copy a file to `local_path`, replacing what an earlier attempt left there."""

    def write_bytes(self, rel: str, data: bytes | bytearray) -> None: ...

    def upload(self, local_path: str, rel: str, oid: str) -> None:
        """Upload a file that must hash to `oid` (CorruptObject if it does not; then
        nothing is published)."""

    def write_range(self, rel: str, local_path: str, offset: int, length: int,
                    check: RangeCheck) -> None:
        """Write `length` bytes of a local file from `offset` as the file `rel`; `check` is
        given the bytes to publish, in order, and raises (CorruptObject) to publish
        nothing."""

    def remove(self, rel: str) -> None:
        """Delete a file (FileNotFoundError if it is not there)."""

    def list_times(self, rel: str) -> dict[str, Stat]:
        """Names in a folder ({} if it does not exist) with when each was last written and
        its size, as far as the storage says (gc_survey.py)."""

    def check_root(self) -> str | None:
        """Why the remote cannot be used at all (e.g. a missing bucket), or None."""

    def finish(self) -> None:
        """Make what was written durable (where the storage needs a request for it)."""

    def abort(self) -> None:
        """Ctrl-C: delete the temp files being written by other threads (which run on until
        the process exits) and refuse every later write."""


RangeCheck = Callable[[Iterable[memoryview]], None]
"""Checks bytes about to be published, given as consecutive pieces (Backend.write_range)."""

_CHECK_BLOCK = 8 << 20


def _blocks(fd: int, length: int) -> Iterator[memoryview]:
    """A file's first `length` bytes in pieces of one reused buffer (each valid until the
    next is asked for)."""
    buf = bytearray(min(length, _CHECK_BLOCK))
    view = memoryview(buf)
    done = 0
    while done < length:
        n = os.preadv(fd, [view[:min(length - done, len(buf))]], done)
        if n == 0:
            return
        yield view[:n]
        done += n


def read_range(path: str, offset: int, length: int) -> bytearray:
    """Bytes of a local file from `offset`: `length` of them, fewer at its end."""
    data = bytearray(length)
    view = memoryview(data)
    done = 0
    with open(path, "rb", buffering=0) as f:
        while done < length:
            n = os.preadv(f.fileno(), [view[done:]], offset + done)
            if n == 0:
                del view
                del data[done:]
                break
            done += n
    return data


class LocalBackend:
    scheme = "local"

    def __init__(self, root: str) -> None:
        self.root = root
        self._made: set[str] = set()
        self._lock = threading.Lock()
        self._written: list[str] = []
        self._unfinished: set[str] = set()  # temp files being written, for abort
        self._aborted = False

    def _abs(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def list_dir(self, rel: str) -> list[str]:
        try:
            return os.listdir(self._abs(rel))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def exists(self, rel: str) -> bool:
        return os.path.exists(self._abs(rel))

    def list_times(self, rel: str) -> dict[str, Stat]:
        found: dict[str, Stat] = {}
        try:
            entries = list(os.scandir(self._abs(rel)))
        except (FileNotFoundError, NotADirectoryError):
            return found
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                st = entry.stat(follow_symlinks=False)
                found[entry.name] = Stat(st.st_mtime, -1 if entry.is_dir() else st.st_size)
        return found

    def read(self, rel: str, start: int | None = None, end: int | None = None) -> bytes:
        with open(self._abs(rel), "rb") as f:
            if start is None:
                return f.read()
            f.seek(start)
            return f.read(None if end is None else end - start)

    def download(self, rel: str, local_path: str) -> None:
        _remove_partial(local_path)
        copy_file(self._abs(rel), local_path)

    def _publish(self, rel: str, write: Any) -> None:
        final = self._abs(rel)
        folder = os.path.dirname(final)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            with self._lock:
                self._made.add(folder)
        tmp = self._abs(temp_name(rel))
        with self._lock:
            if self._aborted:
                raise Aborted(rel)
            self._unfinished.add(tmp)
        try:
            write(tmp)
            os.chmod(tmp, 0o444)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        finally:
            with self._lock:
                self._unfinished.discard(tmp)
        with self._lock:
            self._written.append(final)

    def write_bytes(self, rel: str, data: bytes | bytearray) -> None:
        def write(tmp: str) -> None:
            with open(tmp, "xb") as f:
                f.write(data)
                if len(data) >= _WRITEBACK_FROM:
                    # A pack: the disk starts on it now, so finish()'s sync waits for the
                    # last packs only, not for all of them (as upload's kernel copy does).
                    f.flush()
                    start_writeback(f.fileno(), 0, len(data))

        self._publish(rel, write)

    def upload(self, local_path: str, rel: str, oid: str) -> None:
        def copy_and_check(tmp: str) -> None:
            # Copy first, then hash the copy: the disk starts writing while the source is
            # still being read, and the bytes checked are exactly the bytes published.
            copy_file(local_path, tmp)
            check_file(tmp, oid)

        self._publish(rel, copy_and_check)

    def write_range(self, rel: str, local_path: str, offset: int, length: int,
                    check: RangeCheck) -> None:
        def copy_and_check(tmp: str) -> None:
            # As upload: the kernel copies, then the copy is checked (what is published).
            with open(local_path, "rb") as src, open(tmp, "x+b") as dst:
                copied = copy_range(src.fileno(), dst.fileno(), offset, length)
                check(_blocks(dst.fileno(), copied))

        self._publish(rel, copy_and_check)

    def remove(self, rel: str) -> None:
        os.unlink(self._abs(rel))

    def check_root(self) -> str | None:
        # A push does not create the folder: a mistyped path would silently become a new,
        # empty remote, and fetch would then report every object as missing.
        if not os.path.exists(self.root):
            return "the folder does not exist"
        if not os.path.isdir(self.root):
            return "it is a file, not a folder"
        return None

    def finish(self) -> None:
        """fsync what this push wrote (and its folders) when that is a few files, so other
        work on the same disk is not flushed with it; one syncfs when many."""
        files, self._written = self._written, []
        make_durable(files, self.root)

    def abort(self) -> None:
        """A thread still copying into a temp file deleted here fails at its rename: its
        bytes never appear under a final name."""
        with self._lock:
            self._aborted = True
            for tmp in self._unfinished:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


_WRITEBACK_FROM = 1 << 20


class FsspecBackend:
    """Any fsspec filesystem. Object stores (gs, s3, memory) get direct writes, which they
    publish whole; a filesystem that can rename (ssh) gets temp + rename."""

    def __init__(self, scheme: Scheme, fs: Any, root: str) -> None:
        self.scheme = scheme.name
        self.properties = scheme
        self.fs = fs
        self.root = root.rstrip("/")
        self._renames = scheme.atomic_rename
        self._made: set[str] = set()
        self._lock = threading.Lock()

    def _abs(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def list_dir(self, rel: str) -> list[str]:
        try:
            found = self.fs.ls(self._abs(rel), detail=False)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [str(p).rstrip("/").rpartition("/")[2] for p in found]

    def exists(self, rel: str) -> bool:
        return bool(self.fs.exists(self._abs(rel)))

    def list_times(self, rel: str) -> dict[str, Stat]:
        try:
            found = self.fs.ls(self._abs(rel), detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return {}
        return {str(info["name"]).rstrip("/").rpartition("/")[2]:
                Stat(written_at(info), -1 if info.get("type") == "directory"
                     else int(info.get("size") or 0))
                for info in found}

    def read(self, rel: str, start: int | None = None, end: int | None = None) -> bytes:
        if start is not None and not self.properties.ranged_cat:
            with self.fs.open(self._abs(rel), "rb") as f:
                f.seek(start)
                ranged: bytes = f.read(None if end is None else end - start)
                return ranged
        data: bytes = self.fs.cat_file(self._abs(rel), start=start, end=end)
        return data

    def download(self, rel: str, local_path: str) -> None:
        _remove_partial(local_path)
        self.fs.get_file(self._abs(rel), local_path)

    def _ensure_folder(self, rel: str) -> None:
        folder = self._abs(rel).rpartition("/")[0]
        if not self._renames or folder in self._made:
            return
        self.fs.makedirs(folder, exist_ok=True)
        with self._lock:
            self._made.add(folder)

    def write_bytes(self, rel: str, data: bytes | bytearray) -> None:
        self._ensure_folder(rel)
        if not self._renames:
            self.fs.pipe_file(self._abs(rel), data)
            return
        tmp = temp_name(rel)
        self.fs.pipe_file(self._abs(tmp), data)
        self._rename(tmp, rel)

    def upload(self, local_path: str, rel: str, oid: str) -> None:
        check_file(local_path, oid)
        self._ensure_folder(rel)
        if not self._renames:
            self.fs.put_file(local_path, self._abs(rel))
            return
        tmp = temp_name(rel)
        self.fs.put_file(local_path, self._abs(tmp))
        self._rename(tmp, rel)

    def write_range(self, rel: str, local_path: str, offset: int, length: int,
                    check: RangeCheck) -> None:
        data = read_range(local_path, offset, length)
        check([memoryview(data)])
        self.write_bytes(rel, data)

    def _rename(self, tmp: str, rel: str) -> None:
        try:
            self.fs.mv(self._abs(tmp), self._abs(rel))
        except OSError:
            # SFTP refuses to rename over an existing file: another push got there first,
            # and content addressing makes its copy the same bytes.
            with contextlib.suppress(OSError):
                self.fs.rm_file(self._abs(tmp))
            if not self.fs.exists(self._abs(rel)):
                raise

    def remove(self, rel: str) -> None:
        self.fs.rm_file(self._abs(rel))

    def check_root(self) -> str | None:
        if not self.properties.bucket:
            return None
        bucket = self.root.split("/", 1)[0]
        if not self.fs.exists(bucket):
            return f"bucket {bucket!r} does not exist (or these credentials cannot see it)"
        return None

    def finish(self) -> None:
        return None

    def abort(self) -> None:
        # An ssh remote's temp files stay (a request per file would hold up the exit);
        # `mlgit gc --tmp` and later pushes delete them.
        return None


def check_file(path: str, oid: str) -> None:
    actual, _ = hash_file(path)
    if actual != oid:
        raise CorruptObject(oid, actual)


def _remove_partial(local_path: str) -> None:
    """Remove a partial download an earlier attempt left."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(local_path)
