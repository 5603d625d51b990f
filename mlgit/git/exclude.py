"""The line in the clone's `.git/info/exclude` that hides mlgit's temp files from Git.

mlgit writes data into the work tree through a temp file beside it (`.NAME.PID-N.mlgit-tmp`,
fileio.temp_beside) that a rename then puts in place. A process killed outright (kill -9, the
machine going down) cannot remove it, and `git add -A` would then commit a partial copy of the
data. `.git/info/exclude` (shared by every worktree of the clone) is used rather than a
`.gitignore`, so no committed file changes; `mlgit init`, `mlgit install` and the
post-checkout hook write it. The pre-commit hook refuses such files too, for clones where
none of them ran."""

from __future__ import annotations

import os

from mlgit.fileio import write_atomic
from mlgit.git.repository import _git

TEMP_PATTERN = ".*.mlgit-tmp"
_COMMENT = "# mlgit: temp files of an interrupted command (never data)"


def exclude_temp_files(root: str) -> bool:
    """Make sure the clone's info/exclude holds TEMP_PATTERN; whether it was written."""
    path = _exclude_file(root)
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        text = b""
    if TEMP_PATTERN.encode() in text.splitlines():
        return False
    if text and not text.endswith(b"\n"):
        text += b"\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, text + f"{_COMMENT}\n{TEMP_PATTERN}\n".encode())
    return True


def _exclude_file(root: str) -> str:
    own = os.path.join(root, ".git")
    if os.path.isdir(own):  # no need to ask git (a linked worktree's .git is a file)
        return os.path.join(own, "info", "exclude")
    out = _git(root, "rev-parse", "--git-path", "info/exclude").decode("utf-8",
                                                                        "surrogateescape")
    return os.path.normpath(os.path.join(root, out.strip()))
