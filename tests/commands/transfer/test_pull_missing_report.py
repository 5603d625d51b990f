"""What pull and checkout say about objects they cannot get: each file once, and under each
error the hint that applies to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import damage_object, git, mlgit, write


@pytest.fixture
def nowhere(repo: Path, tmp_path: Path) -> Path:
    """feat.bin and the folder d are tracked, but their objects are in no cache or remote."""
    (tmp_path / "remote").mkdir()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    write(repo / "feat.bin", b"features")
    write(repo / "d" / "a.txt", b"a")
    mlgit(repo, "add", "feat.bin", "d")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    shutil.rmtree(repo / ".mlgit" / "cache")
    shutil.rmtree(repo / ".mlgit" / "tmp" / "manifests", ignore_errors=True)  # (its memo)
    (repo / "feat.bin").unlink()
    shutil.rmtree(repo / "d")
    return repo


def _err_lines(err: str) -> list[str]:
    return err.strip().splitlines()


def test_pull_of_a_file_on_no_remote_reports_it_once(nowhere: Path) -> None:
    result = mlgit(nowhere, "pull", "feat.bin", code=1)
    assert _err_lines(result.err) == [
        "error: feat.bin: not on the remote",
        "hint: push the missing objects from a clone whose cache has them"], result.err
    assert not (nowhere / "feat.bin").exists()


def test_pull_of_everything_on_no_remote(nowhere: Path) -> None:
    result = mlgit(nowhere, "pull", code=1)
    lines = _err_lines(result.err)
    assert sorted(lines[:2]) == ["error: d (folder manifest): not on the remote",
                                 "error: feat.bin: not on the remote"], result.err
    assert lines[2:] == ["hint: push the missing objects from a clone whose cache has them"]


def test_checkout_hint_for_a_missing_object(nowhere: Path) -> None:
    result = mlgit(nowhere, "checkout", "feat.bin", code=1)
    assert _err_lines(result.err) == [
        "error: feat.bin: object not in the cache",
        "hint: fetch the missing objects from a remote with 'mlgit pull',"
        " or add the data again"], result.err


def test_checkout_hint_for_a_corrupt_object(repo: Path) -> None:
    write(repo / "feat.bin", b"features")
    mlgit(repo, "add", "feat.bin")
    oid = (repo / "feat.bin.mlgit").read_text().split('oid: "')[1][:32]
    damage_object(repo, oid)
    (repo / "feat.bin").unlink()
    result = mlgit(repo, "checkout", "feat.bin", code=1)
    lines = _err_lines(result.err)
    assert len(lines) == 2, result.err
    assert lines[0].startswith("error: feat.bin: cache object is corrupt"), result.err
    assert "missing" not in lines[1], result.err
    assert lines[1] == ("hint: a corrupt cache object is never written to the workspace;"
                        " it was set aside, so 'mlgit pull' restores it too (from a remote"
                        " that has it), or add the data again"), result.err


def test_checkout_hint_for_a_file_that_cannot_be_written(repo: Path) -> None:
    """Neither missing nor corrupt: the hint says to fix what the error names."""
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    write(repo / "sub" / "feat.bin", b"features")
    mlgit(repo, "add", "sub/feat.bin")
    (repo / "sub" / "feat.bin").unlink()
    (repo / "sub").chmod(0o555)
    try:
        result = mlgit(repo, "checkout", "sub/feat.bin", code=1)
    finally:
        (repo / "sub").chmod(0o755)
    lines = _err_lines(result.err)
    assert lines == ["error: sub/feat.bin: Permission denied",
                     "hint: fix the cause named above, then run 'mlgit checkout' again"], \
        result.err


def test_mixed_missing_and_corrupt_get_both_hints(nowhere: Path) -> None:
    write(nowhere / "other.bin", b"other")
    mlgit(nowhere, "add", "other.bin")
    oid = (nowhere / "other.bin.mlgit").read_text().split('oid: "')[1][:32]
    damage_object(nowhere, oid)
    (nowhere / "other.bin").unlink()
    result = mlgit(nowhere, "checkout", "feat.bin", "other.bin", code=1)
    lines = _err_lines(result.err)
    assert [ln for ln in lines if ln.startswith("hint: ")] == [
        "hint: fetch the missing objects from a remote with 'mlgit pull', or add the data"
        " again",
        "hint: a corrupt cache object is never written to the workspace; it was set aside,"
        " so 'mlgit pull' restores it too (from a remote that has it), or add the data"
        " again"], result.err
