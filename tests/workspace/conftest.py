"""A real mlgit repository (git init + mlgit init in a temp folder), opened in this process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgit.repo import Repo


@pytest.fixture
def opened(repo: Path) -> Iterator[Repo]:
    """The `repo` fixture's repository as a Repo, closed after the test."""
    handle = Repo.find(str(repo))
    try:
        yield handle
    finally:
        handle.close()
