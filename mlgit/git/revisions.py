"""Files as a Git revision has them, read from Git's objects with pygit2 (never from the work
tree). pygit2 is imported when one of these is called: it costs ~0.1 s of start-up."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mlgit.errors import MlgitError
from mlgit.git.repository import git_failure

RevisionReader = Callable[[str], bytes | None]

_LINK_MODE = 0o120000
_MAX_LINKS = 8  # symbolic links followed inside the revision before giving up


def revision_reader(root: str, rev: str) -> RevisionReader | None:
    """A function reading a repo-relative file's bytes as revision `rev` (say "HEAD") of the
    repository at `root` has it (None for a path the revision does not have as a file).
    None instead of a function when `rev` is HEAD and nothing is committed yet; an unknown
    revision raises MlgitError."""
    import pygit2

    with reading_git(f"reading {rev} from Git"):
        repo = pygit2.Repository(root)
        if rev == "HEAD" and repo.head_is_unborn:
            return None
    try:
        tree = repo.revparse_single(rev).peel(pygit2.Commit).tree
    except (KeyError, ValueError, pygit2.GitError):
        raise unknown_revision(repo, rev) from None

    def read(rel: str) -> bytes | None:
        with reading_git(f"reading {rel} at {rev} from Git"):
            return _blob_at(repo, tree, rel)

    return read


def file_at_revision(root: str, rev: str, rel: str) -> bytes | None:
    """The bytes of the repo-relative file `rel` at revision `rev`; None when the revision
    does not have it, or `rev` is HEAD and nothing is committed yet."""
    read = revision_reader(root, rev)
    return read(rel) if read is not None else None


@contextmanager
def reading_git(what: str) -> Iterator[None]:
    """Turn pygit2's errors (a damaged repository, an object that is missing) into a Git
    failure with its hint, instead of a crash."""
    import pygit2

    try:
        yield
    except pygit2.GitError as exc:
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        raise git_failure(what, " ".join(detail.split()) or type(exc).__name__) from None


def _blob_at(repo: Any, tree: Any, rel: str) -> bytes | None:
    """A blob's bytes; a symbolic link is followed while its target stays in the tree."""
    for _ in range(_MAX_LINKS):
        try:
            entry = tree[rel]
        except (KeyError, ValueError):
            return None
        if entry.type_str != "blob":
            return None
        data: bytes = repo[entry.id].data
        if entry.filemode != _LINK_MODE:
            return data
        target = posixpath.normpath(posixpath.join(posixpath.dirname(rel),
                                                   data.decode("utf-8", "surrogateescape")))
        if target.startswith(("/", "../")) or target in ("..", "."):
            return None
        rel = target
    return None


POINTER_SUFFIX = ".mlgit"
LOCK_NAME = "mlgit.lock"
PIPELINE_NAME = "mlgit.yaml"
_TREE_MODE = 0o040000


class RevisionFiles:
    """mlgit's files in one revision's tree: `pointers` and `locks` (the mlgit.lock files)
    and `pipelines` (the mlgit.yaml files), each as (repo-relative path, blob bytes), sorted
    by path. `commit` is the full commit id the revision names."""

    __slots__ = ("commit", "locks", "pipelines", "pointers", "rev")

    def __init__(self, rev: str, commit: str, pointers: list[tuple[str, bytes]],
                 locks: list[tuple[str, bytes]], pipelines: list[tuple[str, bytes]]) -> None:
        self.rev, self.commit = rev, commit
        self.pointers, self.locks, self.pipelines = pointers, locks, pipelines


class RevisionTrees:
    """Reads mlgit's files from the trees of many revisions of one repository. A subtree
    met at one revision is not walked again at another, and only the blobs of pointer,
    lock and pipeline files are read (each once), so every commit of a long history costs
    about the folders its commit changed."""

    def __init__(self, root: str) -> None:
        import pygit2

        self._pygit2 = pygit2
        self.root = root
        with reading_git("opening the Git repository"):
            self.repo = pygit2.Repository(root)
        self._walked: dict[Any, list[tuple[str, Any]]] = {}  # tree id -> (rel, blob id)
        self._blobs: dict[Any, bytes] = {}
        self.parsed: dict[Any, Any] = {}
        """For callers: what they made of a file's bytes, so that a file unchanged across
        many revisions is parsed once (keys are theirs)."""

    @property
    def unborn(self) -> bool:
        """Whether HEAD names a branch with no commit yet (a fresh repository)."""
        return bool(self.repo.head_is_unborn)

    def commit_id(self, rev: str) -> str:
        """The full id of the commit `rev` names; an unknown revision raises MlgitError
        (with a hint to deepen a shallow clone, where the commit may be beyond its end)."""
        pygit2 = self._pygit2
        try:
            return str(self.repo.revparse_single(rev).peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise unknown_revision(self.repo, rev) from None

    def files(self, rev: str) -> RevisionFiles:
        """mlgit's files at revision `rev` (a commit, branch, tag or expression)."""
        commit = self.commit_id(rev)
        pointers, locks, pipelines = [], [], []
        with reading_git(f"reading {rev} from Git"):
            tree = self.repo[commit].peel(self._pygit2.Tree)
            for rel, blob_id in self._wanted(tree.id):
                data = self._blob(blob_id)
                name = rel.rpartition("/")[2]
                if name == LOCK_NAME:
                    locks.append((rel, data))
                elif name == PIPELINE_NAME:
                    pipelines.append((rel, data))
                else:
                    pointers.append((rel, data))
        return RevisionFiles(rev, commit, pointers, locks, pipelines)

    def has_path(self, rev: str, rel: str) -> bool:
        """Whether revision `rev` has a file or folder at the repo-relative `rel`."""
        commit = self.commit_id(rev)
        with reading_git(f"reading {rev} from Git"):
            tree = self.repo[commit].peel(self._pygit2.Tree)
        try:
            tree[rel]
        except (KeyError, ValueError):
            return False
        return True

    def _wanted(self, tree_id: Any) -> list[tuple[str, Any]]:
        found = self._walked.get(tree_id)
        if found is not None:
            return found
        found = []
        tree: Any = self.repo[tree_id]
        for entry in tree:
            name = _entry_name(entry)
            if entry.filemode == _TREE_MODE:
                if name not in (".git", ".mlgit"):
                    found += [(f"{name}/{rel}", blob) for rel, blob in self._wanted(entry.id)]
            elif entry.type_str == "blob" and entry.filemode != _LINK_MODE and _is_wanted(name):
                found.append((name, entry.id))
        found.sort()
        self._walked[tree_id] = found
        return found

    def _blob(self, blob_id: Any) -> bytes:
        data = self._blobs.get(blob_id)
        if data is None:
            blob: Any = self.repo[blob_id]
            data = self._blobs[blob_id] = blob.data
        return data


def _entry_name(entry: Any) -> str:
    raw = getattr(entry, "raw_name", None)
    return raw.decode("utf-8", "surrogateescape") if raw is not None else str(entry.name)


def _is_wanted(name: str) -> bool:
    return (name.endswith(POINTER_SUFFIX) and len(name) > len(POINTER_SUFFIX)) or name in (
        LOCK_NAME, PIPELINE_NAME)


def refuse_cut_history(trees: RevisionTrees, flag: str, command: str) -> None:
    """In a shallow clone, `flag` (--all-commits, --all-branches, --all-tags) cannot see the
    commits beyond the cut: a command that deletes what no chosen revision references would
    delete what those commits need."""
    if not trees.repo.is_shallow:
        return
    raise MlgitError(f"this clone is shallow: its history is cut off, so {flag} cannot see"
                     f" the commits beyond the cut, and {command} would delete what they"
                     " reference; nothing was deleted",
                     "fetch the whole history with 'git fetch --unshallow' (a '--depth'"
                     " clone has one branch: run 'git remote set-branches origin \\*' first;"
                     f" in CI, check out with 'fetch-depth: 0'), then rerun {command}")


def unknown_revision(repo: Any, rev: str) -> MlgitError:
    if repo.is_shallow:
        return MlgitError(f"unknown revision {rev!r} (this clone is shallow: its history is cut"
                          " off, and the revision may be beyond the cut)",
                          "fetch more history with 'git fetch --deepen=N' or all of it with"
                          " 'git fetch --unshallow', then try again")
    return MlgitError(f"unknown revision {rev!r}",
                      "name a commit, branch or tag ('git log' lists commits)")


class Revision:
    """A revision chosen for a command: `name` as the user (or the ref) names it."""

    __slots__ = ("commit", "name")

    def __init__(self, name: str, commit: str) -> None:
        self.name, self.commit = name, commit

    def __repr__(self) -> str:
        return f"Revision({self.name!r}, {self.commit[:12]})"


def chosen_revisions(trees: RevisionTrees, revs: list[str], all_branches: bool = False,
                     all_tags: bool = False, all_commits: bool = False) -> list[Revision]:
    """The commits named by `revs` and by the flags, each once (the first name kept):
    local branches, tags, or every commit reachable from any ref or HEAD. A repository
    without commits has none; an unknown revision raises MlgitError."""
    repo = trees.repo
    chosen: dict[str, str] = {}
    for rev in revs:
        chosen.setdefault(trees.commit_id(rev), rev)
    if (all_branches or all_tags or all_commits) and not repo.head_is_unborn:
        head = trees.commit_id("HEAD")
        chosen.setdefault(head, "HEAD")
    for name, commit in _refs(trees, all_branches, all_tags or all_commits):
        chosen.setdefault(commit, name)
    if all_commits:
        for commit in _all_commits(trees):
            chosen.setdefault(commit, commit[:12])
    return [Revision(name, commit) for commit, name in chosen.items()]


def _refs(trees: RevisionTrees, branches: bool, tags: bool) -> list[tuple[str, str]]:
    pygit2 = trees._pygit2
    found = []
    for ref in sorted(trees.repo.references):
        short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        if (branches and ref.startswith("refs/heads/")) or (tags and ref.startswith("refs/tags/")):
            try:
                obj = trees.repo.revparse_single(ref).peel(pygit2.Commit)
            except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
                continue  # a tag of a blob or tree: no commit to read
            found.append((short, str(obj.id)))
    return found


def _all_commits(trees: RevisionTrees) -> list[str]:
    """Every commit reachable from HEAD or any ref (as `git rev-list --all`), newest first."""
    pygit2 = trees._pygit2
    repo = trees.repo
    walker = repo.walk(None, pygit2.enums.SortMode.TIME)
    pushed = False
    starts = [] if repo.head_is_unborn else ["HEAD"]
    for ref in [*starts, *repo.references]:
        try:
            walker.push(repo.revparse_single(ref).peel(pygit2.Commit).id)
            pushed = True
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            continue
    with reading_git("listing the commits from Git"):
        return [str(c.id) for c in walker] if pushed else []


def is_revision(root: str, word: str) -> bool:
    """Whether Git knows `word` as a commit (a branch, tag, id or expression)."""
    import pygit2

    with reading_git("opening the Git repository"):
        repo = pygit2.Repository(root)
    try:
        repo.revparse_single(word).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return False
    return True
