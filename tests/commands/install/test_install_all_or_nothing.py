"""mlgit install is all or nothing: when one of its steps cannot write (the merge driver's
.gitattributes or Git config, a hook), what the steps before it wrote is put back, and the
repository is left as it was, with one error line and a hint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, git, mlgit, write

FOREIGN = "#!/bin/sh\necho foreign\n"


@pytest.fixture
def repo(gitrepo: Path) -> Path:
    mlgit(gitrepo, "init")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "init")
    return gitrepo


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    frozen: list[Path] = []
    yield frozen
    for path in frozen:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def _freeze(path: Path, frozen: list[Path]) -> None:
    """Make `path` unwritable even for root (chattr +i)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {done.stderr.strip()}")
    frozen.append(path)


def _state(root: Path) -> dict[str, bytes | None]:
    """Every file install may write, as it is."""
    paths = [root / ".gitattributes", root / ".git" / "config",
             root / ".git" / "info" / "exclude"]
    paths += sorted(p for p in (root / ".git" / "hooks").iterdir()
                    if not p.name.endswith(".sample"))
    return {str(p.relative_to(root)): p.read_bytes() if p.exists() else None for p in paths}


def test_an_unwritable_gitattributes_leaves_no_hook(repo: Path,
                                                   immutable: list[Path]) -> None:
    write(repo / ".gitattributes", "*.bin binary\n")
    _freeze(repo / ".gitattributes", immutable)
    before = _state(repo)
    result = mlgit(repo, "install", code=None)
    assert_clean_error(result, "error: " + str(repo / ".gitattributes"),
                       "cannot write the merge driver's attribute lines",
                       "hint: make .gitattributes writable")
    assert _state(repo) == before


def test_an_unwritable_git_config_leaves_no_hook(repo: Path, immutable: list[Path]) -> None:
    _freeze(repo / ".git" / "config", immutable)
    before = _state(repo)
    result = mlgit(repo, "install", code=None)
    assert_clean_error(result, "cannot register the merge driver in Git's config",
                       "hint: make the repository's Git config (.git/config) writable")
    assert _state(repo) == before


def test_a_hook_that_cannot_be_replaced_undoes_the_rest(repo: Path,
                                                        immutable: list[Path]) -> None:
    """pre-push is installed last: every other hook and the merge driver were written by
    then, and all of it is put back (another tool's hooks byte for byte)."""
    hooks = repo / ".git" / "hooks"
    write(hooks / "post-checkout", FOREIGN).chmod(0o755)
    write(hooks / "pre-push", FOREIGN).chmod(0o755)
    _freeze(hooks / "pre-push", immutable)
    before = _state(repo)
    result = mlgit(repo, "install", code=None)
    assert_clean_error(result, "pre-push: cannot install the hook",
                       "hint: make " + str(hooks))
    assert _state(repo) == before
    assert os.access(hooks / "post-checkout", os.X_OK)
    assert not git(repo, "config", "--local", "--list").count("merge.mlgit")


def test_an_unwritable_hooks_folder_undoes_the_merge_driver(repo: Path) -> None:
    """The same through file permissions (as root: without the capability that ignores
    them)."""
    hooks = repo / ".git" / "hooks"
    before = _state(repo)
    hooks.chmod(0o555)
    try:
        result = _as_unprivileged(repo, "install")
    finally:
        hooks.chmod(0o755)
    assert_clean_error(result, "cannot install the hook (permission denied)")
    assert _state(repo) == before


def test_a_hook_only_install_undoes_its_hooks(repo: Path, immutable: list[Path]) -> None:
    hooks = repo / ".git" / "hooks"
    write(hooks / "post-rewrite", FOREIGN).chmod(0o755)
    _freeze(hooks / "post-rewrite", immutable)
    before = _state(repo)
    result = mlgit(repo, "install", "--hook", "post-checkout", code=None)
    assert_clean_error(result, "post-rewrite: cannot install the hook")
    assert _state(repo) == before


def _as_unprivileged(cwd: Path, *args: str) -> Run:
    cmd = [sys.executable, "-m", "mlgit", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not installed")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *cmd]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if "setpriv:" in proc.stderr:
        pytest.skip(f"cannot drop capabilities here: {proc.stderr.strip()}")
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def test_an_older_merge_driver_setting_is_put_back(repo: Path, immutable: list[Path]) -> None:
    git(repo, "config", "--local", "merge.mlgit.driver", "old-mlgit merge-driver %O %A %B")
    write(repo / ".gitattributes", "*.bin binary\n")
    _freeze(repo / ".gitattributes", immutable)
    before = _state(repo)
    mlgit(repo, "install", code=1)
    assert _state(repo) == before
    assert git(repo, "config", "--local", "--get-regexp", "merge").splitlines() == [
        "merge.mlgit.driver old-mlgit merge-driver %O %A %B"]


def test_uninstall_is_all_or_nothing_too(repo: Path, immutable: list[Path]) -> None:
    mlgit(repo, "install")
    _freeze(repo / ".gitattributes", immutable)
    before = _state(repo)
    result = mlgit(repo, "uninstall", code=None)
    assert_clean_error(result, "cannot remove the merge driver's attribute lines",
                       "hint: make .gitattributes writable")
    assert _state(repo) == before
    subprocess.run(["chattr", "-i", str(repo / ".gitattributes")], check=True)
    _freeze(repo / ".git" / "hooks" / "pre-push", immutable)
    result = mlgit(repo, "uninstall", code=None)
    assert_clean_error(result, "pre-push: cannot remove the hook")
    assert _state(repo) == before
