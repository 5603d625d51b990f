"""A fingerprint of what a folder holds as `lstat` sees it: every name, and each file's inode,
mtime, ctime, size and mode. Two equal fingerprints mean nothing was written, renamed, added or
removed in between (as far as the state DB could tell either; see unchanged.py).

Taking one costs little more than the `lstat` per file a status needs anyway: no state rows,
no manifest, no per-file comparison. The fingerprint is made of one digest per part of the
folder (each top-level subfolder with everything below it, or each subfolder one or two
levels deeper when there are few at the top; and "" for the files and subfolder names above
those), so that a status after a few changes can tell which parts to compare in full and
leave the others alone.

Where GNU `find` is on the PATH it does the walk: one `lstat` per file in C, its `-printf`
records streamed through a pipe straight into the hash, with the parts dealt
over as many `find` processes as a scan would use workers. Python would spend more time on
each file than the system call itself costs. Without it (or if it fails in any way), the
same walk is done in Python, split over forked workers (scan_workers). The two give different
digests for the same folder; a memo taken by one is only ever a miss for the other.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from functools import partial

from mlgit.hashing import new_hasher
from mlgit.workspace import scan_workers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Part = tuple[bytes, int]
"""One part's digest and its files' newest mtime or ctime (ns)."""


class Listing:
    """A folder's fingerprint: `digest`, one digest per part in `parts`, and
    `settled`, whether every file's mtime and ctime were older than the moment the caller
    named (a fingerprint can vouch for a file only once its times are safely in the past);
    `unsettled` names the parts where one was not."""

    __slots__ = ("digest", "parts", "settled", "unsettled")

    def __init__(self, digest: bytes, settled: bool, parts: dict[str, bytes] | None = None,
                 unsettled: frozenset[str] = frozenset()) -> None:
        self.digest, self.settled, self.parts = digest, settled, parts or {}
        self.unsettled = unsettled


def folder_listing(abs_dir: str, files: int, settled_before: int = 0) -> Listing | None:
    """The fingerprint of the folder `abs_dir`, which holds about `files` files (to decide
    on workers); `settled` if no file's mtime or ctime is at or after `settled_before` (ns).
    None if it holds anything but folders and regular files (a symlink's `lstat` says nothing
    of its target's content), or cannot be read."""
    try:
        planned = _plan(abs_dir)
    except OSError:
        return None
    if planned is None:
        return None
    above, names = planned
    shares = scan_workers.deal(names, scan_workers.workers_for(files))
    parts = _found_parts(abs_dir, shares, settled_before)
    if parts is FIND_FAILED:
        parts = _walked_parts(abs_dir, shares)
    if parts is None:
        return None
    parts[""] = _part_of(above)
    return _listing(parts, settled_before)


MIN_PARTS = 64
"""A folder with fewer top-level subfolders is cut into parts one level deeper, and so on
(data/train/<class>/... is a common layout), so that the parts are small enough to compare
only the changed ones, and many enough to deal over the processes."""

MAX_LEVELS = 3
"""Parts are at most this many levels below the folder."""

FEW_FILES = 20_000
"""A level is cut deeper only if the folders above the parts hold no more files than this
directly: they are walked here, one process, Python."""


def _plan(abs_dir: str) -> tuple[list[tuple[str, list[Any], list[str]]], list[str]] | None:
    """The folders above the parts, each with its files and subfolders' names (the part ""),
    and the parts' paths inside `abs_dir` (its top-level subfolders, or deeper ones). None if
    one of those folders holds anything but files and folders."""
    top = _entries(abs_dir)
    if top is None:
        return None
    above = [("", *top)]
    names = sorted(top[1])
    for _ in range(MAX_LEVELS - 1):
        if not names or len(names) >= MIN_PARTS or not _few_files(abs_dir, names):
            break
        level = []
        for name in names:
            entries = _entries(f"{abs_dir}/{name}")
            if entries is None:
                return None
            level.append((name, *entries))
        deeper = sorted(f"{name}/{sub}" for name, _, subs in level for sub in subs)
        if len(deeper) <= len(names):
            break  # no finer than it is
        above += level
        names = deeper
    return above, names


def _few_files(abs_dir: str, names: list[str]) -> bool:
    """Whether the folders `names` hold no more than FEW_FILES entries that are not folders,
    directly (counted without an lstat, and only as far as needed)."""
    count = 0
    for name in names:
        with os.scandir(f"{abs_dir}/{name}") as it:
            for entry in it:
                if not entry.is_dir(follow_symlinks=False):
                    count += 1
                    if count > FEW_FILES:
                        return False
    return True


def _listing(parts: dict[str, Part], settled_before: int) -> Listing:
    digests = {name: part[0] for name, part in parts.items()}
    digest = new_hasher()
    digest.update(marshal.dumps(sorted(digests.items())))
    unsettled = frozenset(name for name, part in parts.items() if part[1] >= settled_before)
    return Listing(digest.digest(), not unsettled, digests, unsettled)


def file_listing(abs_path: str, settled_before: int = 0) -> Listing | None:
    """The fingerprint of one regular file; None if it is anything else or is gone."""
    try:
        st = os.lstat(abs_path)
    except OSError:
        return None
    if (st.st_mode & 0o170000) != 0o100000:
        return None
    return Listing(marshal.dumps((st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size,
                                  st.st_mode)),
                   max(st.st_mtime_ns, st.st_ctime_ns) < settled_before)


# --- the walk in Python, over forked workers ---------------------------------------------

def _walked_parts(abs_dir: str, shares: list[list[str]]) -> dict[str, Part] | None:
    mine = shares[0] if shares else []
    theirs = shares[1:]
    parts, results, _ = scan_workers.in_parallel(
        partial(_parts, abs_dir, mine), [partial(_parts, abs_dir, names) for names in theirs])
    for names, result in zip(theirs, results, strict=True):
        # a worker that failed leaves its share to this process
        parts.update(_parts(abs_dir, names) if result is None else result)
    known = {name: part for name, part in parts.items() if part is not None}
    return known if len(known) == len(parts) else None


def _parts(abs_dir: str, names: list[str]) -> dict[str, Part | None]:
    """The digest of each named subfolder of `abs_dir`."""
    return {name: _tree(f"{abs_dir}/{name}", name) for name in names}


def _tree(top: str, inner: str) -> Part | None:
    """The digest of the folder `top` and everything below it."""
    found: list[tuple[str, list[Any], list[str]]] = []
    stack = [(top, inner)]
    try:
        while stack:
            folder, here = stack.pop()
            entries = _entries(folder)
            if entries is None:
                return None
            found.append((here, *entries))
            stack += [(f"{folder}/{name}", f"{here}/{name}") for name in entries[1]]
    except OSError:
        return None
    return _part_of(found)


def _entries(folder: str) -> tuple[list[Any], list[str]] | None:
    """The files directly in `folder`, flat (name, inode, mtime, ctime, size, mode, name,
    ...), and its subfolders' names; None if it holds anything else."""
    files: list[Any] = []
    folders: list[str] = []
    with os.scandir(folder) as it:
        for entry in it:
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                files += (entry.name, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size,
                          st.st_mode)
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                return None
    return files, folders


def _part_of(found: list[tuple[str, list[Any], list[str]]]) -> Part:
    digest = new_hasher()
    digest.update(marshal.dumps(found))
    newest = 0
    for _, files, _ in found:
        if files:
            newest = max(newest, max(files[2::6]), max(files[3::6]))
    return digest.digest(), newest


# --- the walk by GNU find ------------------------------------------------------------------

FIND = "find"
START = b"\x000d \x00"
"""The record of a starting point (depth 0, a folder, no name), after the previous record's
end: it separates one part's records from the next one's."""

RACY = b"\x00R\x00"
"""The record find adds after a file changed at or after the moment asked about."""

NOT_PLAIN = b"!"
"""What find prints, before stopping, on meeting anything but a file or a folder."""


def _find_argv(starts: list[str], settled_before: int) -> list[str]:
    """A find that knows -newerXY (GNU findutils 4.3.3 and later) prints %T@ and %C@ to the
    nanosecond; one that does not fails, and the walk in Python is used."""
    # find's -newerXY take a time to the nanosecond and test "after it": at or after
    # settled_before is after settled_before - 1
    seconds, ns = divmod(max(settled_before - 1, 0), 1_000_000_000)
    since = f"@{seconds}.{ns:09d}"
    return [FIND, *starts,
            "(", "-type", "f", "-printf", r"%d%y %i %T@ %C@ %s %m %P\0",
            "(", "(", "-newerct", since, "-o", "-newermt", since, ")",
            "-printf", r"R\0", ",", "-true", ")", ")",
            "-o", "(", "-type", "d", "-printf", r"%d%y %P\0", ")",
            "-o", "(", "-printf", "!", "-quit", ")"]


FIND_FAILED: dict[str, Part] = {}
"""What _found_parts returns when find is not there or did not do what was asked."""


def _found_parts(abs_dir: str, shares: list[list[str]], settled_before: int
                 ) -> dict[str, Part] | None:
    """Each part's digest, from one `find` process per share; None if one
    holds anything but files and folders; FIND_FAILED if find is not there or did not do
    what was asked (the walk in Python then does it all again)."""
    if not shares:
        return {}
    if not hasattr(os, "posix_spawnp"):
        return FIND_FAILED
    if sum(len(abs_dir) + len(name) + 2 for share in shares for name in share) > 100_000:
        return FIND_FAILED  # a command line this long may be refused
    env = {"LC_ALL": "C"}  # nothing of the user's environment changes what find prints
    runs: list[_FindRun] = []
    try:
        for share in shares:
            runs.append(_FindRun(share, [f"{abs_dir}/{name}" for name in share],
                                 settled_before, env))
        _drain(runs)
    except OSError:
        return FIND_FAILED
    finally:
        for run in runs:
            run.close()
    if not all(run.succeeded() for run in runs):
        return FIND_FAILED
    if any(run.not_plain for run in runs):
        return None  # a symlink or special file: no fingerprint
    parts: dict[str, Part] = {}
    for run in runs:
        parts.update((name, (digest, settled_before if racy else 0))
                     for name, digest, racy in zip(run.share, run.digests, run.racy,
                                                   strict=True))
    return parts


class _FindRun:
    """One find process walking a share of the parts, and what its records hash to so
    far: a digest per part, split at each starting point's record, and whether find
    marked a file of that part as changed too recently (`racy`)."""

    def __init__(self, share: list[str], starts: list[str], settled_before: int,
                 env: dict[str, str]) -> None:
        self.share = share
        self.digests: list[bytes] = []
        self.racy: list[bool] = []
        self.not_plain = False
        self._hasher: Any = None
        self._racy = False
        self._tail = b""  # the current part's last bytes: a mark may span two pieces
        self._carry = b"\x00"  # as if a record ended just before the first one
        self._status: int | None = None
        read_fd, write_fd = os.pipe()
        _widen(write_fd)
        self.fd: int | None = read_fd
        try:
            self.pid: int | None = os.posix_spawnp(
                FIND, _find_argv(starts, settled_before), env,
                file_actions=[(os.POSIX_SPAWN_DUP2, write_fd, 1),
                              (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        except BaseException:
            os.close(read_fd)  # this run is not in the caller's hands to close
            raise
        finally:
            os.close(write_fd)

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk
        pos = 0
        while (at := data.find(START, pos)) >= 0:
            if self._hasher is not None:
                self._hash(data[pos:at + 1])  # with its last record's end
                self._end_part()
            self._hasher, self._racy, self._tail = new_hasher(), False, b""
            pos = at + len(START)
        keep = max(pos, len(data) - len(START) + 1)
        if self._hasher is not None:
            self._hash(data[pos:keep])
        self._carry = data[keep:]

    def _hash(self, piece: bytes) -> None:
        self._hasher.update(piece)
        if not self._racy and (RACY in piece or RACY in self._tail + piece[:len(RACY) - 1]):
            self._racy = True
        self._tail = (self._tail + piece[-(len(RACY) - 1):])[-(len(RACY) - 1):]

    def _end_part(self) -> None:
        self.digests.append(self._hasher.digest())
        self.racy.append(self._racy)

    def finish(self) -> None:
        if self._carry.endswith(NOT_PLAIN):
            self.not_plain = True
        if self._hasher is not None:
            self._hash(self._carry)
            self._end_part()
            self._hasher = None
        self._carry = b""

    def succeeded(self) -> bool:
        return self._status == 0 and (self.not_plain or len(self.digests) == len(self.share))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            _, status = os.waitpid(pid, 0)
            self._status = os.waitstatus_to_exitcode(status)


PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """A pipe of PIPE_BYTES where the system allows it (64 KiB otherwise)."""
    import fcntl

    setting = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setting is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setting, PIPE_BYTES)


def _drain(runs: list[_FindRun]) -> None:
    """Read every run's output as it comes (reading one to its end before the next would
    stall the others once their pipe is full). find writes a few KiB at a time; waking up
    for each write would cost this process more than the hashing, so it waits a moment
    while the pipes fill."""
    import select
    import time

    open_runs = {run.fd: run for run in runs if run.fd is not None}
    while open_runs:
        ready, _, _ = select.select(list(open_runs), [], [])
        most = 0
        for fd in ready:
            chunk = os.read(fd, PIPE_BYTES)
            most = max(most, len(chunk))
            run = open_runs[fd]
            if chunk:
                run.feed(chunk)
            else:
                run.finish()
                del open_runs[fd]
        if 0 < most < PIPE_BYTES // 4:
            time.sleep(0.005)
