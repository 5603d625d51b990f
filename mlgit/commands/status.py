"""mlgit status: how each tracked artifact differs from its pointer."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, NamedTuple

from mlgit.errors import MlgitError
from mlgit.pipeline.outputs import has_pipeline
from mlgit.workspace.status import DAMAGED, MODIFIED, ArtifactStatus, safe_status
from mlgit.workspace.targets import Broken, parts_or_all

if TYPE_CHECKING:
    from mlgit.pipeline.stale import Check
    from mlgit.repo import Repo



class StatusEntry(NamedTuple):
    pointer_rel: str
    status: ArtifactStatus | None
    error: MlgitError | None = None

    @property
    def clean(self) -> bool:
        return self.status is not None and self.status.clean

    @property
    def damaged(self) -> bool:
        return self.status is not None and self.status.state == DAMAGED


def status(repo: Repo, targets: list[str]) -> list[StatusEntry]:
    items = parts_or_all(repo, targets)
    entries = []
    modified: dict[str, str] = {}  # artifact path -> pointer file
    for item, sub in items:
        if isinstance(item, Broken):
            entries.append(StatusEntry(item.pointer_rel, None, item.error))
            continue
        result = safe_status(repo, item.rel, item.ptr, sub)
        if isinstance(result, MlgitError):
            entries.append(StatusEntry(item.pointer_rel, None, result))
        else:
            entries.append(StatusEntry(item.pointer_rel, result))
            if result.state == MODIFIED:
                modified[item.rel] = item.pointer_rel
    repo.state.flush()
    return _tracked_by_git_too(repo, entries, modified)


def _tracked_by_git_too(repo: Repo, entries: list[StatusEntry], modified: dict[str, str]
                        ) -> list[StatusEntry]:
    """A modified artifact that Git tracks as well (its data committed beside its pointer)
    is an error: which of the two is meant cannot be told. One `git ls-files`, and only
    when something is modified."""
    from mlgit.git.repository import tracked_under

    in_git = tracked_under(repo.root, list(modified))
    if not in_git:
        return entries
    by_pointer = {modified[rel]: rel for rel in in_git}
    return [StatusEntry(e.pointer_rel, None, git_tracked_error(by_pointer[e.pointer_rel],
                                                               e.pointer_rel))
            if e.pointer_rel in by_pointer else e for e in entries]


def git_tracked_error(rel: str, pointer_rel: str) -> MlgitError:
    return MlgitError(f"{pointer_rel}: {rel} is tracked by Git too",
                      f"'git rm -r --cached {shlex.quote(rel)}' to leave it to mlgit, or"
                      f" remove the pointer {shlex.quote(pointer_rel)} to leave it to Git")


def stale_stages(repo: Repo) -> list[Check] | None:
    """The stale stages with their reasons; None, at the cost of one stat, when the
    repository has no pipeline."""
    if not has_pipeline(repo.root):
        return None
    from mlgit.pipeline.status import stale_stages as find

    return find(repo)
