"""Under the pre-commit framework, mlgit's pre-commit check reads the unstaged pointers from
the patch in which the framework stashed them (git/framework_stash.py). The patch is found
by what it is, not only by the name the framework gives it today: here a hook does what the
framework does (saves `git diff-index --binary` as a patch, checks out the index, runs
`mlgit hook pre-commit` with PRE_COMMIT=1, applies the patch again), with another name or
in another folder, fired by a real `git commit`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import git, mlgit, write
from tests.hooks.helpers import fire, on_path

FRAMEWORK_LIKE_HOOK = f"""#!{sys.executable}
import os, subprocess, sys
where = os.environ.get("TEST_STASH_DIR") or os.environ["PRE_COMMIT_HOME"]
tree = subprocess.run(["git", "write-tree"], capture_output=True, check=True,
                      text=True).stdout.strip()
diff = subprocess.run(["git", "diff-index", "--ignore-submodules", "--binary", "--exit-code",
                       "--no-color", "--no-ext-diff", tree, "--"], capture_output=True).stdout
patch = None
if diff:
    os.makedirs(where, exist_ok=True)
    patch = os.path.join(where, os.environ["TEST_STASH_NAME"])
    with open(patch, "wb") as f:
        f.write(diff)
    subprocess.run(["git", "checkout", "--", "."], check=True)
code = subprocess.run(["mlgit", "hook", "pre-commit"],
                      env={{**os.environ, "PRE_COMMIT": "1"}}).returncode
if patch:
    subprocess.run(["git", "apply", "--whitespace=nowarn", patch], check=True)
sys.exit(code)
"""


@pytest.fixture
def framework(repo: Path, tmp_path: Path) -> dict[str, str]:
    """`repo` with a framework-like pre-commit hook, and the environment it runs in."""
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(FRAMEWORK_LIKE_HOOK)
    hook.chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init", "--no-verify")
    write(repo / "a.bin", "a")
    mlgit(repo, "add", "a.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a", "--no-verify")
    return {**on_path(), "PRE_COMMIT_HOME": str(tmp_path / "framework-home")}


def _unstaged_add_and_another_file_staged(repo: Path) -> None:
    write(repo / "a.bin", "new")
    mlgit(repo, "add", "a.bin")  # the pointer is rewritten, not staged
    write(repo / "o.txt", "o")
    git(repo, "add", "o.txt")


@pytest.mark.parametrize("name", ["patch1700000000-1", "stash-of-unstaged.diff"])
def test_the_stash_patch_is_found_whatever_its_name(
        repo: Path, framework: dict[str, str], name: str) -> None:
    """`patch1700000000-1` has the framework's form of name but not its process id."""
    _unstaged_add_and_another_file_staged(repo)
    result = fire(repo, "commit", "-qm", "o", env={**framework, "TEST_STASH_NAME": name})
    assert result.code == 0, result
    assert git(repo, "log", "-1", "--format=%s").strip() == "o"
    assert (repo / "a.bin").read_text() == "new"
    assert "a.bin.mlgit" in git(repo, "status", "--porcelain")  # still unstaged


def test_an_older_patch_of_the_framework_is_not_taken(
        repo: Path, framework: dict[str, str], tmp_path: Path) -> None:
    """The framework keeps the patches of earlier commits: one written before this commit
    started is not this commit's stash, even if it is the newest there."""
    _unstaged_add_and_another_file_staged(repo)
    old = Path(framework["PRE_COMMIT_HOME"]) / "stash-old.diff"
    write(old, git(repo, "diff", "--binary"))  # would let the commit through, if taken
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    elsewhere = {**framework, "TEST_STASH_NAME": "s.diff",
                 "TEST_STASH_DIR": str(tmp_path / "somewhere-else")}
    refused = fire(repo, "commit", "-qm", "o", env=elsewhere)
    assert refused.code != 0
    # not found: the refusal says what it may be caused by, and how to go on
    assert "warning: the pre-commit framework hides unstaged changes from its hooks, and" \
        " mlgit found no patch of them" in refused.err, refused.err
    assert "stage the pointer ('git add PATH.mlgit') and commit again" in refused.err
    assert "error: a.bin: " in refused.err
    git(repo, "add", "a.bin.mlgit")
    done = fire(repo, "commit", "-qm", "o and a", env=elsewhere)
    assert done.code == 0, done
    assert "warning" not in done.err
