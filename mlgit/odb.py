"""The local object store: `<root>/<first 2 hex>/<remaining 30 hex>`, write-once, read-only.

Plain os calls only (fsspec is for remotes). The interface stays narrow — has, read, put,
iterate, delete by oid — so the physical layout can change without touching its callers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

from mlgit import hashing
from mlgit.hashing import OID_LEN

SMALL_FILE = 4 << 20
TMP_DIR = "tmp"
_TMP_SUFFIX = ".tmp"


class CorruptObject(Exception):
    def __init__(self, oid: str, actual: str) -> None:
        super().__init__(f"object {oid} is corrupt (its content hashes to {actual})")
        self.oid = oid
        self.actual = actual


class LocalODB:
    def __init__(self, root: str) -> None:
        self.root = root
        self._made_dirs: set[str] = set()
        self._counter = 0

    def path(self, oid: str) -> str:
        return os.path.join(self.root, oid[:2], oid[2:])

    def exists(self, oid: str) -> bool:
        return os.path.exists(self.path(oid))

    def missing(self, oids: Iterable[str]) -> set[str]:
        """The oids not in the store: stat each when few, list the store when many."""
        wanted = set(oids)
        if len(wanted) < 2000:
            return {oid for oid in wanted if not self.exists(oid)}
        return wanted - set(self.iter_oids())

    def stamp(self) -> bytes | None:
        """A fingerprint of the store's folders: it changes whenever an object is added or
        removed (the folder's mtime moves). None if a folder changed too recently to tell."""
        import marshal
        import time

        try:
            with os.scandir(self.root) as it:
                stamps = sorted((e.name, e.stat().st_mtime_ns) for e in it if len(e.name) == 2)
        except FileNotFoundError:
            return None
        newest = max((m for _, m in stamps), default=0)
        if newest >= time.time_ns() - 50_000_000:
            return None
        return marshal.dumps(stamps)

    def read_verified(self, oid: str) -> bytes:
        with open(self.path(oid), "rb") as f:
            data = f.read()
        actual = hashing.hash_bytes(data)
        if actual != oid:
            raise CorruptObject(oid, actual)
        return data

    def put_bytes(self, data: bytes, oid: str | None = None) -> str:
        """Store bytes under their hash; a no-op if the object is already there."""
        oid = oid or hashing.hash_bytes(data)
        final = self.path(oid)
        if os.path.exists(final):
            return oid
        self._ensure_dir(oid[:2])
        tmp = self._tmp_name(os.path.dirname(final))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, final)
        return oid

    def put_file(self, src: str) -> tuple[str, int, bytes | None]:
        """Store a file's content; returns (oid, size, data-if-small).

        Small files are read once into memory, hashed and written. Large files are copied
        to a temp file by the kernel and the copy is hashed, so the stored bytes are exactly
        the ones hashed even if the source changes meanwhile.
        """
        size = os.stat(src).st_size
        if size < SMALL_FILE:
            with open(src, "rb") as f:
                data = f.read()
            return self.put_bytes(data), len(data), data
        return (*self._put_large(src), None)

    def _put_large(self, src: str) -> tuple[str, int]:
        tmp_dir = os.path.join(self.root, TMP_DIR)
        os.makedirs(tmp_dir, exist_ok=True)
        tmp = self._tmp_name(tmp_dir)
        try:
            copy_file(src, tmp)
            oid, size = hashing.hash_file(tmp)
            os.chmod(tmp, 0o444)
            final = self.path(oid)
            if os.path.exists(final):
                os.unlink(tmp)
            else:
                self._ensure_dir(oid[:2])
                os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return oid, size

    def iter_oids(self) -> Iterator[str]:
        try:
            prefixes = os.listdir(self.root)
        except FileNotFoundError:
            return
        for prefix in prefixes:
            if len(prefix) != 2:
                continue
            try:
                names = os.listdir(os.path.join(self.root, prefix))
            except NotADirectoryError:
                continue
            for name in names:
                if len(name) == OID_LEN - 2 and name[0] != ".":
                    yield prefix + name

    def size_of(self, oid: str) -> int:
        return os.stat(self.path(oid)).st_size

    def delete(self, oid: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(oid))

    def sync(self) -> None:
        """Make every object written so far durable with one syncfs (not one fsync each)."""
        if not os.path.isdir(self.root):
            return
        fd = os.open(self.root, os.O_RDONLY)
        try:
            _syncfs(fd)
        finally:
            os.close(fd)

    def _ensure_dir(self, name: str) -> None:
        if name in self._made_dirs:
            return
        os.makedirs(os.path.join(self.root, name), exist_ok=True)
        self._made_dirs.add(name)

    def _tmp_name(self, folder: str) -> str:
        self._counter += 1
        return os.path.join(folder, f".{os.getpid()}-{self._counter}{_TMP_SUFFIX}")


def copy_file(src: str, dst: str) -> None:
    """Copy with a reflink when the filesystem can, else copy_file_range/sendfile."""
    import shutil

    with open(src, "rb") as fsrc, open(dst, "xb") as fdst:
        if try_reflink_fd(fsrc.fileno(), fdst.fileno()):
            return
        if not _kernel_copy(fsrc.fileno(), fdst.fileno()):
            shutil.copyfileobj(fsrc, fdst, 1 << 20)


def _kernel_copy(src_fd: int, dst_fd: int) -> bool:
    remaining = os.fstat(src_fd).st_size
    try:
        while remaining > 0:
            n = os.copy_file_range(src_fd, dst_fd, min(remaining, 1 << 30))
            if n == 0:
                break
            remaining -= n
    except OSError:
        return False
    return True


FICLONE = 0x40049409


def try_reflink_fd(src_fd: int, dst_fd: int) -> bool:
    import fcntl

    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
    except OSError:
        return False
    return True


def _syncfs(fd: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "syncfs") and libc.syncfs(fd) == 0:
        return
    os.sync()
