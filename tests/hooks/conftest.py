from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git, mlgit


@pytest.fixture
def hooked(gitrepo: Path) -> Path:
    """A repository with mlgit initialised, a first commit, and every hook installed."""
    mlgit(gitrepo, "init")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "init")
    mlgit(gitrepo, "install")
    return gitrepo
