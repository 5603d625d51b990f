"""mlgit.fileio: the one atomic write, its temp-file naming rule, and making files durable."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mlgit import fileio
from mlgit.fileio import is_temp_name, make_durable, remove_leftover, temp_beside, write_atomic


def test_write_atomic_replaces_the_file_whole_with_the_mode_asked(tmp_path: Path) -> None:
    dest = tmp_path / "f"
    dest.write_bytes(b"old")
    write_atomic(str(dest), b"new", 0o444)
    assert dest.read_bytes() == b"new"
    assert dest.stat().st_mode & 0o777 == 0o444 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_write_atomic_leaves_the_old_file_and_no_temp_when_writing_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "f"
    dest.write_bytes(b"old")

    def full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "write_all", full)
    with pytest.raises(OSError):
        write_atomic(str(dest), b"new")
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_the_temp_name_rule_is_the_one_scans_recognise(tmp_path: Path) -> None:
    name = "x" * 100
    tmp = temp_beside(str(tmp_path / name))
    base = os.path.basename(tmp)
    assert os.path.dirname(tmp) == str(tmp_path) and len(base) < 80
    assert base.startswith(f".{'x' * 40}.{os.getpid()}-") and is_temp_name(base)
    assert temp_beside(str(tmp_path / name)) != tmp  # fresh each time
    Path(tmp).write_bytes(b"torn")
    assert not remove_leftover(tmp)  # its writer (this process) is alive
    dead = tmp_path / ".f.999999999-0.mlgit-tmp"
    dead.write_bytes(b"torn")
    assert remove_leftover(str(dead)) and not dead.exists()
    other = tmp_path / ".f.999999999-0.tmp"
    other.write_bytes(b"not ours to judge")
    assert not remove_leftover(str(other)) and other.exists()


def test_make_durable_fsyncs_few_files_and_their_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    whole: list[str] = []
    monkeypatch.setattr(fileio, "fsync_path", synced.append)
    monkeypatch.setattr(fileio, "sync_folder_fs", whole.append)
    files = [str(tmp_path / "a" / "1"), str(tmp_path / "a" / "2"), str(tmp_path / "b" / "3")]
    make_durable(files, str(tmp_path))
    assert synced == [*files, str(tmp_path / "a"), str(tmp_path / "b")] and whole == []
    synced.clear()
    make_durable([str(tmp_path / f"f{i}") for i in range(fileio.FEW_FILES + 1)],
                 str(tmp_path))
    assert synced == [] and whole == [str(tmp_path)]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
