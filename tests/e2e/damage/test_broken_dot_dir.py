"""Parts of .mlgit/ that are the wrong kind of thing (a folder where a file must be, or the
reverse): one clear error and a hint, never a crash, and crash logs still go to .mlgit/tmp."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write


@pytest.fixture
def tracked(repo: Path) -> Path:
    write(repo / "big.bin", b"data")
    mlgit(repo, "add", "big.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    return repo


@pytest.mark.parametrize("name", ["config.yaml", "config.local.yaml"])
def test_config_file_that_is_a_folder(tracked: Path, name: str) -> None:
    path = tracked / ".mlgit" / name
    path.unlink(missing_ok=True)
    path.mkdir()
    for args in (["status"], ["add", "big.bin"], ["push"], ["config", "core.jobs"]):
        result = mlgit(tracked, *args, code=1)
        assert_clean_error(result, f"error: .mlgit/{name}: is a folder, not a file",
                           "remove the folder")
        if name == "config.yaml":
            assert "git checkout -- .mlgit/config.yaml" in result.err
    assert path.is_dir()  # nothing was changed


@pytest.mark.parametrize("name", ["tmp", "cache"])
@pytest.mark.parametrize("command", [["status"], ["add", "big.bin"], ["checkout"],
                                     ["status", "big.bin"]])
def test_tmp_or_cache_that_is_a_file(tracked: Path, name: str, command: list[str]) -> None:
    path = tracked / ".mlgit" / name
    shutil.rmtree(path)
    path.write_text("x")
    result = mlgit(tracked, *command, code=1)
    assert_clean_error(result, f"error: .mlgit/{name}: is a file, not a folder",
                       f"remove the file .mlgit/{name}")
    assert path.read_text() == "x"  # left as it was
    assert (tracked / "big.bin").read_bytes() == b"data"


@pytest.mark.parametrize("broken", ["invalid", "folder"])
def test_crash_log_goes_to_dot_dir_even_when_config_is_broken(
        tracked: Path, broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The crash log's folder is found without reading the settings."""
    from mlgit.cli.crash import _crash_dir

    config = tracked / ".mlgit" / "config.yaml"
    if broken == "folder":
        config.unlink()
        config.mkdir()
    else:
        config.write_text("core: [unclosed\n")
    monkeypatch.chdir(tracked / ".mlgit")
    assert _crash_dir() == str(tracked.resolve() / ".mlgit" / "tmp")


def test_crash_log_outside_a_repository(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from mlgit.cli.crash import _crash_dir

    monkeypatch.chdir(tmp_path)
    assert _crash_dir() == str(Path(tempfile.gettempdir()) / "mlgit")


@pytest.mark.parametrize("name", ["tmp", "cache"])
def test_init_with_tmp_or_cache_that_is_a_file(tracked: Path, name: str) -> None:
    path = tracked / ".mlgit" / name
    shutil.rmtree(path)
    path.write_text("x")
    assert_clean_error(mlgit(tracked, "init", code=1), f".mlgit/{name}: is a file, not a folder")
    path.unlink()
    mlgit(tracked, "init")
    assert path.is_dir()


def test_init_with_dot_dir_that_is_a_file(gitrepo: Path) -> None:
    (gitrepo / ".mlgit").write_text("x")
    assert_clean_error(mlgit(gitrepo, "status", code=1), "not initialised")
    assert_clean_error(mlgit(gitrepo, "init", code=1), ".mlgit: is a file, not a folder",
                       "move or remove the file .mlgit")
    assert (gitrepo / ".mlgit").read_text() == "x"
