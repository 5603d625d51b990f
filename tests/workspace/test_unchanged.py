"""workspace/unchanged.py and listing.py: a status of an artifact nobody touched is answered from
one walk, and any change at all still reaches the full comparison."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlgit.workspace.listing import file_listing, folder_listing
from tests.conftest import delete_object, mlgit, write

MEMO = Path(".mlgit") / "tmp" / "unchanged"
COMPARISON = "mlgit.workspace.scan"
"""Imported only when an artifact is compared in full."""


def backdate(root: Path, seconds: float = 10.0) -> None:
    """Every file's mtime moved into the past, as it is for data nobody just wrote."""
    when = time.time() - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when), follow_symlinks=False)


def imported(args: list[str], cwd: Path, code: int = 0) -> tuple[str, set[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=cwd,
                          capture_output=True, text=True)
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc.stdout, {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                         if line.startswith("import time:") and "|" in line}


def status(repo: Path, *args: str, code: int = 0) -> tuple[str, set[str]]:
    """`mlgit status` output and the modules it imported beyond what `python -m` imports
    before mlgit starts (site, runpy, an editable install's finder)."""
    out, loaded = imported(["-m", "mlgit", "status", *args], repo, code)
    return out, loaded - imported(["-c", "import runpy"], repo)[1]


def memo_entries(repo: Path) -> dict[str, tuple[str, bytes, bytes]]:
    entries: dict[str, tuple[str, bytes, bytes]] = marshal.loads((repo / MEMO).read_bytes())
    return entries


@pytest.fixture
def tracked(repo: Path) -> Path:
    for i in range(3):
        write(repo / "data" / f"sub{i}" / f"f{i}.txt", f"content {i}")
    write(repo / "data" / "top.txt", "top")
    write(repo / "model.bin", b"\x00" * 100)
    mlgit(repo, "add", "data", "model.bin")
    backdate(repo / "data")
    backdate(repo / "model.bin")
    time.sleep(0.06)  # the cache's folders, written by add, are no longer "just changed"
    return repo


def test_a_clean_status_is_remembered_and_then_answered_without_comparing(tracked: Path
                                                                           ) -> None:
    out, loaded = status(tracked)
    assert "data: unchanged" in out and "model.bin: unchanged" in out
    assert COMPARISON in loaded  # the first time, compared in full
    assert set(memo_entries(tracked)) == {"data", "model.bin"}
    out, loaded = status(tracked)
    assert "data: unchanged" in out and "model.bin: unchanged" in out
    assert COMPARISON not in loaded
    for heavy in ("typing", "re", "json", "subprocess", "sqlite3", "mlgit.storage.manifests",
                  "mlgit.storage.objects", "yaml"):
        assert heavy not in loaded, heavy


@pytest.mark.parametrize("change", ["edit", "same_size_edit", "new_file", "delete",
                                    "rename", "new_folder_with_file", "file_for_folder"])
def test_any_change_after_a_remembered_status_is_seen(tracked: Path, change: str) -> None:
    status(tracked)
    data = tracked / "data"
    if change == "edit":
        write(data / "top.txt", "top, edited")
    elif change == "same_size_edit":
        (data / "sub1" / "f1.txt").write_text("CONTENT 1")
    elif change == "new_file":
        write(data / "sub2" / "new.txt", "new")
    elif change == "delete":
        (data / "sub0" / "f0.txt").unlink()
    elif change == "rename":
        (data / "sub0" / "f0.txt").rename(data / "sub0" / "g0.txt")
    elif change == "new_folder_with_file":
        write(data / "sub9" / "x.txt", "x")
    else:
        (data / "sub1" / "f1.txt").unlink()
        (data / "sub1").rmdir()
        write(data / "sub1", "now a file")
    out, _ = status(tracked)
    assert "data: modified" in out, out


def test_an_edit_of_a_single_file_artifact_is_seen(tracked: Path) -> None:
    status(tracked)
    (tracked / "model.bin").write_bytes(b"\x01" * 100)
    out, _ = status(tracked)
    assert "model.bin: modified" in out, out


def test_a_rewrite_with_the_same_content_stays_unchanged(tracked: Path) -> None:
    status(tracked)
    write(tracked / "data" / "top.txt", "top")
    out, loaded = status(tracked)
    assert "data: unchanged" in out and COMPARISON in loaded


def test_an_object_gone_from_the_cache_is_seen(tracked: Path) -> None:
    status(tracked)
    ptr = (tracked / "model.bin.mlgit").read_text()
    oid = next(line.split('"')[1] for line in ptr.splitlines() if line.startswith("oid:"))
    delete_object(tracked, oid)
    time.sleep(0.06)  # the cache's stamp can be taken again
    out, _ = status(tracked, code=0)
    assert "model.bin: unchanged (not in cache: 1 object(s))" in out, out


def test_files_written_a_moment_ago_are_not_vouched_for(repo: Path) -> None:
    write(repo / "data" / "a.txt", "a")
    mlgit(repo, "add", "data")
    (repo / MEMO).unlink(missing_ok=True)  # what the add remembered
    backdate(repo / "data", -5)  # as if written the moment status began, on a slow machine
    out, _ = status(repo)
    assert "data: unchanged" in out
    entries = memo_entries(repo) if (repo / MEMO).exists() else {}
    assert "data" not in entries  # its file's mtime is within the racy margin


def test_a_damaged_memo_is_ignored(tracked: Path) -> None:
    status(tracked)
    (tracked / MEMO).write_bytes(b"\x00garbage")
    out, loaded = status(tracked)
    assert "data: unchanged" in out and COMPARISON in loaded
    (tracked / MEMO).write_bytes(marshal.dumps({"data": ("x", b"y", b"z")}))
    out, loaded = status(tracked)
    assert "data: unchanged" in out and COMPARISON in loaded


def test_a_symlink_inside_a_folder_is_never_vouched_for(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "symlink")
    write(repo / "data" / "a.txt", "a")
    mlgit(repo, "add", "data")
    backdate(repo / "data")
    time.sleep(0.06)
    status(repo)
    out, loaded = status(repo)
    assert "data: unchanged" in out and COMPARISON in loaded


def test_listing_sees_every_kind_of_change(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path / f"d{i}" / "f.txt", str(i))
    write(tmp_path / "top.txt", "t")
    first = folder_listing(str(tmp_path), 5)
    assert first is not None
    again = folder_listing(str(tmp_path), 5)
    assert again is not None and again.digest == first.digest
    os.chmod(tmp_path / "d1" / "f.txt", 0o755)
    moded = folder_listing(str(tmp_path), 5)
    assert moded is not None and moded.digest != first.digest
    (tmp_path / "d2" / "empty").mkdir()
    grown = folder_listing(str(tmp_path), 5)
    assert grown is not None and grown.digest != moded.digest
    os.symlink("top.txt", tmp_path / "d3" / "link")
    assert folder_listing(str(tmp_path), 5) is None
    assert file_listing(str(tmp_path / "d3" / "link")) is None
    assert file_listing(str(tmp_path / "missing")) is None


def test_listing_is_the_same_whatever_the_number_of_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(40):
        write(tmp_path / f"d{i:02}" / f"f{i}.txt", str(i))
    digests = set()
    for workers in ("1", "2", "3"):
        monkeypatch.setenv("MLGIT_WORKERS", workers)
        listing = folder_listing(str(tmp_path), 100_000)  # as if large: workers are used
        assert listing is not None
        digests.add(listing.digest)
    assert len(digests) == 1
