"""Small real filesystems for tests of full disks and read-only remotes (needs root)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """small_disk(size) -> an empty folder that is a tmpfs of that size ("2m");
    unmounted after the test. Skips where mounting is not allowed."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        _run("umount", "-l", str(folder))


def make_read_only(folder: Path) -> None:
    """Remount a small_disk folder read-only."""
    done = _run("mount", "-o", "remount,ro", str(folder))
    assert done.returncode == 0, done.stderr
