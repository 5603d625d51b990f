"""mlgit status: how each tracked artifact differs from its pointer."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from mlgit import workspace
from mlgit.commands.common import Broken, parts_or_all
from mlgit.errors import MlgitError
from mlgit.status import DAMAGED, ArtifactStatus, safe_status

if TYPE_CHECKING:
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
    for item, sub in items:
        if isinstance(item, Broken):
            entries.append(StatusEntry(item.pointer_rel, None, item.error))
            continue
        result = safe_status(repo, item.rel, item.ptr, sub)
        if isinstance(result, MlgitError):
            entries.append(StatusEntry(item.pointer_rel, None, result))
        else:
            entries.append(StatusEntry(item.pointer_rel, result))
    repo.state.flush()
    workspace.remove_leftovers()
    return entries
