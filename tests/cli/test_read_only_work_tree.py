"""A work tree on a read-only mount (a project mounted :ro to look at it): status answers
without remembering hashes; commands that must write say so in one error line and change
nothing, with no crash log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write
from tests.mounts import make_read_only, small_disk  # noqa: F401  (a fixture)


@pytest.fixture
def read_only_repo(small_disk: Callable[[str], Path]) -> Path:  # noqa: F811
    disk = small_disk("20m")
    repo = disk / "p"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    mlgit(repo, "init")
    write(repo / "m.bin", "v1")
    mlgit(repo, "add", "m.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write(repo / "m.bin", "edited")
    make_read_only(disk)
    return repo


def test_status_answers(read_only_repo: Path) -> None:
    result = mlgit(read_only_repo, "status", code=None)
    assert "m.bin: modified" in result.out, result
    assert result.err == "", result.err


@pytest.mark.parametrize("args", [["checkout", "--force"], ["add", "m.bin"],
                                  ["config", "cache.link", "copy"]])
def test_commands_that_write_say_where_they_cannot(read_only_repo: Path, tmp_path: Path,
                                                  args: list[str]) -> None:
    result = mlgit(read_only_repo, *args, code=1, env={"TMPDIR": str(tmp_path)})
    assert_clean_error(result, "cannot write there (read-only file system)",
                       "remount read-write")
    assert "bug" not in result.err
    assert (read_only_repo / "m.bin").read_text() == "edited"
    assert not (tmp_path / "mlgit").exists()  # no crash log
