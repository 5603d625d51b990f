"""Low-level file operations: whole reads and writes, the one way to write a file atomically
(a temp file named by temp_beside, then a rename), the one way to make written files durable,
kernel copies with early write-back, reflinks and syncfs (through libc, where Python has no
binding)."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Callable, Iterator

from mlgit.errors import DiskFull, MlgitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TMP_SUFFIX = ".mlgit-tmp"
"""Files mlgit writes before renaming them into place (in the work tree, the cache and
.mlgit/) are named `.NAME.PID-N.mlgit-tmp` (temp_beside); any found later are leftovers of an
interrupted command: never data, removed by the next command that comes across them
(remove_leftover)."""
LEFTOVER_AGE = 3600
"""A temp file unchanged this long (in seconds) is a leftover even if a process with its
writer's id is running (process ids are reused)."""
_temp_counter = itertools.count()


def temp_beside(dest: str) -> str:
    """A fresh temp file name in the folder of `dest`, for writing it atomically. The name is
    hidden, short enough for any file system, and says which process wrote it."""
    folder, slash, name = dest.rpartition("/")
    return f"{folder}{slash}.{name[:40]}.{os.getpid()}-{next(_temp_counter)}{TMP_SUFFIX}"


def write_atomic(dest: str, data: bytes, mode: int = 0o666) -> None:
    """Write `dest` whole or not at all: into a temp file beside it (temp_beside), then a
    rename over it. On any failure the temp file is removed and `dest` is left as it was.
    `mode` is the new file's permissions (less the umask); the bytes are not fsynced (see
    make_durable)."""
    tmp = temp_beside(dest)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not exc.filename:
            exc.filename = dest  # os.write names no file: a full disk is then told where
        raise


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def remove_leftover(path: str) -> bool:
    """Delete `path` if it is a temp file that no running command is writing: its writer (the
    process id in its name) is gone, or it has not changed for LEFTOVER_AGE. Returns whether it
    was deleted. Anything not named like a temp file, and folders, are never touched."""
    import re
    import stat
    import time

    match = re.fullmatch(r"\..*\.(\d+)-\d+" + re.escape(TMP_SUFFIX), path.rpartition("/")[2],
                         re.DOTALL)
    if match is None:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISDIR(st.st_mode):
        return False
    old = st.st_ctime < time.time() - LEFTOVER_AGE  # ctime: moves with every write and link
    if not old and _writer_alive(int(match.group(1))):
        return False
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # maybe this very process
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def read_text_or_empty(path: str) -> str:
    """A UTF-8 text file that mlgit edits and users may edit too (mlgit.yaml, .gitattributes);
    "" when there is none yet."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise MlgitError(f"{path}: is not UTF-8 text", "save it as UTF-8") from None


def read_all(fd: int, size: int) -> bytes:
    data = os.read(fd, size + 1)
    if len(data) <= size:
        return data
    chunks = [data]
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def copy_file(src: str, dst: str) -> None:
    """Copy with a reflink when the filesystem can, else copy_file_range/sendfile."""
    import shutil

    with open(src, "rb") as fsrc, open(dst, "xb") as fdst:
        if try_reflink_fd(fsrc.fileno(), fdst.fileno()):
            return
        if not _kernel_copy(fsrc.fileno(), fdst.fileno()):
            shutil.copyfileobj(fsrc, fdst, 1 << 20)


_COPY_CHUNK = 64 << 20


def _kernel_copy(src_fd: int, dst_fd: int) -> bool:
    """Copy in the kernel, starting write-back of each chunk as soon as it is copied: the
    batch's final syncfs then waits for the disk only for the last chunks, not all of it."""
    remaining = os.fstat(src_fd).st_size
    written = 0
    try:
        while remaining > 0:
            n = os.copy_file_range(src_fd, dst_fd, min(remaining, _COPY_CHUNK))
            if n == 0:
                break
            start_writeback(dst_fd, written, n)
            written += n
            remaining -= n
    except OSError as exc:
        if is_disk_full(exc):
            raise  # a plain copy would fail the same way
        return False
    return True


def copy_range(src_fd: int, dst_fd: int, offset: int, length: int) -> int:
    """Copy `length` bytes of the source from `offset` to the start of the destination, in
    the kernel where it can, starting write-back of each piece as soon as it is copied (as
    _kernel_copy). Returns the bytes copied: fewer when the source is shorter."""
    done = 0
    kernel = True
    while done < length:
        count = min(length - done, _COPY_CHUNK)
        if kernel:
            try:
                n = os.copy_file_range(src_fd, dst_fd, count, offset + done, done)
            except OSError as exc:
                if is_disk_full(exc):
                    raise  # a plain copy would fail the same way
                kernel = False  # e.g. not supported between these filesystems
                continue
        else:
            data = os.pread(src_fd, min(count, 1 << 20), offset + done)
            n = len(data)
            if n:
                view = memoryview(data)
                while view:
                    view = view[os.pwrite(dst_fd, view, done + n - len(view)):]
        if n == 0:
            break
        start_writeback(dst_fd, done, n)
        done += n
    return done


_SYNC_FILE_RANGE_WRITE = 2


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the disk to start writing these bytes of a file now (Linux; elsewhere nothing):
    a later sync then has less to wait for."""
    libc = _libc()
    if libc is None or not hasattr(libc, "sync_file_range"):
        return
    import ctypes

    libc.sync_file_range(fd, ctypes.c_int64(offset), ctypes.c_int64(length),
                         _SYNC_FILE_RANGE_WRITE)


_LIBC: list[object] = []


def _libc() -> Any:
    if not _LIBC:
        import ctypes

        try:
            _LIBC.append(ctypes.CDLL(None, use_errno=True))
        except OSError:
            _LIBC.append(None)
    return _LIBC[0]


FICLONE = 0x40049409


def try_reflink_fd(src_fd: int, dst_fd: int) -> bool:
    import fcntl

    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
    except OSError:
        return False
    return True


def syncfs(fd: int) -> None:
    libc = _libc()
    if libc is not None and hasattr(libc, "syncfs") and libc.syncfs(fd) == 0:
        return
    os.sync()


def sync_folder_fs(folder: str) -> None:
    """Make everything written to the filesystem holding `folder` durable (one syncfs)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        syncfs(fd)
    finally:
        os.close(fd)


def fsync_path(path: str) -> None:
    """fsync a file or folder by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


FEW_FILES = 64
"""make_durable fsyncs up to this many files one by one; more cost more than one syncfs."""


def make_durable(files: list[str], root: str, folders: tuple[str, ...] = ()) -> None:
    """Make `files` (written under the folder `root`) durable, with their names: an fsync per
    file and per folder holding one (and of `folders`, where new folders were made) when
    there are few, so the rest of the filesystem is not flushed with them; else one syncfs of
    the filesystem holding `root`."""
    if len(files) > FEW_FILES:
        sync_folder_fs(root)
        return
    for path in [*files, *sorted({os.path.dirname(f) for f in files} | set(folders))]:
        fsync_path(path)


_FULL = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _FULL


def human_size(n: float) -> str:
    """A byte count for people: `512 B`, `1.5 KiB`, ... `2.0 TiB`."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def disk_full_error(exc: OSError, path: str, needed: int | None = None) -> DiskFull:
    """The one message for a full disk (or quota): which disk, how much was needed and how
    much is free. `path` is where the writes went; the file named by `exc` wins if any."""
    named = isinstance(exc.filename, str) and bool(exc.filename)
    where = os.path.abspath(exc.filename if named else path)
    mount = _mount_point(where)
    if named and needed and _mount_point(os.path.abspath(path)) != mount:
        needed = None  # what the work needs was counted for `path`, on another disk
    try:
        st = os.statvfs(mount)
        free = f"{human_size(st.f_bavail * st.f_frsize)} free"
    except OSError:
        free = "free space unknown"
    why = "disk quota exceeded" if exc.errno == errno.EDQUOT else "no space left"
    need = f"; this needs at least {human_size(needed)} more" if needed else ""
    return DiskFull(f"{why} on the disk holding {where} (mounted at {mount}, {free}){need}",
                    f"free up space on {mount}, then run the command again (nothing was"
                    " left half-written)")


def _mount_point(path: str) -> str:
    while not os.path.exists(path):
        path = os.path.dirname(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


@contextlib.contextmanager
def reporting_disk_full(path: str,
                        needed: Callable[[], int | None] = lambda: None) -> Iterator[None]:
    """Turn a full disk inside the block into one DiskFull error about `path`; `needed` is
    asked (only then) how many bytes the work needs."""
    try:
        yield
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        raise disk_full_error(exc, path, needed()) from None


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: str, second: str) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 RENAME_EXCHANGE): a
    reader sees one or the other, never neither. False where the system cannot (then
    nothing changed)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "renameat2"):
        return False
    return bool(libc.renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD,
                               os.fsencode(second), _RENAME_EXCHANGE) == 0)
