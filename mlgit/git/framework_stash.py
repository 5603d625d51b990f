"""The unstaged changes the pre-commit framework (https://pre-commit.com) hid from a hook.

Before it runs the pre-commit hooks, the framework saves the work tree's unstaged changes
as a patch in its own folder (`PRE_COMMIT_HOME`, by default `~/.cache/pre-commit`), and
checks out the index; it puts them back afterwards. A pointer file that was rewritten by
`mlgit add` but not staged is then, for the hook, the index's version, beside the new data.
Git's own hook sees the work tree as the user has it; reading the pointers from that patch
gives mlgit's check the same view under both installs.

The patch is found by its name where the framework's name is known (`patchTIME-PID`, PID
the framework's process, an ancestor of the hook), else by what it is: a Git diff in that
folder written since the commit started. When neither finds one, the framework may have
stashed nothing, or kept it where mlgit does not look: `Hidden.unknown` says so, and the
hook says what a refusal may then be caused by."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field

from mlgit.errors import MlgitError
from mlgit.git import trees
from mlgit.git.repository import _git

FRAMEWORK_VARIABLE = "PRE_COMMIT"  # set to 1 by the framework for the hooks it runs
_DIFF_START = b"diff --git "
_CLOCK_SLACK = 2.0  # seconds: the boot time /proc gives is whole seconds


@dataclass
class Hidden:
    """`files`: {path: its content in the user's work tree (None: deleted there)}.
    `unknown`: the framework runs this hook, and no patch of unstaged changes was found
    (it stashed nothing, or keeps the patch elsewhere)."""

    files: dict[str, bytes | None] = field(default_factory=dict)
    unknown: bool = False


def hidden_files(root: str, keep: trees.PathFilter, index_file: str | None = None) -> Hidden:
    """The files `keep` accepts whose unstaged change the framework stashed away; none
    when no hook of the framework runs, or it stashed nothing."""
    if os.environ.get(FRAMEWORK_VARIABLE) != "1":
        return Hidden()
    patch = _stash_patch(_framework_folder(), _ancestors())
    if patch is None:
        return Hidden(unknown=True)
    try:
        paths = [p for p in _patched_paths(root, patch) if keep(p)]
        if not paths:
            return Hidden()
        with tempfile.TemporaryDirectory(prefix="mlgit-stash-") as tmp:
            index = os.path.join(tmp, "index")
            shutil.copyfile(index_file or _index_path(root), index)
            _git(root, "apply", "--cached", "--whitespace=nowarn", patch, index_file=index)
            user = trees.staged_blobs(root, paths, index)
    except (MlgitError, OSError):
        return Hidden(unknown=True)  # a patch that does not apply to the index
    return Hidden({path: user.get(path) for path in paths})


def _framework_folder() -> str:
    return os.environ.get("PRE_COMMIT_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pre-commit")


def _stash_patch(folder: str, ancestors: list[int]) -> str | None:
    """The framework's patch of the changes it stashed for this commit, if it can be found:
    by its name, else the newest Git diff in `folder` written since the framework (or the
    git command running it) started: the framework keeps the patches of earlier commits."""
    for pid in ancestors:
        found = glob.glob(os.path.join(glob.escape(folder), f"patch*-{pid}"))
        if found:
            return max(found, key=os.path.getmtime)
    since = _commit_started(ancestors)
    if since is None:
        return None  # no start time to tell this commit's patch from older ones
    candidates = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return None
    for entry in entries:
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
            if entry.is_file(follow_symlinks=False) and mtime >= since - _CLOCK_SLACK \
                    and _is_diff(entry.path):
                candidates.append((mtime, entry.path))
        except OSError:
            continue
    return max(candidates)[1] if candidates else None


def _is_diff(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(_DIFF_START)) == _DIFF_START


def _commit_started(ancestors: list[int]) -> float | None:
    """When the nearest of `ancestors` that is the framework (`pre-commit` or `python -m
    pre_commit`) or git started; None when /proc does not tell."""
    for pid in ancestors:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                words = f.read().split(b"\0")
        except OSError:
            return None
        names = {os.path.basename(w.removeprefix(b"-m")) for w in words[:3]}
        if names & {b"pre-commit", b"pre_commit", b"git"}:
            return _started_at(pid)
    return None


def _started_at(pid: int) -> float | None:
    """When the process `pid` started (seconds since the epoch), where /proc tells."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            ticks = int(f.read().rpartition(")")[2].split()[19])
        with open("/proc/stat", encoding="ascii") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    started = boot + ticks / os.sysconf("SC_CLK_TCK")
    return started if started <= time.time() + _CLOCK_SLACK else None


def _ancestors(levels: int = 4) -> list[int]:
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
