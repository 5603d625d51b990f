"""A deleted .mlgit/config.yaml, or a core.remote naming no remote: the hint says what is
really wrong, not just 'add a remote'."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write


@pytest.fixture
def tracked(repo: Path, tmp_path: Path) -> Path:
    (tmp_path / "remote").mkdir()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    write(repo / "big.bin", b"data")
    mlgit(repo, "add", "big.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    return repo


@pytest.mark.parametrize("command", ["push", "fetch", "pull"])
def test_deleted_config_yaml_tracked_by_git(tracked: Path, command: str) -> None:
    (tracked / ".mlgit" / "config.yaml").unlink()
    result = mlgit(tracked, command, code=1)
    assert_clean_error(result, "no remote given and no default remote set",
                       ".mlgit/config.yaml is deleted",
                       "git checkout -- .mlgit/config.yaml")
    assert "mlgit remote add" not in result.err
    git(tracked, "checkout", "--", ".mlgit/config.yaml")
    mlgit(tracked, command)  # restored: works again


def test_deleted_config_yaml_with_remote_named(tracked: Path) -> None:
    (tracked / ".mlgit" / "config.yaml").unlink()
    result = mlgit(tracked, "push", "-r", "origin", code=1)
    assert_clean_error(result, "no remote named 'origin'",
                       "git checkout -- .mlgit/config.yaml")


def test_deleted_config_yaml_not_tracked_by_git(repo: Path) -> None:
    """Never committed: nothing to restore, so the usual hint."""
    (repo / ".mlgit" / "config.yaml").unlink()
    result = mlgit(repo, "push", code=1)
    assert_clean_error(result, "no remote given and no default remote set",
                       "mlgit remote add NAME URL --default")
    assert "git checkout" not in result.err


def test_no_remote_at_all_keeps_the_add_hint(repo: Path) -> None:
    result = mlgit(repo, "push", code=1)
    assert_clean_error(result, "mlgit remote add NAME URL --default")


@pytest.mark.parametrize("local", [False, True])
def test_default_remote_that_does_not_exist(tracked: Path, tmp_path: Path,
                                            local: bool) -> None:
    mlgit(tracked, "remote", "add", "backup", str(tmp_path / "remote"))
    name = "config.local.yaml" if local else "config.yaml"
    config = tracked / ".mlgit" / name
    text = config.read_text() if config.exists() else ""
    if local:
        config.write_text(text + "core:\n  remote: nosuch\n")
    else:
        config.write_text(text.replace("remote: origin", "remote: nosuch", 1))
    result = mlgit(tracked, "push", code=1)
    assert_clean_error(result, "no remote named 'nosuch'",
                       f"core.remote in .mlgit/{name}", "backup", "origin",
                       "mlgit remote default NAME")
    mlgit(tracked, "push", "-r", "origin")  # a named remote still works
