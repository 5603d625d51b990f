"""mlgit merge-driver: Git's merge driver for pointer files and mlgit.lock (run by Git as
`mlgit merge-driver -- %O %A %B %P`), and registering it (`--install`, `--uninstall`)."""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

from mlgit.errors import MlgitError
from mlgit.fileio import write_atomic
from mlgit.pipeline.merge import markers, merge_file


@dataclass
class DriverResult:
    path: str
    conflicts: list[str]  # stages of an mlgit.lock, or the pointer file itself


def merge(base: str, ours: str, theirs: str, path: str) -> DriverResult:
    """Merge the three versions Git hands over in temp files; the result replaces `ours`
    (as Git expects), with conflict markers around what both sides changed differently."""
    def read(file: str) -> bytes:
        try:
            with open(file, "rb") as f:
                return f.read()
        except OSError as exc:
            raise MlgitError(f"merge-driver: cannot read {file} ({exc.strerror})",
                             "Git runs the driver with the three versions it wrote to"
                             " temporary files (%O %A %B); check the driver line with"
                             " 'git config merge.mlgit.driver'") from None

    _refuse_unless_regular(ours)
    try:
        merged = merge_file(path, read(base), read(ours), read(theirs))
    except BaseException:
        _leave_unmerged(ours)
        raise
    write_atomic(ours, merged.text)
    return DriverResult(path, merged.conflicts)


def _leave_unmerged(ours: str) -> None:
    """After a failure Git keeps OURS as the result (and records a conflict): with conflict
    markers in it, mlgit status and the pre-commit hook report the file instead of taking
    our side as merged."""
    with contextlib.suppress(OSError):
        with open(ours, "rb") as f:
            mine = f.read()
        write_atomic(ours, markers(mine, b"(mlgit merge-driver failed: not merged)\n"))


def _refuse_unless_regular(ours: str) -> None:
    """The result replaces OURS by a rename: a device (/dev/null), a link or a pipe given by
    hand would be replaced by a plain file. Git always gives a temporary file of its own."""
    try:
        mode = os.lstat(ours).st_mode
    except OSError:
        return  # reading it says what is wrong
    if not stat.S_ISREG(mode):
        raise MlgitError(f"merge-driver: {ours} is not a regular file; the merged result"
                         " would replace it", "give OURS as a copy in a regular file (Git"
                         " passes its own temporary files: %O %A %B)")


@dataclass
class Registration:
    root: str
    installed: bool
    changed: list[str]


def install(root: str) -> Registration:
    from mlgit.git.merge_driver import register_merge_driver

    return Registration(root, True, register_merge_driver(root))


def uninstall(root: str) -> Registration:
    from mlgit.git.merge_driver import unregister_merge_driver

    return Registration(root, False, unregister_merge_driver(root))
