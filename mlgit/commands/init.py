"""mlgit init: create .mlgit/ in the current Git repository."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlgit.errors import MlgitError
from mlgit.git import repository
from mlgit.git.exclude import exclude_temp_files
from mlgit.repo import DOT_DIR, Repo, check_layout

GITIGNORE = "/cache/\n/tmp/\n/config.local.yaml\n"
CONFIG = "# mlgit settings (committed). Per-machine settings: config.local.yaml.\n"


@dataclass
class InitResult:
    root: str
    created: bool
    git_add: list[str]


def init(cwd: str | None = None) -> InitResult:
    root = repository.find_root(cwd)
    dot = os.path.join(root, DOT_DIR)
    if os.path.lexists(dot) and not os.path.isdir(dot):
        raise MlgitError(f"{DOT_DIR}: is a file, not a folder",
                         f"move or remove the file {DOT_DIR}, then run 'mlgit init' again")
    check_layout(Repo(root))
    created = not os.path.isdir(dot)
    for sub in ("cache", "tmp"):
        os.makedirs(os.path.join(dot, sub), exist_ok=True)
    exclude_temp_files(root)
    written = [_write_if_missing(os.path.join(dot, ".gitignore"), GITIGNORE),
               _write_if_missing(os.path.join(dot, "config.yaml"), CONFIG)]
    git_add = [f"{DOT_DIR}/{name}" for name, new in zip((".gitignore", "config.yaml"), written,
                                                         strict=True) if new]
    return InitResult(root, created, git_add)


def _write_if_missing(path: str, text: str) -> bool:
    if os.path.exists(path):
        return False
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return True
