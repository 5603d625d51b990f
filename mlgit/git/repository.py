"""All access to Git. The only module that imports pygit2/dulwich or runs `git`.

Hot paths (finding the root, listing pointer files) use plain filesystem checks and one
`git ls-files` call rather than importing pygit2, which alone costs ~0.1 s of start-up.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from mlgit.errors import MlgitError, NotAGitRepo
from mlgit.fileio import TMP_SUFFIX
from mlgit.git.process import GitFailed, run_git
from mlgit.paths import POINTER_SUFFIX, at_or_under, is_pointer_name


def find_root(start: str | None = None) -> str:
    """The top of the Git work tree containing `start` (default: cwd)."""
    path = os.path.realpath(start or os.getcwd())
    bare = None
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        if bare is None and _is_bare_repository(path):
            bare = path
        parent = os.path.dirname(path)
        if parent == path:
            if bare is not None:
                raise NotAGitRepo(f"{bare}: a bare Git repository, which has no work tree"
                                  " for mlgit's data", "run mlgit in a clone of it: git clone"
                                  f" {bare} FOLDER")
            raise NotAGitRepo(f"{start or os.getcwd()}: not inside a Git repository",
                              "run 'git init' first, or cd into your repository")
        path = parent


def _is_bare_repository(path: str) -> bool:
    """A folder laid out as a Git directory (HEAD, objects/, refs/) with no work tree."""
    return (os.path.isfile(os.path.join(path, "HEAD"))
            and os.path.isdir(os.path.join(path, "objects"))
            and os.path.isdir(os.path.join(path, "refs")))


GIT_FAILED_HINT = ("run 'git status' (and 'git fsck' if Git reports damage) to see what is"
                   " wrong with the repository, fix it, then try again")


def git_failure(what: str, detail: str) -> MlgitError:
    """The error for a Git command (or a read of Git's objects) that failed: one line with
    Git's own last word, and the hint every Git failure shares."""
    return MlgitError(f"{what} failed: {detail}", GIT_FAILED_HINT)


def _git(root: str, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,),
         index_file: str | None = None) -> bytes:
    try:
        return run_git(root, list(args), stdin, ok, index_file)
    except FileNotFoundError:
        raise MlgitError("git is not installed or not on PATH",
                         "install Git (https://git-scm.com) and try again") from None
    except OSError as exc:  # found but not runnable (not executable, a folder...)
        raise MlgitError(f"git cannot be run: {exc.strerror or exc}",
                         "check the git found on PATH ('command -v git' names it): it must be"
                         " an executable Git; reinstall Git if it is not") from None
    except GitFailed as exc:
        msg = exc.stderr.decode(errors="replace").strip().splitlines()
        raise git_failure(f"git {_subcommand(args)}",
                          msg[-1] if msg else f"exit code {exc.code}") from None


def _subcommand(args: tuple[str, ...]) -> str:
    """The git command `args` run (`diff`, not the `-c` before it)."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-c", "-C") else 1
    return args[i] if i < len(args) else "command"


def _split_z(out: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def list_pointer_and_temp_files(root: str) -> tuple[list[str], list[str]]:
    """(pointer files, mlgit temp files) that Git tracks or would track, from one listing:
    the temp files are what interrupted commands left beside pointers."""
    pointers, temps, _ = list_work_files(root)
    return pointers, temps


def list_work_files(root: str, name: str | None = None
                    ) -> tuple[list[str], list[str], list[str]]:
    """(pointer files, mlgit temp files, files called `name`) that Git tracks or would
    track, from one `git ls-files`: in a folder Git does not ignore yet (a first add of a
    large one), each listing walks every file of it, so a command that needs pointer files
    and, say, pipeline files asks once. Pointer files and `name`d files are sorted."""
    specs = [":(glob)**/*.mlgit", f":(glob)**/.*{TMP_SUFFIX}"]
    if name is not None:
        specs.append(f":(glob)**/{name}")
    # the -x rule outranks .git/info/exclude, which hides the temp files from `git add -A`
    out = _git(root, "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
               "--exclude-standard", f"--exclude=!.*{TMP_SUFFIX}", "--", *specs)
    pointers: list[str] = []
    temps: list[str] = []
    named: list[str] = []
    for path in set(_split_z(out)):
        if name is not None and path.rpartition("/")[2] == name:
            named.append(path)
        if path.endswith(TMP_SUFFIX):
            temps.append(path)
        elif path.endswith(POINTER_SUFFIX):  # what the first pathspec matched
            pointers.append(path)
    return sorted(pointers), temps, sorted(named)


def files_named(root: str, name: str) -> list[str]:
    """Every file called `name` that Git tracks or would track, anywhere in the work tree
    (folders Git ignores are not entered), sorted. One `git ls-files` call."""
    out = _git(root, "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others",
               "--exclude-standard", "--", f":(glob)**/{name}")
    return sorted(set(_split_z(out)))


def indexed_files_named(root: str, name: str) -> list[str]:
    """Every file called `name` in Git's index (staged or committed), anywhere; one `git
    ls-files` that reads the index only. An empty list outside a Git work tree."""
    try:
        out = _git(root, "-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--",
                   f":(glob)**/{name}")
    except MlgitError:
        return []
    return sorted(set(_split_z(out)))


def tracked_under(root: str, rels: list[str]) -> dict[str, list[str]]:
    """For each rel path, the files Git tracks at or under it (empty lists dropped)."""
    if not rels:
        return {}
    specs = [":(literal)" + r for r in rels]
    out = _git(root, "ls-files", "-z", "--cached", "--", *specs)
    found: dict[str, list[str]] = {}
    for path in _split_z(out):
        for rel in rels:
            if at_or_under(path, rel):
                found.setdefault(rel, []).append(path)
    return found


def tracked_files(root: str, rels: list[str] | None = None) -> set[str]:
    """The files Git tracks (in its index) at or under each of `rels`, or anywhere (None).
    One `git ls-files`."""
    if rels is not None and not rels:
        return set()
    specs = [] if rels is None else ["--", *(":(literal)" + r for r in rels)]
    return set(_split_z(_git(root, "-c", "core.quotepath=off", "ls-files", "-z", "--cached",
                             *specs)))


def main_worktree(root: str) -> str | None:
    """For a linked worktree (`git worktree add`) of a non-bare repository, the root of the
    main worktree; None otherwise. Costs a git call only where `.git` is a file."""
    if not os.path.isfile(os.path.join(root, ".git")):
        return None
    out = _git(root, "rev-parse", "--git-common-dir").decode("utf-8", "surrogateescape")
    common = os.path.realpath(os.path.join(root, out.strip()))
    if os.path.basename(common) != ".git":
        return None  # a submodule, or a worktree of a bare repository
    main = os.path.dirname(common)
    return main if main != os.path.realpath(root) else None


def worktrees(root: str) -> list[str]:
    """The roots of every work tree of the repository (main and linked) that still exist."""
    out = _git(root, "worktree", "list", "--porcelain").decode("utf-8", "surrogateescape")
    found = []
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = line[len("worktree "):]
            if os.path.isdir(path):
                found.append(os.path.realpath(path))
    return found


def missing_worktrees(root: str) -> list[str]:
    """The linked worktrees Git has registered whose folder is not there (or cannot be
    reached): `git worktree list` calls them prunable."""
    out = _git(root, "worktree", "list", "--porcelain").decode("utf-8", "surrogateescape")
    paths = [line[len("worktree "):] for line in out.splitlines() if line.startswith("worktree ")]
    return [path for path in paths[1:] if not os.path.isdir(path)]  # the first is the main one


def refuse_missing_worktrees(root: str, command: str) -> None:
    """A registered worktree whose folder is missing (moved by hand, on a disk not mounted
    now) has pointers gc cannot read: deleting as if it had none would lose its data."""
    missing = missing_worktrees(root)
    if not missing:
        return
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    raise MlgitError(f"worktree {missing[0]}{more} is missing: {command} cannot read its"
                     " pointers and would delete the data they need; nothing was deleted",
                     "mount it again (or run 'git worktree repair' where it is now); if it is"
                     " gone for good, 'git worktree prune' forgets it (after 'git worktree"
                     f" unlock' if it is locked); then rerun {command}")


HEAD = "HEAD"
INDEX = "Git's index"


def differ_from_index(root: str, rels: list[str]) -> set[str]:
    """Which of the files `rels` Git would take with `git add`: untracked, or changed from
    Git's index."""
    out = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *rels)
    return {entry[3:] for entry in _split_z(out) if len(entry) > 3} & set(rels)


def stash_commits(root: str) -> list[str]:
    """The commits Git's stashes (refs/stash and its reflog) hold changes in: each stash's
    work tree commit, its index commit (second parent) and, with -u, its untracked files
    (third parent). Not the commit a stash was made on: it is part of the history."""
    out = _git(root, "stash", "list", "--format=%H %P", ok=(0, 1, 128))
    commits: list[str] = []
    for line in out.decode("ascii", "replace").splitlines():
        work, *parents = line.split()
        commits += [work, *parents[1:]]
    return list(dict.fromkeys(commits))


def committed_pointer_blobs(root: str) -> list[tuple[str, str, bytes]]:
    """(where, path, content) of every pointer file committed at HEAD (where is HEAD) or
    staged in Git's index, INDEX (all merge stages), read from Git's objects, never from the
    work tree: one `git ls-tree`, one `git ls-files` and one `git cat-file --batch`. A staged
    pointer identical to HEAD's is listed once; a repository without commits has only its
    index."""
    found: dict[tuple[str, str], str] = {}  # (path, blob id) -> where
    for path, blob in _pointers_at_head(root):
        found[(path, blob)] = HEAD
    out = _git(root, "-c", "core.quotepath=off", "ls-files", "-s", "-z", "--",
               ":(glob)**/*.mlgit")
    for record in out.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if len(fields) == 3 and is_pointer_name(path):
            found.setdefault((path, fields[1].decode()), INDEX)
    blobs = _cat_blobs(root, sorted({blob for _, blob in found}))
    return [(where, path, blobs[blob]) for (path, blob), where in sorted(found.items())]


def committed_blobs_named(root: str, name: str) -> list[tuple[str, str, bytes]]:
    """(where, path, content) of every file called `name` committed at HEAD or staged in
    Git's index (as committed_pointer_blobs, for another kind of file)."""
    found = {(path, blob): HEAD
             for path, blob in _blobs_at_head(root, lambda p: p.rpartition("/")[2] == name)}
    out = _git(root, "-c", "core.quotepath=off", "ls-files", "-s", "-z", "--",
               f":(glob)**/{name}")
    for record in out.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if len(fields) == 3 and path.rpartition("/")[2] == name:
            found.setdefault((path, fields[1].decode()), INDEX)
    blobs = _cat_blobs(root, sorted({blob for _, blob in found}))
    return [(where, path, blobs[blob]) for (path, blob), where in sorted(found.items())]


def _pointers_at_head(root: str) -> list[tuple[str, str]]:
    """(path, blob id) of the pointer files in HEAD's tree; [] if there is no commit yet."""
    return _blobs_at_head(root, is_pointer_name)


def _blobs_at_head(root: str, wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(path, blob id) of the files in HEAD's tree whose path is `wanted`; [] if there is no
    commit yet."""
    try:
        out = _git(root, "-c", "core.quotepath=off", "ls-tree", "-r", "-z", "--full-tree",
                   "HEAD")
    except MlgitError:
        if _has_head(root):
            raise
        return []
    found = []
    for record in out.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if len(fields) == 3 and fields[1] == b"blob" and wanted(path):
            found.append((path, fields[2].decode()))
    return found


def _has_head(root: str) -> bool:
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except MlgitError:
        return False
    return True


def _cat_blobs(root: str, blob_ids: list[str]) -> dict[str, bytes]:
    """The contents of Git blobs, all in one `git cat-file --batch`."""
    if not blob_ids:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(b + "\n" for b in blob_ids).encode())
    found: dict[str, bytes] = {}
    pos = 0
    for blob in blob_ids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:
            raise git_failure("git cat-file", f"object {blob} is {header[-1].decode()}")
        size = int(header[2])
        found[blob] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return found


def ignored(root: str, rels: list[str]) -> dict[str, str]:
    """Which of `rels` Git ignores (and would not list in `git status`): rel path -> the
    rule, as "SOURCE:LINE: PATTERN". A path Git already tracks is never ignored."""
    if not rels:
        return {}
    out = _git(root, "check-ignore", "-z", "-v", "--stdin",
               stdin=b"".join(os.fsencode(r) + b"\0" for r in rels), ok=(0, 1))
    fields = out.split(b"\0")[:-1]  # source, line, pattern, path for each path matched
    found = {}
    for source, line, pattern, path in zip(*[iter(fields)] * 4, strict=True):
        if not pattern.startswith(b"!"):  # a "!" rule matched: the path is not ignored
            found[os.fsdecode(path)] = (f"{os.fsdecode(source)}:{line.decode()}:"
                                        f" {os.fsdecode(pattern)}")
    return found


def repository_holding(root: str, rel: str) -> str | None:
    """The folder at or above `rel` (below the root) that is a Git repository of its own, a
    submodule or a nested clone: one holding a `.git` entry. None if there is none."""
    parts = rel.split("/")
    for i in range(1, len(parts) + 1):
        folder = "/".join(parts[:i])
        if os.path.lexists(os.path.join(root, folder, ".git")):
            return folder
    return None


def library_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in ("pygit2", "dulwich"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        out = run_git(".", ["--version"]).decode(errors="replace")
        versions["git"] = out.strip().removeprefix("git version ")
    except (FileNotFoundError, GitFailed):
        versions["git"] = "not found"
    return versions
