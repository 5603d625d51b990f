"""Opening the repository for a verb's handler: warnings go to stderr, and the repository is
closed (state flushed, files released) however the verb ends."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mlgit.cli import output

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.repo import Repo


def find_repo() -> Repo:
    from mlgit.repo import Repo
    from mlgit.workspace.scan_workers import worker_count

    worker_count()  # a bad MLGIT_WORKERS: one error before anything, not one per folder
    return Repo.find(warn=output.warning)


@contextlib.contextmanager
def closed_after(repo: Repo) -> Iterator[Repo]:
    """`repo`, closed when the block ends."""
    try:
        yield repo
    finally:
        repo.close()


@contextlib.contextmanager
def opened_repo() -> Iterator[Repo]:
    """The repository; when the block ends, links left pointing nowhere are named and the
    repository is closed."""
    repo = find_repo()
    try:
        yield repo
    finally:
        try:
            from mlgit.cli.render.checkout import warn_dangling

            warn_dangling(repo)
        finally:
            repo.close()
