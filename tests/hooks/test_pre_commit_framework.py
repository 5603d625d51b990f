"""mlgit's hooks through the real pre-commit framework: a consumer repository names a commit
of a copy of this repository in its .pre-commit-config.yaml, `pre-commit install` puts the
framework's hooks in place, and real git commands fire them (the framework passes Git's
arguments in PRE_COMMIT_* variables)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, delete_object, git, mlgit, write

pytestmark = pytest.mark.slow

SOURCE = Path(__file__).resolve().parents[2]
HOOK_IDS = ("mlgit-pre-commit", "mlgit-pre-push", "mlgit-post-checkout", "mlgit-post-merge",
            "mlgit-post-rewrite")


def _pip_config() -> dict[str, str]:
    """The user's pip settings (a package index to install from), which a test's empty HOME
    would hide from the framework's pip."""
    home = pwd.getpwuid(os.getuid()).pw_dir
    for path in (os.environ.get("PIP_CONFIG_FILE", ""), f"{home}/.config/pip/pip.conf",
                 f"{home}/.pip/pip.conf"):
        if path and os.path.isfile(path):
            return {"PIP_CONFIG_FILE": path}
    return {}


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A Git repository holding a copy of this one's package and .pre-commit-hooks.yaml,
    and the commit to name as `rev`."""
    copy = tmp_path_factory.mktemp("hook-repo") / "mlgit"
    shutil.copytree(SOURCE / "mlgit", copy / "mlgit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(SOURCE / name, copy / name)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "hooks"]):
        subprocess.run(["git", *args], cwd=copy, check=True, env=env, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=copy, check=True, env=env,
                         capture_output=True, text=True).stdout.strip()
    return copy, sha


@pytest.fixture(scope="module")
def framework_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache, shared by this module's tests: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _env(home: Path) -> dict[str, str]:
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    return {**os.environ, **_pip_config(), "PRE_COMMIT_HOME": str(home), "PATH": path}


def _run(cwd: Path, env: dict[str, str], *args: str) -> Run:
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def consumer(gitrepo: Path, tmp_path: Path, hook_repo: tuple[Path, str],
             framework_home: Path) -> tuple[Path, dict[str, str]]:
    """A repository using mlgit's hooks through the framework, with a bare Git remote
    `origin` and an mlgit remote `store`."""
    path, sha = hook_repo
    env = _env(framework_home)
    hooks = "".join(f"      - id: {h}\n" for h in HOOK_IDS)
    write(gitrepo / ".pre-commit-config.yaml",
          "default_install_hook_types: [pre-commit, pre-push, post-checkout, post-merge,"
          " post-rewrite]\n"
          f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n{hooks}")
    mlgit(gitrepo, "init")
    (tmp_path / "store").mkdir()
    mlgit(gitrepo, "remote", "add", "store", str(tmp_path / "store"))
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(gitrepo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    installed = _run(gitrepo, env, sys.executable, "-m", "pre_commit", "install")
    assert installed.code == 0, installed
    git(gitrepo, "add", "-A")
    first = _run(gitrepo, env, "git", "commit", "-qm", "init")
    assert first.code == 0, first  # builds the hook environment (once per module)
    return gitrepo, env


def _track(repo: Path, env: dict[str, str], files: dict[str, str], message: str) -> Run:
    for rel, data in files.items():
        write(repo / rel, data)
    mlgit(repo, "add", *files)
    git(repo, "add", "-A")
    return _run(repo, env, "git", "commit", "-qm", message)


def test_commit_checkout_merge_and_push_through_the_framework(
        consumer: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repo, env = consumer
    assert _track(repo, env, {"model.bin": "v1"}, "v1").code == 0
    assert _run(repo, env, "git", "checkout", "-q", "-b", "side").code == 0
    assert _track(repo, env, {"model.bin": "v2", "extra.bin": "side"}, "v2").code == 0
    assert _run(repo, env, "git", "checkout", "-q", "main").code == 0
    assert (repo / "model.bin").read_text() == "v1"  # post-checkout ran
    assert not (repo / "extra.bin").exists()
    assert _run(repo, env, "git", "merge", "-q", "side").code == 0
    assert (repo / "model.bin").read_text() == "v2"  # post-merge ran
    assert (repo / "extra.bin").read_text() == "side"
    (repo / "model.bin").write_text("edited, not added")
    refused = _run(repo, env, "git", "commit", "-qm", "nope", "--allow-empty")
    assert refused.code != 0
    assert "model.bin: changed since its pointer" in refused.out + refused.err
    mlgit(repo, "checkout", "--force", "model.bin")
    pushed = _run(repo, env, "git", "push", "-q", "origin", "main")
    assert pushed.code == 0, pushed
    rows = json.loads(mlgit(repo, "status", "--remote", "--json").out)["artifacts"]
    assert {r["path"]: r["on_remote"] for r in rows} == {"model.bin": 1, "extra.bin": 1}


def test_a_push_with_the_remote_down_is_stopped(consumer: tuple[Path, dict[str, str]],
                                                tmp_path: Path) -> None:
    repo, env = consumer
    assert _run(repo, env, "git", "push", "-q", "origin", "main").code == 0
    shutil.rmtree(tmp_path / "store")
    assert _track(repo, env, {"model.bin": "v1"}, "v1").code == 0
    pushed = _run(repo, env, "git", "push", "-q", "origin", "main")
    assert pushed.code != 0
    assert "the git push is stopped" in pushed.out + pushed.err


def _oid(repo: Path, pointer: str) -> str:
    return (repo / pointer).read_text().split("oid: ")[1].split()[0].strip('"')


def test_a_push_to_a_url_looks_only_at_the_commits_the_remote_lacks(
        consumer: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repo, env = consumer
    assert _track(repo, env, {"old.bin": "pushed long ago"}, "old").code == 0
    assert _run(repo, env, "git", "push", "-q", "origin", "main").code == 0
    delete_object(repo, _oid(repo, "old.bin.mlgit"))  # on the remote, gone from this cache
    assert _run(repo, env, "git", "checkout", "-q", "-b", "side").code == 0
    assert _track(repo, env, {"new.bin": "new"}, "new").code == 0
    url = str(tmp_path / "origin.git")  # no remote name: Git gives the URL as the name
    pushed = _run(repo, env, "git", "push", "-q", url, "side")
    assert pushed.code == 0, pushed  # the old commit's data was not looked for
    rows = json.loads(mlgit(repo, "status", "--remote", "--json").out)["artifacts"]
    assert {r["path"]: r["on_remote"] for r in rows}["new.bin"] == 1


def test_a_new_branch_merging_a_pushed_one_sends_only_its_own_commits(
        consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    assert _run(repo, env, "git", "checkout", "-q", "-b", "other").code == 0
    assert _track(repo, env, {"o/other.bin": "pushed with other"}, "other").code == 0
    assert _run(repo, env, "git", "push", "-q", "origin", "other").code == 0
    delete_object(repo, _oid(repo, "o/other.bin.mlgit"))
    assert _run(repo, env, "git", "checkout", "-q", "main").code == 0
    assert _run(repo, env, "git", "checkout", "-q", "-b", "topic").code == 0
    assert _track(repo, env, {"t/topic.bin": "topic"}, "topic").code == 0
    merged = _run(repo, env, "git", "merge", "-q", "--no-ff", "--no-edit", "other")
    assert merged.code == 0, merged
    pushed = _run(repo, env, "git", "push", "-q", "origin", "topic")
    assert pushed.code == 0, pushed.out  # other's commit is on origin already


def test_an_added_pointer_not_yet_staged_gets_the_verdict_of_gits_own_hook(
        consumer: tuple[Path, dict[str, str]]) -> None:
    # the framework stashes the unstaged pointer while its hooks run; Git's own hook sees it
    repo, env = consumer
    assert _track(repo, env, {"a.bin": "a"}, "v1").code == 0
    committed = git(repo, "show", "HEAD:a.bin.mlgit")
    write(repo / "a.bin", "new3")
    mlgit(repo, "add", "a.bin")  # the pointer is rewritten, not staged
    write(repo / "o3.txt", "o3")
    git(repo, "add", "o3.txt")
    done = _run(repo, env, "git", "commit", "-qm", "o3")
    assert done.code == 0, done
    assert git(repo, "show", "HEAD:a.bin.mlgit") == committed
    assert (repo / "a.bin").read_text() == "new3"
    assert "new3" not in committed and _oid(repo, "a.bin.mlgit") not in committed
    # an edit made after that `mlgit add` is still refused, with the hint to record it
    write(repo / "a.bin", "edited, never added")
    write(repo / "o4.txt", "o4")
    git(repo, "add", "o4.txt")
    refused = _run(repo, env, "git", "commit", "-qm", "o4")
    assert refused.code != 0
    said = refused.out + refused.err
    assert "error: a.bin: changed since its pointer a.bin.mlgit was written" in said
    assert "hint: record the new version with 'mlgit add a.bin'" in said
    assert git(repo, "log", "-1", "--format=%s").strip() == "o3"
