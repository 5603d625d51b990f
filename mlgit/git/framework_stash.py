"""The unstaged changes the pre-commit framework (https://pre-commit.com) hid from a hook.

Before it runs the pre-commit hooks, the framework saves the work tree's unstaged changes
as a patch, `PRE_COMMIT_HOME/patchTIME-PID` (PID: the framework's process, the hook's
parent), and checks out the index; it puts them back afterwards. A pointer file that was
rewritten by `mlgit add` but not staged is then, for the hook, the index's version, beside
the new data. Git's own hook sees the work tree as the user has it; reading the pointers
from that patch gives mlgit's check the same view under both installs."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

from mlgit.errors import MlgitError
from mlgit.git import trees
from mlgit.git.repository import _git

FRAMEWORK_VARIABLE = "PRE_COMMIT"  # set to 1 by the framework for the hooks it runs


def hidden_files(root: str, keep: trees.PathFilter, index_file: str | None = None
                 ) -> dict[str, bytes | None]:
    """{path: its content in the user's work tree (None: deleted there)} for the files
    `keep` accepts whose unstaged change the framework stashed away; {} when no hook of the
    framework runs, or it stashed nothing."""
    patch = _stash_patch()
    if patch is None:
        return {}
    try:
        paths = [p for p in _patched_paths(root, patch) if keep(p)]
        if not paths:
            return {}
        with tempfile.TemporaryDirectory(prefix="mlgit-stash-") as tmp:
            index = os.path.join(tmp, "index")
            shutil.copyfile(index_file or _index_path(root), index)
            _git(root, "apply", "--cached", "--whitespace=nowarn", patch, index_file=index)
            user = trees.staged_blobs(root, paths, index)
    except (MlgitError, OSError):
        return {}  # a patch that does not apply to the index: nothing is known of it
    return {path: user.get(path) for path in paths}


def _stash_patch() -> str | None:
    if os.environ.get(FRAMEWORK_VARIABLE) != "1":
        return None
    folder = os.environ.get("PRE_COMMIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pre-commit")
    for pid in _ancestors():
        found = glob.glob(os.path.join(glob.escape(folder), f"patch*-{pid}"))
        if found:
            return max(found, key=os.path.getmtime)
    return None


def _ancestors(levels: int = 3) -> list[int]:
    """The parent process and, where /proc tells, its parents (the hook may run under a
    shell the framework started)."""
    pids = [os.getppid()]
    while len(pids) < levels:
        try:
            with open(f"/proc/{pids[-1]}/stat", encoding="ascii") as f:
                parent = int(f.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
        if parent <= 1:
            break
        pids.append(parent)
    return pids


def _patched_paths(root: str, patch: str) -> list[str]:
    out = _git(root, "-c", "core.quotepath=off", "apply", "--numstat", "-z", patch)
    paths = []
    for entry in out.split(b"\0"):
        fields = entry.split(b"\t", 2)
        if len(fields) == 3 and fields[2]:
            paths.append(fields[2].decode("utf-8", "surrogateescape"))
    return paths


def _index_path(root: str) -> str:
    out = _git(root, "rev-parse", "--git-path", "index").decode("utf-8", "surrogateescape")
    return os.path.join(root, out.strip())
