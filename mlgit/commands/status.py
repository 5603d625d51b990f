"""mlgit status: how each tracked artifact differs from its pointer.

An artifact the unchanged memo vouches for is answered from one walk of it (workspace/
unchanged.py); only the others are compared, so the modules that do that are imported only
when one is needed. Of a folder that changed in a few places, only the subfolders whose part
of that walk changed are compared."""

from __future__ import annotations

from mlgit.errors import MlgitError
from mlgit.pipeline.outputs import has_pipeline
from mlgit.workspace.artifact_status import CHANGED, DAMAGED, UNCHANGED, ArtifactStatus
from mlgit.workspace.targets import Broken, parts_or_all
from mlgit.workspace.unchanged import UnchangedMemo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.pipeline.stale import Check
    from mlgit.repo import Repo
    from mlgit.workspace.targets import Tracked


class StatusEntry:
    """One pointer file's line: the artifact's status, or why it could not be had."""

    __slots__ = ("error", "pointer_rel", "status")

    def __init__(self, pointer_rel: str, status: ArtifactStatus | None,
                 error: MlgitError | None = None) -> None:
        self.pointer_rel, self.status, self.error = pointer_rel, status, error

    def __repr__(self) -> str:
        return f"StatusEntry({self.pointer_rel!r}, {self.status!r}, {self.error!r})"

    @property
    def clean(self) -> bool:
        return self.status is not None and self.status.clean

    @property
    def damaged(self) -> bool:
        return self.status is not None and self.status.state == DAMAGED


def status(repo: Repo, targets: list[str]) -> list[StatusEntry]:
    items = parts_or_all(repo, targets)
    memo = UnchangedMemo(repo.tmp_dir)
    entries = []
    modified: dict[str, str] = {}  # artifact path -> pointer file
    for item, sub in items:
        if isinstance(item, Broken):
            entries.append(StatusEntry(item.pointer_rel, None, item.error))
            continue
        result = _status_of(repo, item, sub, memo)
        if isinstance(result, MlgitError):
            entries.append(StatusEntry(item.pointer_rel, None, result))
        else:
            entries.append(StatusEntry(item.pointer_rel, result))
            if result.state in CHANGED:
                modified[item.rel] = item.pointer_rel
    if "state" in repo.__dict__:  # only if a comparison opened it
        repo.state.flush()
    memo.save()
    return _tracked_by_git_too(repo, entries, modified)


def _status_of(repo: Repo, item: Tracked, sub: str, memo: UnchangedMemo
               ) -> ArtifactStatus | MlgitError:
    try:
        proof = None if sub else memo.proof(repo.cache_dir, repo.abspath(item.rel), item.ptr,
                                            item.rel)
    except MlgitError:  # e.g. the cache folder is missing: the comparison reports it
        proof = None
    if proof is not None and memo.vouches(proof):
        return ArtifactStatus(item.rel, item.ptr.kind, UNCHANGED)
    from mlgit.workspace.status import safe_status

    only = memo.changed_parts(proof) if proof is not None else None
    result = safe_status(repo, item.rel, item.ptr, sub, only)
    if proof is not None and isinstance(result, ArtifactStatus) and result.clean:
        memo.remember(proof)
    return result


def _tracked_by_git_too(repo: Repo, entries: list[StatusEntry], modified: dict[str, str]
                        ) -> list[StatusEntry]:
    """A modified artifact that Git tracks as well (its data committed beside its pointer)
    is an error: which of the two is meant cannot be told. One `git ls-files`, and only
    when something is modified."""
    if not modified:
        return entries
    from mlgit.git.repository import tracked_under

    in_git = tracked_under(repo.root, list(modified))
    if not in_git:
        return entries
    by_pointer = {modified[rel]: rel for rel in in_git}
    return [StatusEntry(e.pointer_rel, None, git_tracked_error(by_pointer[e.pointer_rel],
                                                               e.pointer_rel))
            if e.pointer_rel in by_pointer else e for e in entries]


def git_tracked_error(rel: str, pointer_rel: str) -> MlgitError:
    from mlgit.paths import shell_command, shell_word

    return MlgitError(f"{pointer_rel}: {rel} is tracked by Git too",
                      f"{shell_command('git rm -r --cached', rel)} to leave it to mlgit, or"
                      f" remove the pointer {shell_word(pointer_rel)} to leave it to Git")


def stale_stages(repo: Repo) -> list[Check] | None:
    """The stale stages with their reasons; None, at the cost of one stat, when the
    repository has no pipeline."""
    if not has_pipeline(repo.root):
        return None
    from mlgit.pipeline.status import stale_stages as find

    return find(repo)
