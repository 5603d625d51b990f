"""What changed between revisions, and the files that commits added or changed, read from
Git's objects (never from the work tree): what the Git hooks need to touch only the data
whose pointers changed (post-checkout, post-merge) and to upload only what pushed commits
reference (pre-push). Paths are repo-relative, as Git lists them."""

from __future__ import annotations

from collections.abc import Callable

from mlgit.errors import MlgitError
from mlgit.git.repository import _cat_blobs, _git, _has_head, git_failure

NULL_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
"""The id of Git's empty tree (SHA-1 repositories): what a repository without commits is
compared with."""

PathFilter = Callable[[str], bool]


def _paths(out: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def changed_between(root: str, old: str, new: str, keep: PathFilter) -> list[str]:
    """The files that differ between the commits `old` and `new` (added, changed or
    deleted), those `keep` accepts. One `git diff`."""
    out = _git(root, "-c", "core.quotepath=off", "diff", "--name-only", "-z", "--no-renames",
               "--no-ext-diff", old, new, "--")
    return [p for p in _paths(out) if keep(p)]


def staged_changes(root: str, keep: PathFilter, index_file: str | None = None,
                   deleted: bool = True) -> list[str]:
    """The files whose staged version (Git's index, or `index_file`) differs from HEAD's,
    or from nothing before the first commit; those `keep` accepts (without `deleted`, not
    those the commit deletes)."""
    base = "HEAD" if _has_head(root) else EMPTY_TREE
    only = () if deleted else ("--diff-filter=d",)
    out = _git(root, "-c", "core.quotepath=off", "diff", "--cached", "--name-only", "-z",
               "--no-renames", "--no-ext-diff", *only, base, "--", index_file=index_file)
    return [p for p in _paths(out) if keep(p)]


def unmerged(root: str, keep: PathFilter, index_file: str | None = None) -> list[str]:
    """The files Git's index (or `index_file`) holds in conflict (a merge that stopped),
    those `keep` accepts."""
    out = _git(root, "-c", "core.quotepath=off", "diff", "--name-only", "-z",
               "--diff-filter=U", "--", index_file=index_file)
    return sorted({p for p in _paths(out) if keep(p)})


def staged_blobs(root: str, paths: list[str], index_file: str | None = None
                 ) -> dict[str, bytes]:
    """The staged content of each of `paths` (merge stage 0) in Git's index (or
    `index_file`); paths the index does not hold are left out. One `git ls-files` and one
    `git cat-file --batch`."""
    if not paths:
        return {}
    out = _git(root, "-c", "core.quotepath=off", "ls-files", "-s", "-z", "--",
               *(":(literal)" + p for p in paths), index_file=index_file)
    ids = _blob_ids(out, lambda f: f[1] if len(f) == 3 and f[2] == b"0" else None)
    blobs = _cat_blobs(root, sorted(set(ids.values())))
    return {path: blobs[blob] for path, blob in ids.items()}


def _blob_ids(listing: bytes, blob_of: Callable[[list[bytes]], bytes | None]
              ) -> dict[str, str]:
    """Path -> blob id from a `-z` listing of `ls-files -s` or `ls-tree` (`blob_of` picks
    the id from a record's fields, or None to leave the record out)."""
    ids: dict[str, str] = {}
    for record in listing.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        blob = blob_of(meta.split())
        if blob is not None:
            ids[raw_path.decode("utf-8", "surrogateescape")] = blob.decode()
    return ids


def blobs_at_head(root: str, paths: list[str]) -> dict[str, bytes]:
    """The content of each of `paths` in HEAD's tree; paths HEAD does not hold (or no
    HEAD yet) are left out. One `git ls-tree` and one `git cat-file --batch`."""
    if not paths or not _has_head(root):
        return {}
    return blobs_at(root, "HEAD", paths)


def blobs_at(root: str, rev: str, paths: list[str]) -> dict[str, bytes]:
    """The content of each of `paths` in the tree of commit `rev`; paths it does not hold
    (or that are not files there) are left out. One `git cat-file --batch`, or with a
    line break in a path, one `git ls-tree` and one `git cat-file --batch`."""
    if not paths:
        return {}
    if any("\n" in p for p in paths):
        return _blobs_listed(root, rev, paths)
    out = _git(root, "cat-file", "--batch", stdin="".join(
        f"{rev}:{p}\n" for p in paths).encode("utf-8", "surrogateescape"))
    found: dict[str, bytes] = {}
    pos = 0
    try:
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if header[-1] == b"missing" or len(header) != 3:
                continue
            size = int(header[2])
            if header[1] == b"blob":
                found[path] = out[pos:pos + size]
            pos += size + 1
    except (ValueError, IndexError):  # cat-file's answer ended early
        raise MlgitError("git cat-file gave an incomplete answer") from None
    return found


def _blobs_listed(root: str, rev: str, paths: list[str]) -> dict[str, bytes]:
    out = _git(root, "-c", "core.quotepath=off", "ls-tree", "-z", rev, "--",
               *(":(literal)" + p for p in paths))
    ids = _blob_ids(out, lambda f: f[2] if len(f) == 3 and f[1] == b"blob" else None)
    blobs = read_blobs(root, list(ids.values()))
    return {path: blobs[blob] for path, blob in ids.items()}


def commit_id(root: str, rev: str) -> str | None:
    """The full id of the commit `rev` names; None if this repository does not have it."""
    out = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}",
               ok=(0, 1))
    return out.decode().strip() or None


def commits_to_push(root: str, local: str, remote_sha: str, remote: str, url: str = "",
                    beside: bool = False) -> list[str]:
    """The commits a push of `local` sends that the Git remote does not have yet: those
    not reachable from `remote_sha` (what the remote's branch is now; with `beside`, not
    from the remote's other branches either), or, for a new branch or a remote commit this
    repository does not have, not reachable from any branch the remote has: its
    remote-tracking branches when `remote` is a configured remote's name, else (a push to a
    URL) the branches `git ls-remote` lists there. One to three `git` calls."""
    exclude = []
    if remote_sha != NULL_SHA and commit_id(root, remote_sha) is not None:
        exclude.append(remote_sha)
        if not beside:
            return _rev_list(root, local, exclude)
    if remote and _is_remote_name(root, remote):
        exclude.append(f"--remotes={remote}")
    elif url or remote:
        exclude += _remote_heads(root, url or remote)
    return _rev_list(root, local, exclude)


def _rev_list(root: str, local: str, exclude: list[str]) -> list[str]:
    out = _git(root, "rev-list", local, "--not", *exclude, "--")
    return out.decode().split()


def _is_remote_name(root: str, name: str) -> bool:
    """Whether `name` is a remote configured in this repository (Git gives a pre-push hook
    the remote's URL instead when the push names a URL)."""
    return bool(_git(root, "config", "--get", f"remote.{name}.url", ok=(0, 1)).strip())


def _remote_heads(root: str, url: str) -> list[str]:
    """The commits the branches and tags of the Git remote at `url` point to that this
    repository has (one `git ls-remote`, one `git cat-file --batch-check`)."""
    listed = _git(root, "ls-remote", "--heads", "--tags", "--end-of-options", url).split()
    shas = sorted({s.decode() for s in listed[0::2]})
    if not shas:
        return []
    out = _git(root, "cat-file", "--batch-check=%(objectname) %(objecttype)",
               stdin="".join(f"{sha}\n" for sha in shas).encode())
    return [line.split()[0] for line in out.decode().splitlines()
            if line.endswith((" commit", " tag"))]


def files_added_by(root: str, commits: list[str], keep: PathFilter) -> dict[str, str]:
    """{blob id: path} of the files each of `commits` added or changed (a root commit's
    whole tree), those `keep` accepts. A merge counts a file only when it differs from
    every parent (Git's combined diff): a file taken as is from a parent is that parent's,
    so a merge of a branch the remote has brings none of its data. One `git diff-tree`."""
    if not commits:
        return {}
    out = _git(root, "-c", "core.quotepath=off", "diff-tree", "--stdin", "-r", "-z", "-c",
               "--root", "--no-renames", "--no-commit-id", "--no-ext-diff",
               stdin="".join(c + "\n" for c in commits).encode())
    found: dict[str, str] = {}
    records = out.split(b"\0")
    i = 0
    while i + 1 < len(records):
        meta, raw_path = records[i], records[i + 1]
        i += 2
        parents = len(meta) - len(meta.lstrip(b":"))  # a merge's record has one ':' each
        fields = meta[parents:].split()
        if not parents or len(fields) != 2 * parents + 3:
            i -= 1  # not a raw record: realign on the next field
            continue
        mode, blob = fields[parents], fields[2 * parents + 1].decode()
        path = raw_path.decode("utf-8", "surrogateescape")
        if blob != NULL_SHA and mode.startswith(b"100") and keep(path):
            found.setdefault(blob, path)
    return found


def read_blobs(root: str, blob_ids: list[str]) -> dict[str, bytes]:
    """The contents of Git blobs by id, all in one `git cat-file --batch`."""
    try:
        return _cat_blobs(root, sorted(set(blob_ids)))
    except ValueError:  # cat-file's answer ended early
        raise git_failure("git cat-file", "its answer ended early") from None


def is_ancestor(root: str, older: str, newer: str) -> bool:
    """Whether commit `older` is reachable from `newer` (or is it)."""
    try:
        _git(root, "merge-base", "--is-ancestor", older, newer, ok=(0,))
    except MlgitError:
        return False
    return True
