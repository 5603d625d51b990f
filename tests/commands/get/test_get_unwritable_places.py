"""get -o writes regular files and folders only: a place that refuses writes (a read-only
disk, /proc, /sys) is one clear error, and --force never replaces a device, FIFO, socket or
symbolic link with a regular file."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write
from tests.mounts import make_read_only, small_disk  # noqa: F401  (a fixture)


@pytest.fixture
def tracked(repo: Path) -> Path:
    write(repo / "m.bin", "model")
    write(repo / "d/f.txt", "f")
    mlgit(repo, "add", "m.bin", "d")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    return repo


@pytest.mark.parametrize("what", ["m.bin", "d"])
@pytest.mark.parametrize("below", ["", "sub/"])
def test_a_read_only_disk_is_one_clear_error(
        tracked: Path, small_disk: Callable[[str], Path], what: str,  # noqa: F811
        below: str) -> None:
    disk = small_disk("1m")
    make_read_only(disk)
    out = disk / f"{below}out"
    result = mlgit(tracked, "get", "HEAD", what, "-o", str(out), code=1)
    assert_clean_error(result, f"{out}: cannot write there", "read-only file system",
                       "choose another place with -o")
    assert "mlgit-tmp" not in result.err


@pytest.mark.parametrize("out", ["/proc/mlgit-out", "/sys/mlgit-out"])
def test_proc_and_sys_are_one_clear_error(tracked: Path, out: str) -> None:
    result = mlgit(tracked, "get", "HEAD", "m.bin", "-o", out, code=1)
    assert_clean_error(result, f"{out}: cannot write there")


def test_force_never_replaces_a_fifo(tracked: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = mlgit(tracked, "get", "HEAD", "m.bin", "-o", str(fifo), "--force", code=1)
    assert_clean_error(result, "not a regular file", "--force replaces nothing else")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_force_never_replaces_a_socket(tracked: Path, tmp_path: Path) -> None:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        result = mlgit(tracked, "get", "HEAD", "m.bin", "-o", str(path), "--force", code=1)
    assert_clean_error(result, "not a regular file")
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_force_never_replaces_a_device(tracked: Path, tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    except PermissionError:
        pytest.skip("making a device node needs root")
    result = mlgit(tracked, "get", "HEAD", "m.bin", "-o", str(device), "--force", code=1)
    assert_clean_error(result, "not a regular file")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("what", ["m.bin", "d"])
def test_force_never_replaces_a_symbolic_link(tracked: Path, tmp_path: Path,
                                              what: str) -> None:
    target = write(tmp_path / "target", "keep")
    link = tmp_path / "link"
    link.symlink_to(target)
    result = mlgit(tracked, "get", "HEAD", what, "-o", str(link), "--force", code=1)
    assert_clean_error(result, "is a symbolic link")
    assert link.is_symlink() and target.read_text() == "keep"


def test_force_still_replaces_a_regular_file(tracked: Path, tmp_path: Path) -> None:
    old = write(tmp_path / "old.bin", "old")
    mlgit(tracked, "get", "HEAD", "m.bin", "-o", str(old), "--force")
    assert old.read_text() == "model"
