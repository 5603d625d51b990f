"""`mlgit hook NAME`: the entry point the hook scripts exec. It starts like `mlgit status`
(the fast parser, no typer), refuses what it does not know, and honours MLGIT_SKIP_HOOKS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write
from tests.hooks.helpers import fire_ok, on_path, track

HEAVY = {"typer", "click", "mlgit.cli.app", "yaml", "pygit2", "fsspec", "tqdm"}


def _loaded(cwd: Path, *args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlgit", *args],
                          cwd=cwd, capture_output=True, text=True, input="")
    assert "Traceback" not in proc.stderr, proc.stderr
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_hooks_start_without_typer_or_heavy_libraries(hooked: Path) -> None:
    track(hooked, {"a.bin": "1"})
    git(hooked, "checkout", "-q", "-b", "b")
    track(hooked, {"a.bin": "2"})
    old, new = (git(hooked, "rev-parse", r).strip() for r in ("b", "main"))
    fire_ok(hooked, "checkout", "-q", "main", env={**on_path(), "MLGIT_SKIP_HOOKS": "1"})
    assert (hooked / "a.bin").read_text() == "2"
    for args in (["hook", "pre-commit"], ["hook", "post-checkout", old, new, "1"],
                 ["hook", "post-merge", "0"], ["hook", "pre-push", "origin", "url"]):
        loaded = _loaded(hooked, *args)
        assert "mlgit.cli.parser" in loaded  # the measurement works
        assert not HEAVY & loaded, (args, HEAVY & loaded)
    assert (hooked / "a.bin").read_text() == "1"  # the post-checkout above did its work


def test_an_unknown_hook_is_an_error(hooked: Path) -> None:
    assert_clean_error(mlgit(hooked, "hook", "pre-rebase", code=1), "unknown hook 'pre-rebase'")


def test_missing_arguments_are_an_error(hooked: Path) -> None:
    assert_clean_error(mlgit(hooked, "hook", "post-checkout", "abc", code=1),
                       "expected 3 arguments")


def test_hook_help_comes_from_typer(tmp_path: Path) -> None:
    result = mlgit(tmp_path, "hook", "--help")
    assert result.out.startswith("Usage: mlgit hook [OPTIONS] NAME [ARGS]...")


@pytest.mark.parametrize("name", ["pre-commit", "post-merge"])
def test_skip_variable(hooked: Path, name: str) -> None:
    track(hooked, {"a.bin": "1"})
    write(hooked / "a.bin", "changed")
    args = ["hook", name] + (["0"] if name == "post-merge" else [])
    assert mlgit(hooked, *args, code=None, env={"MLGIT_SKIP_HOOKS": "1"}).code == 0
    assert (hooked / "a.bin").read_text() == "changed"


def test_a_git_failure_names_the_git_command_not_its_options(hooked: Path) -> None:
    result = mlgit(hooked, "hook", "post-checkout", "no-such-commit", "HEAD", "1", code=1)
    assert result.err.startswith("error: git diff failed: "), result.err
    assert "no-such-commit" in result.err and "git -c" not in result.err
