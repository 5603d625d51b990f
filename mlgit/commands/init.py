"""mlgit init: create .mlgit/ in the current Git repository."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlgit import scm
from mlgit.repo import DOT_DIR

GITIGNORE = "/cache/\n/tmp/\n/config.local.yaml\n"
CONFIG = "# mlgit settings (committed). Per-machine settings: config.local.yaml.\n"


@dataclass
class InitResult:
    root: str
    created: bool
    git_add: list[str]


def init(cwd: str | None = None) -> InitResult:
    root = scm.find_root(cwd)
    dot = os.path.join(root, DOT_DIR)
    created = not os.path.isdir(dot)
    for sub in ("cache", "tmp"):
        os.makedirs(os.path.join(dot, sub), exist_ok=True)
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
