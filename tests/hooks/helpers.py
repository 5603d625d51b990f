"""Shared by the hook tests: a repository with mlgit initialised and its hooks installed,
fired through real git commands with the real `mlgit` console script on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Run, git, mlgit, write

BIN = str(Path(sys.executable).parent)


def on_path() -> dict[str, str]:
    """The environment with this venv's `mlgit` first on PATH."""
    return {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


def without_mlgit() -> dict[str, str]:
    """The environment with no `mlgit` on PATH (git and sh stay reachable)."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not os.path.exists(os.path.join(d, "mlgit"))]
    return {**os.environ, "PATH": os.pathsep.join(dirs or ["/usr/bin", "/bin"])}


def fire(cwd: Path, *args: str, env: dict[str, str] | None = None,
         stdin: str | None = None) -> Run:
    """A git command whose hooks run (exit code not checked)."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env=env or on_path(), input=stdin)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def fire_ok(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    result = fire(cwd, *args, env=env)
    assert result.code == 0, result
    return result


def commit_hooked(repo: Path, message: str) -> None:
    """Stage and commit everything, the commit's hooks running."""
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", message)


def track(repo: Path, files: dict[str, bytes | str], message: str = "data") -> None:
    """Write the files, `mlgit add` them, commit everything (hooks run)."""
    for rel, data in files.items():
        write(repo / rel, data)
    mlgit(repo, "add", *files)
    commit_hooked(repo, message)


def stamp(path: Path) -> tuple[int, int]:
    """(inode, mtime in ns): what a rewrite of the file would change."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns
