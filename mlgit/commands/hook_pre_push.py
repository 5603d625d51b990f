"""The pre-push hook: before Git sends commits, upload to the default mlgit remote the objects
those commits reference that the remote lacks, so that nobody fetches a commit whose data
never left this machine.

The objects are those of the pointer files and mlgit.lock files that the pushed commits add
or change (git-lfs's rule): the commits the Git remote does not have yet are listed with
`git rev-list LOCAL --not REMOTE_SHA` (a new branch: `--not --remotes=REMOTE`), their changed
files with one `git diff-tree`, their blobs with one `git cat-file --batch`. A push whose
commits change no pointer makes no remote request at all. The upload is the one `mlgit push`
uses (remote/transfer.py push()): only what the remote lacks, verified, in parallel."""

from __future__ import annotations

import errno

from mlgit import pointer as pointer_mod
from mlgit.errors import MlgitError
from mlgit.git import trees
from mlgit.paths import is_pointer_name, shell_command
from mlgit.progress import OpenProgress, no_progress

TYPE_CHECKING = False
if TYPE_CHECKING:  # the transfer's modules are imported only when there is data to send
    from mlgit.remote.transfer import TransferResult
    from mlgit.repo import Repo
    from mlgit.workspace.targets import Target
    from mlgit.workspace.wants import Wants

LOCK_FILE = "mlgit.lock"
DELETE = "(delete)"


class PushedRef:
    """One line of what Git gives pre-push: `<local ref> <local sha> <remote ref> <remote
    sha>`. (Plain classes here: a push without data must not pay for dataclasses.)"""

    __slots__ = ("local_ref", "local_sha", "remote_ref", "remote_sha")

    def __init__(self, local_ref: str, local_sha: str, remote_ref: str, remote_sha: str
                 ) -> None:
        self.local_ref, self.local_sha = local_ref, local_sha
        self.remote_ref, self.remote_sha = remote_ref, remote_sha


class PrePush:
    """What the hook did: the commits it looked at and, when there was data to send, the
    mlgit remote and the transfer's result (None: no remote was asked anything)."""

    __slots__ = ("commits", "remote", "result", "url")

    def __init__(self, commits: int, remote: str = "", url: str = "",
                 result: TransferResult | None = None) -> None:
        self.commits, self.remote, self.url, self.result = commits, remote, url, result


def parse_refs(text: str) -> list[PushedRef]:
    """The refs of pre-push's standard input; malformed lines are an error."""
    refs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise MlgitError(f"pre-push: cannot read the ref line {line!r}",
                             "expected '<local ref> <local sha> <remote ref> <remote sha>',"
                             " as Git gives it")
        refs.append(PushedRef(*fields))
    return refs


def _data_file(path: str) -> bool:
    return is_pointer_name(path) or path.rpartition("/")[2] == LOCK_FILE


def pre_push(repo: Repo, git_remote: str, refs: list[PushedRef],
             open_progress: OpenProgress = no_progress, git_url: str = "",
             framework: bool = False) -> PrePush:
    """`git_remote`, `git_url`: what Git gives the hook (the name is the URL for a push to
    a URL). `framework`: the refs come from the pre-commit framework, whose "remote sha"
    is, for a new branch, only the parent of the first commit the remote lacks: the
    remote's other branches are excluded too, so exactly the commits the remote lacks
    count, as with Git's own refs."""
    commits: dict[str, None] = {}
    for ref in refs:
        if ref.local_ref == DELETE or ref.local_sha == trees.NULL_SHA:
            continue  # a deletion sends no commit
        commits.update(dict.fromkeys(trees.commits_to_push(
            repo.root, ref.local_sha, ref.remote_sha, git_remote, git_url, framework)))
    added = trees.files_added_by(repo.root, list(commits), _data_file)
    if not added:
        return PrePush(len(commits))  # no remote request at all
    from mlgit.remote.open import jobs_for, open_store, remote_errors
    from mlgit.remote.transfer import Mover, TransferResult, bad_index_failures, push
    from mlgit.remote.urls import describe
    from mlgit.workspace.wants import total_bytes

    result = TransferResult()
    wants = _wants(repo, added, result)
    if not wants:  # nothing to send; a pointer that cannot be read is still a failure
        return PrePush(len(commits), result=result if result.failed else None)
    spec, store = open_store(repo, None)
    # where the upload writes, for a full-disk message: the remote's folder when local
    disk = store.backend.root if spec.scheme == "local" else repo.tmp_dir
    with repo.lock(), remote_errors(spec, disk):
        with open_progress("push", len(wants), total_bytes(wants)) as progress:
            mover = Mover(repo.odb, store, jobs_for(spec, None), progress, stops=_stops)
            result.merge(push(mover, wants))
        result.failed += bad_index_failures(store)
    return PrePush(len(commits), spec.name, describe(spec.url), result)


def _stops(exc: BaseException) -> bool:
    """A full disk or a remote that refuses writes stops the whole upload at once."""
    from mlgit.fileio import is_disk_full

    return is_disk_full(exc) or isinstance(exc, PermissionError) \
        or getattr(exc, "errno", None) == errno.EROFS


def _wants(repo: Repo, added: dict[str, str], result: TransferResult) -> Wants:
    """The objects the pointer and lock files (blob id -> path) reference; a file that
    cannot be read is a failure."""
    from mlgit.remote.failures import Failure, FailureKind, pointer_failure
    from mlgit.workspace.targets import Target, Tracked
    from mlgit.workspace.wants import ManifestUnreadable, Wants, wants_for

    blobs = trees.read_blobs(repo.root, list(added))
    targets: list[Target] = []
    for blob, path in sorted(added.items(), key=lambda kv: kv[1]):
        try:
            if is_pointer_name(path):
                ptr = pointer_mod.loads(blobs[blob], path)
                targets.append(Target(Tracked(path, repo.artifact_rel(path, ptr), ptr), ""))
            else:
                targets += _lock_targets(repo, path, blobs[blob])
        except MlgitError as exc:
            result.failed.append(pointer_failure(path, exc))
    wants = Wants()
    for target in targets:
        found = wants_for(repo, target)
        if isinstance(found, ManifestUnreadable):
            kind = FailureKind.SET_ASIDE if found.set_aside else FailureKind.NOT_IN_CACHE
            result.failed.append(Failure(found.path, found.oid, kind))
        else:
            wants.add(found)
    return wants


def _lock_targets(repo: Repo, lock_rel: str, raw: bytes) -> list[Target]:
    """The cached stage outputs a committed mlgit.lock records. Outputs the work tree's
    pipeline marks `cache: false` or `push: false` are left out, and so are outputs whose
    object is not in the cache (not cached by this machine's runs: nothing to send)."""
    from mlgit.pipeline.lockfile import loads
    from mlgit.pipeline.outputs import recorded_outputs
    from mlgit.pointer import Pointer
    from mlgit.workspace.targets import Target, Tracked

    entries = loads(raw, lock_rel)
    declared = {t.rel for t in recorded_outputs(repo, pushed_only=True)}
    every = {t.rel for t in recorded_outputs(repo)}
    found = []
    for entry in entries.values():
        for path, h in entry.outs.items():
            if path in every and path not in declared:
                continue
            kind = "file" if h.nfiles is None else "dir"
            found.append(Target(Tracked(lock_rel, path, Pointer(
                kind, path.rpartition("/")[2], h.oid, h.size, h.nfiles)), ""))
    missing = repo.odb.missing({t.item.ptr.oid for t in found})
    return [t for t in found if t.item.ptr.oid not in missing]


def upload_failed(outcome: PrePush) -> MlgitError:
    """The error that stops `git push` when objects could not be uploaded."""
    paths = sorted({f.path for f in outcome.result.failed} if outcome.result else set())
    artifacts = sorted({p.removesuffix(" (folder manifest)") for p in paths})
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    where = f" to remote {outcome.remote!r} ({outcome.url})" if outcome.remote else ""
    return MlgitError(f"pre-push: the data of {shown} could not be uploaded{where}; the git"
                      " push is stopped",
                      "fix the cause shown above and push again"
                      f" ({shell_command('mlgit push', *artifacts[:3])} retries the upload);"
                      " 'git push --no-verify' pushes without the data")
