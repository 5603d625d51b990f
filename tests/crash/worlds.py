"""Starting states for the crash tests: small real repositories, remotes and clones."""

from __future__ import annotations

import random
from pathlib import Path

from tests.conftest import git, make_tree, mlgit

KiB, MiB = 1024, 1024 * 1024
THRESHOLD = 2 * MiB
"""cache.chunk_threshold in these repositories: a few MiB make a chunked file."""


def random_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def new_repo(root: Path) -> Path:
    """A Git repository at `root` with mlgit initialised, one thread (so a command's write
    steps come in the same order every run) and a small chunk threshold."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    mlgit(root, "init")
    mlgit(root, "config", "core.jobs", "1")
    mlgit(root, "config", "cache.chunk_threshold", str(THRESHOLD))
    return root


def commit_added(repo: Path, path: str, message: str) -> None:
    mlgit(repo, "add", path)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def mixed_folder(seed: int) -> dict[str, bytes]:
    """Files of every kind the store keeps apart: small (packed), a duplicate, an empty
    file, a loose object (1 MiB or more) and a chunked one (THRESHOLD or more)."""
    return {"a.txt": f"alpha {seed}".encode(), "copy-of-a.txt": f"alpha {seed}".encode(),
            "empty": b"", "nested/b.bin": random_bytes(seed, 300 * KiB),
            "loose.bin": random_bytes(seed + 1, MiB + 5),
            "chunked.bin": random_bytes(seed + 2, THRESHOLD + 700 * KiB)}


def put_folder(repo: Path, rel: str, files: dict[str, bytes]) -> None:
    make_tree(repo / rel, files)


def workspace_files(folder: Path) -> dict[str, bytes]:
    """{path: bytes} of the files in a work-tree folder, leaving out the temp files a killed
    command may leave (`.NAME.PID-N.mlgit-tmp`, removed by the next command)."""
    from mlgit.fileio import is_temp_name

    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not is_temp_name(p.name)}
