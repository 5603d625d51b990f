"""mlgit add refuses, before writing anything, to put a pointer where this repository's Git
would never see it: in a place Git ignores, or inside a submodule (or nested repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, cache_oids, git, mlgit, read_tree, write


def _state(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in read_tree(root).items() if not k.startswith((".git/", ".mlgit/tmp"))}


def _refused(repo: Path, args: list[str], *needles: str, cwd: Path | None = None) -> None:
    before = _state(repo)
    assert_clean_error(mlgit(cwd or repo, "add", *args, code=None), *needles)
    assert _state(repo) == before
    assert cache_oids(repo) == []


def test_a_folder_git_ignores(repo: Path) -> None:
    write(repo / ".gitignore", "build/\n")
    write(repo / "build" / "out" / "model.bin", "weights")
    _refused(repo, ["build/out/model.bin"],
             "build/out/model.bin: Git ignores its pointer file build/out/model.bin.mlgit"
             " (.gitignore:1: build/)", "un-ignore the folder")
    _refused(repo, ["build/out"], "build/out.mlgit (.gitignore:1: build/)")


def test_a_pattern_that_matches_the_pointer(repo: Path) -> None:
    write(repo / ".git" / "info" / "exclude", "*.mlgit\n")
    write(repo / "data.bin", "x")
    _refused(repo, ["data.bin"], "data.bin.mlgit (.git/info/exclude:1: *.mlgit)",
             "add the rule '!data.bin.mlgit' after that one")
    # following the hint makes it work, and Git then sees the pointer
    write(repo / ".gitignore", "!data.bin.mlgit\n")
    mlgit(repo, "add", "data.bin")
    assert "?? data.bin.mlgit" in git(repo, "status", "--porcelain")


def test_an_ignored_pointer_in_a_batch_refuses_them_all(repo: Path) -> None:
    write(repo / ".gitignore", "/tmp*\n")
    write(repo / "ok.bin", "fine")
    write(repo / "tmpdata", "x")
    _refused(repo, ["ok.bin", "tmpdata"], "tmpdata.mlgit (.gitignore:1: /tmp*)")


def test_an_already_tracked_pointer_is_fine_even_if_a_rule_matches(repo: Path) -> None:
    write(repo / "data.bin", "v1")
    mlgit(repo, "add", "data.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    write(repo / ".git" / "info" / "exclude", "*.mlgit\n")
    write(repo / "data.bin", "v2")
    assert "updated data.bin" in mlgit(repo, "add", "data.bin").out


@pytest.fixture
def with_submodule(repo: Path, tmp_path: Path) -> Path:
    inner = tmp_path / "inner"
    inner.mkdir()
    git(inner, "init", "-q", "-b", "main")
    git(inner, "commit", "-q", "--allow-empty", "-m", "first")
    subprocess.run(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                    str(inner), "libs/sub"], cwd=repo, check=True, capture_output=True)
    write(repo / "libs" / "sub" / "data" / "big.bin", "inside the submodule")
    return repo


def test_a_path_inside_a_submodule(with_submodule: Path) -> None:
    repo = with_submodule
    _refused(repo, ["libs/sub/data/big.bin"],
             "libs/sub/data/big.bin: is inside the Git submodule libs/sub",
             "run mlgit in it: cd libs/sub && mlgit add data/big.bin")
    _refused(repo, ["sub/data"], "libs/sub/data: is inside the Git submodule libs/sub",
             "cd sub && mlgit add data", cwd=repo / "libs")
    _refused(repo, ["libs/sub"], "libs/sub: is a Git submodule", "cd libs/sub && mlgit init")
    # following the hint works
    sub = repo / "libs" / "sub"
    mlgit(sub, "init")
    assert "added data/big.bin" in mlgit(sub, "add", "data/big.bin").out


def test_a_nested_repository(repo: Path) -> None:
    write(repo / "vendor" / "x" / "f.bin", "x")
    git(repo / "vendor", "init", "-q")
    _refused(repo, ["vendor/x/f.bin"], "vendor/x/f.bin: is inside vendor, a Git repository of"
             " its own (it holds .git)", "cd vendor && mlgit add x/f.bin")
