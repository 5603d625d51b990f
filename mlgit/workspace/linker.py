"""Objects -> workspace files, by reflink, hardlink, symlink or copy (probed, with fallback).

Every object's hash is verified before its bytes reach the workspace; the file appears under
its final name only complete (temp name + rename).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading

from mlgit import hashing
from mlgit.fileio import temp_beside, try_reflink_fd, write_all
from mlgit.hashing import EMPTY_OID
from mlgit.storage.objects import LocalODB

# Errors that mean "this filesystem cannot do that", not "something is broken".
_UNSUPPORTED = {errno.EXDEV, errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL,
                errno.ENOSYS, errno.EMLINK, errno.EACCES}
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
# Link types that copy an object kept inside a bigger file (or the empty object) rather
# than materialising it as a file of its own first.
_COPIES_SMALL = frozenset({"copy", "reflink"})


class Linker:
    def __init__(self, odb: LocalODB, link_types: list[str]) -> None:
        self.odb = odb
        self._types = [t for t in link_types if t != "copy"] + ["copy"]
        self._lock = threading.Lock()

    def place(self, oid: str, dest: str, executable: bool = False) -> os.stat_result:
        """Put object `oid` at `dest`, replacing a file (or an empty folder tree) there;
        returns the new file's stat. Raises FileNotFoundError if the object is missing,
        CorruptObject if its bytes do not match its hash."""
        tmp = temp_beside(dest)
        try:
            st = self._make(oid, tmp, executable)
            try:
                os.replace(tmp, dest)
            except IsADirectoryError:
                clear_empty_tree(dest)
                os.replace(tmp, dest)
        except BaseException:
            _unlink_quiet(tmp)
            raise
        return st

    def create(self, oid: str, dest: str, executable: bool = False) -> os.stat_result:
        """Write object `oid` as the new file `dest`, which must not exist (it is inside a
        folder being built under a temporary name); returns its stat."""
        try:
            return self._make(oid, dest, executable)
        except BaseException:
            _unlink_quiet(dest)
            raise

    def _make(self, oid: str, tmp: str, executable: bool) -> os.stat_result:
        if self._types[0] in _COPIES_SMALL or oid == EMPTY_OID:
            # The hot path of a checkout of many small files: one lookup, one read, one hash,
            # one new file. An object kept inside a bigger file cannot be cloned on its own,
            # and empty content is never linked (there is nothing to share).
            data = self.odb.read_small(oid)
            if data is not None:
                return write_new_file(data, tmp, executable)
        while True:
            kind = self._types[0]
            if kind == "copy":
                return copy_verified(self.odb, oid, tmp, executable)
            try:
                source = self.odb.link_source(oid)
            except FileNotFoundError:
                if not self.odb.is_chunked(oid):
                    raise
                # Chunked content has no cache file to link: stream it (formats.md).
                return copy_verified(self.odb, oid, tmp, executable)
            try:
                _LINKERS[kind](source, tmp)
                if kind == "reflink" and executable:
                    os.chmod(tmp, 0o777 & ~_umask())
                return os.stat(tmp)
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED:
                    raise
                _unlink_quiet(tmp)
                with self._lock:
                    if self._types[0] == kind:
                        self._types.pop(0)


def write_new_file(data: bytes, dest: str, executable: bool) -> os.stat_result:
    """Create the new file `dest` holding `data` (verified by the caller); its stat."""
    fd = os.open(dest, _NEW_FILE, 0o777 if executable else 0o666)
    try:
        if os.write(fd, data) != len(data):
            write_all(fd, data[os.fstat(fd).st_size:])
        return os.fstat(fd)
    finally:
        os.close(fd)


def copy_verified(odb: LocalODB, oid: str, dest: str, executable: bool) -> os.stat_result:
    """Write object `oid` to the new file `dest`, verifying its hash on the way, and return
    the new file's stat; on a mismatch `dest` is removed and CorruptObject raised."""
    data = odb.read_small(oid)
    if data is not None:
        return write_new_file(data, dest, executable)
    with odb.open(oid) as source:
        fd = os.open(dest, _NEW_FILE, 0o777 if executable else 0o666)
        try:
            while chunk := source.read(hashing.CHUNK):
                write_all(fd, chunk)
            return os.fstat(fd)
        except BaseException:
            _unlink_quiet(dest)
            raise
        finally:
            os.close(fd)


def clear_empty_tree(dest: str) -> None:
    """Remove a folder standing where a file must go, if it holds no files at all."""
    import shutil

    for _, _, files in os.walk(dest):
        if files:
            raise OSError(0, "a folder holding files that are not in the cache is in the way")
    shutil.rmtree(dest)


def _reflink(src: str, dst: str) -> None:
    with open(src, "rb") as fsrc:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            if not try_reflink_fd(fsrc.fileno(), fd):
                raise OSError(errno.EOPNOTSUPP, "reflink not supported")
        finally:
            os.close(fd)


def _hardlink(src: str, dst: str) -> None:
    os.link(src, dst)


def _symlink(src: str, dst: str) -> None:
    os.symlink(os.path.abspath(src), dst)


_LINKERS = {"reflink": _reflink, "hardlink": _hardlink, "symlink": _symlink}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink_quiet(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def probe_link_type(odb: LocalODB, link_types: list[str], scratch_dir: str) -> str:
    """The first configured link type that works from the cache to `scratch_dir` (a folder on
    the work tree's file system), with why the first one does not when the cache is on
    another file system: "copy (hardlink not possible: the cache is on another file system)"."""
    os.makedirs(scratch_dir, exist_ok=True)
    if not os.path.isdir(odb.root):
        return "unknown (the cache folder does not exist)"
    try:
        probe_src = odb.temp_path()  # in the cache, as the objects that checkout links
        with open(probe_src, "wb") as f:
            f.write(b"probe")
    except OSError as exc:
        return f"unknown (cannot write in the cache: {exc.strerror or type(exc).__name__})"
    try:
        kind = _first_working(probe_src, link_types, scratch_dir)
        if link_types and kind != link_types[0] \
                and os.stat(probe_src).st_dev != os.stat(scratch_dir).st_dev:
            return f"{kind} ({link_types[0]} not possible: the cache is on another file system)"
        return kind
    finally:
        _unlink_quiet(probe_src)


def _first_working(probe_src: str, link_types: list[str], scratch_dir: str) -> str:
    for kind in link_types:
        if kind == "copy":
            return "copy"
        dst = os.path.join(scratch_dir, f".probe-{os.getpid()}-{kind}")
        try:
            _LINKERS[kind](probe_src, dst)
            return kind
        except OSError:
            continue
        finally:
            _unlink_quiet(dst)
    return "copy"
