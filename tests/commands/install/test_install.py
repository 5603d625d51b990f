"""mlgit install / uninstall: where the hook scripts go, what they keep of a hook that was
there, and what they do when mlgit cannot run."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from mlgit.git.hooks import HOOK_NAMES, MARKER, VERSION
from tests.conftest import assert_clean_error, git, mlgit, write
from tests.hooks.helpers import fire, fire_ok, on_path, track, without_mlgit

FOREIGN = "#!/bin/sh\necho foreign-ran \"$@\" >> \"$(git rev-parse --git-dir)/../foreign.log\"\n"


@pytest.fixture
def repo(gitrepo: Path) -> Path:
    mlgit(gitrepo, "init")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "init")
    return gitrepo


def _hooks(root: Path) -> Path:
    return root / ".git" / "hooks"


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(folder.iterdir()) if not p.name.endswith(".sample")}


def test_install_writes_every_hook_and_a_second_install_changes_nothing(repo: Path) -> None:
    out = mlgit(repo, "install", "--json")
    hooks = json.loads(out.out)["hooks"]
    assert [h["name"] for h in hooks] == list(HOOK_NAMES)
    assert {h["outcome"] for h in hooks} == {"installed"}
    first = _snapshot(_hooks(repo))
    for name in HOOK_NAMES:
        script = (_hooks(repo) / name).read_text()
        assert MARKER in script and f'exec mlgit hook {name} "$@"' in script
        assert os.access(_hooks(repo) / name, os.X_OK)
    again = json.loads(mlgit(repo, "install", "--json").out)["hooks"]
    assert {h["outcome"] for h in again} == {"unchanged"}
    assert _snapshot(_hooks(repo)) == first


def test_hook_option_installs_only_the_named_hooks(repo: Path) -> None:
    mlgit(repo, "install", "--hook", "pre-push", "--hook", "post-checkout")
    names = {p.name for p in _hooks(repo).iterdir() if not p.name.endswith(".sample")}
    assert names == {"pre-push", "post-checkout", "post-rewrite"}


def test_an_unknown_hook_is_refused(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "install", "--hook", "pre-rebase", code=1),
                       "unknown hook 'pre-rebase'")


def test_the_unknown_hook_hint_names_every_hook_install_takes(repo: Path) -> None:
    refused = mlgit(repo, "install", "--hook", "pre-rebase", code=1)
    for name in HOOK_NAMES:
        assert name in refused.err.splitlines()[1], (name, refused.err)
    mlgit(repo, "install", "--hook", "post-rewrite")  # named in the hint, so taken
    assert (_hooks(repo) / "post-rewrite").exists()


def test_install_in_a_repository_without_mlgit_is_refused_and_writes_nothing(
        gitrepo: Path) -> None:
    before = sorted(p.name for p in gitrepo.iterdir())
    hooks_before = _snapshot(_hooks(gitrepo))
    config_before = (gitrepo / ".git" / "config").read_bytes()
    assert_clean_error(mlgit(gitrepo, "install", code=1),
                       "mlgit is not initialised in this repository", "mlgit init")
    assert_clean_error(mlgit(gitrepo, "install", "--hook", "pre-push", code=1),
                       "mlgit is not initialised")
    assert sorted(p.name for p in gitrepo.iterdir()) == before  # no .gitattributes
    assert _snapshot(_hooks(gitrepo)) == hooks_before
    assert (gitrepo / ".git" / "config").read_bytes() == config_before
    assert git(gitrepo, "status", "--porcelain") == ""


def test_an_older_mlgit_hook_is_upgraded(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", f"#!/bin/sh\n{MARKER}\n# mlgit-hook-version: 0\n")
    out = json.loads(mlgit(repo, "install", "--hook", "pre-commit", "--json").out)
    assert out["hooks"][0]["outcome"] == "upgraded"
    assert f"mlgit-hook-version: {VERSION}" in (_hooks(repo) / "pre-commit").read_text()
    assert not (_hooks(repo) / "pre-commit.mlgit-previous").exists()


def test_a_foreign_hook_is_kept_runs_first_and_comes_back_exactly(repo: Path) -> None:
    foreign = write(_hooks(repo) / "post-checkout", FOREIGN)
    foreign.chmod(0o751)
    before = _snapshot(_hooks(repo))
    out = mlgit(repo, "install")
    assert "post-checkout: installed; the hook that was there runs first" in out.out
    git(repo, "branch", "other")
    fire(repo, "checkout", "-q", "other")
    assert (repo / "foreign.log").read_text().split()[0] == "foreign-ran"
    (repo / "foreign.log").unlink()
    out = mlgit(repo, "uninstall")
    assert "post-checkout: removed; the hook that was there before is back" in out.out
    assert _snapshot(_hooks(repo)) == before


def test_a_failing_foreign_pre_commit_still_stops_the_commit(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", "#!/bin/sh\necho no >&2\nexit 7\n").chmod(0o755)
    mlgit(repo, "install")
    write(repo / "f.txt", "x")
    git(repo, "add", "f.txt")
    result = fire(repo, "commit", "-qm", "x")
    assert result.code != 0 and "no" in result.err
    assert git(repo, "log", "--format=%s").split() == ["init"]
    direct = subprocess.run([str(_hooks(repo) / "pre-commit")], cwd=repo, env=on_path())
    assert direct.returncode == 7  # the kept hook's own exit code


def test_a_foreign_pre_push_hook_reads_the_refs_too(repo: Path, tmp_path: Path) -> None:
    write(_hooks(repo) / "pre-push", "#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/refs.seen\"\n"
          ).chmod(0o755)
    mlgit(repo, "install")
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "bare.git"))
    assert fire(repo, "push", "-q", "origin", "main").code == 0
    seen = (repo / ".git" / "refs.seen").read_text().split()
    assert seen[0] == "refs/heads/main" and seen[2] == "refs/heads/main"


def test_core_hooks_path_to_a_shared_folder(repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-hooks"
    git(repo, "config", "core.hooksPath", str(shared))
    mlgit(repo, "install")
    assert sorted(p.name for p in shared.iterdir()) == sorted(HOOK_NAMES)
    assert not (_hooks(repo) / "pre-commit").exists()
    track(repo, {"d.bin": "one"})
    git(repo, "checkout", "-q", "-b", "side")
    track(repo, {"d.bin": "two"})
    fire(repo, "checkout", "-q", "main")
    assert (repo / "d.bin").read_text() == "one"  # the shared hook ran
    mlgit(repo, "uninstall")
    assert list(shared.iterdir()) == []


def test_in_a_worktree_the_hooks_go_to_the_common_git_dir(repo: Path, tmp_path: Path) -> None:
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    mlgit(tmp_path / "wt", "install")
    assert sorted(p.name for p in _hooks(repo).iterdir() if not p.name.endswith(".sample")) \
        == sorted(HOOK_NAMES)


def test_uninstall_leaves_another_programs_hook_alone(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", FOREIGN).chmod(0o755)
    out = mlgit(repo, "uninstall", "--hook", "pre-commit")
    assert "pre-commit: not mlgit's hook; left alone" in out.out
    assert (_hooks(repo) / "pre-commit").read_text() == FOREIGN


def test_a_second_foreign_hook_over_a_kept_one_is_refused(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", FOREIGN).chmod(0o755)
    mlgit(repo, "install")
    write(_hooks(repo) / "pre-commit", "#!/bin/sh\nexit 0\n")
    assert_clean_error(mlgit(repo, "install", code=1), "pre-commit.mlgit-previous")
    assert (_hooks(repo) / "pre-commit.mlgit-previous").read_text() == FOREIGN


def test_without_mlgit_on_path_a_hook_says_so_and_only_pre_push_fails(repo: Path,
                                                                      tmp_path: Path) -> None:
    mlgit(repo, "install")
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "bare.git"))
    git(repo, "branch", "other")
    switched = fire(repo, "checkout", "-q", "other", env=without_mlgit())
    assert switched.code == 0
    assert "'mlgit' is not on PATH" in switched.err
    assert len(switched.err.strip().splitlines()) == 1
    pushed = fire(repo, "push", "-q", "origin", "other", env=without_mlgit())
    assert pushed.code != 0
    assert "stopped the push" in pushed.err and "'mlgit' is not on PATH" in pushed.err
    assert git(tmp_path / "bare.git", "branch").strip() == ""


def test_hooks_in_a_repository_without_mlgit_say_nothing(gitrepo: Path, tmp_path: Path) -> None:
    mlgit(gitrepo, "init")
    mlgit(gitrepo, "install")
    shutil.rmtree(gitrepo / ".mlgit")  # as in a repository sharing another's core.hooksPath
    (gitrepo / ".gitattributes").unlink()
    write(gitrepo / "f.txt", "x")
    git(gitrepo, "add", "f.txt")
    for env in (on_path(), without_mlgit()):
        committed = fire(gitrepo, "commit", "-qm", "x", "--allow-empty", env=env)
        assert (committed.code, committed.err) == (0, "")
        switched = fire(gitrepo, "checkout", "-q", "-b", f"b{len(env['PATH'])}", env=env)
        assert (switched.code, switched.err) == (0, "")
    assert mlgit(gitrepo, "hook", "pre-commit").err == ""


def test_mlgit_skip_hooks_skips_them(repo: Path) -> None:
    mlgit(repo, "install")
    track(repo, {"d.bin": "one"})
    (repo / "d.bin").write_text("changed")
    result = fire(repo, "commit", "-qm", "x", "--allow-empty",
                  env={**on_path(), "MLGIT_SKIP_HOOKS": "1"})
    assert result.code == 0, result
    refused = fire(repo, "commit", "-qm", "y", "--allow-empty")
    assert refused.code == 1 and "d.bin: changed since its pointer" in refused.err


def test_install_registers_the_merge_driver_and_uninstall_removes_it(repo: Path) -> None:
    first = json.loads(mlgit(repo, "install", "--json").out)
    assert first["merge_driver"] == ["git config", ".gitattributes"]
    assert "*.mlgit merge=mlgit" in (repo / ".gitattributes").read_text()
    assert git(repo, "config", "merge.mlgit.driver").startswith("mlgit merge-driver")
    assert json.loads(mlgit(repo, "install", "--json").out)["merge_driver"] == []
    assert json.loads(mlgit(repo, "install", "--hook", "pre-push", "--json").out)[
        "merge_driver"] is None  # only what was named
    mlgit(repo, "uninstall")
    assert not (repo / ".gitattributes").exists()  # it held only the driver's lines
    assert subprocess.run(["git", "config", "merge.mlgit.driver"], cwd=repo).returncode == 1


DISPATCHER = """hookName=$(basename "$0")
case "$hookName" in
  pre-commit) echo "lint refused $hookName $*" >&2; exit 3;;
  *) exit 0;;
esac
"""


@pytest.mark.parametrize("shebang", ["#!/bin/sh\n", "#!/usr/bin/env bash\n", "#!/bin/sh -e\n"])
def test_a_kept_hook_that_dispatches_on_its_own_name_still_runs(repo: Path,
                                                                shebang: str) -> None:
    write(_hooks(repo) / "dispatch.sh", DISPATCHER)
    write(_hooks(repo) / "pre-commit", shebang + '. "$(dirname "$0")/dispatch.sh"\n').chmod(0o755)
    mlgit(repo, "install")
    write(repo / "f.txt", "x")
    git(repo, "add", "f.txt")
    result = fire(repo, "commit", "-qm", "x")
    assert result.code != 0 and "lint refused pre-commit" in result.err, result
    assert git(repo, "log", "--format=%s").split() == ["init"]


HUSKY_H = """#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

if [ -f "$HOME/.huskyrc" ]; then
	echo "husky - '~/.huskyrc' is DEPRECATED, please move your code to ~/.config/husky/init.sh"
fi
i="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
"""


def test_husky_v9_hooks_still_run(repo: Path) -> None:
    """husky 9's layout: core.hooksPath=.husky/_, each hook sources `h`, which runs
    .husky/NAME for the NAME of $0."""
    wrappers = repo / ".husky" / "_"
    write(wrappers / "h", HUSKY_H)
    for name in ("pre-commit", "pre-push", "post-checkout"):
        write(wrappers / name, '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n').chmod(0o755)
    write(repo / ".husky" / "pre-commit", 'echo "husky: running lint" >&2\nexit 1\n')
    git(repo, "config", "core.hooksPath", ".husky/_")
    mlgit(repo, "install")
    write(repo / "f.txt", "x")
    git(repo, "add", "f.txt")
    result = fire(repo, "commit", "-qm", "x")
    assert result.code != 0, result
    assert "husky: running lint" in result.err
    assert "husky - pre-commit script failed (code 1)" in result.out + result.err
    assert git(repo, "log", "--format=%s").split() == ["init"]


def _framework_migrates(repo: Path) -> None:
    """What `pre-commit install` does to a hook it finds (migration mode): it renames it
    NAME.legacy, writes its own script, and runs the legacy one from it."""
    hook = _hooks(repo) / "pre-commit"
    hook.rename(_hooks(repo) / "pre-commit.legacy")
    write(hook, '#!/bin/sh\n"$0.legacy" "$@" || exit $?\n').chmod(0o755)


def test_uninstall_says_mlgit_still_runs_as_a_framework_legacy_hook(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", FOREIGN).chmod(0o755)
    mlgit(repo, "install")
    _framework_migrates(repo)
    out = mlgit(repo, "uninstall")
    assert "pre-commit: mlgit's hook is still run, as pre-commit.legacy" in out.out, out


def test_a_refused_install_changes_nothing(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", FOREIGN).chmod(0o755)
    mlgit(repo, "install", "--hook", "pre-commit")
    _framework_migrates(repo)
    before = _snapshot(_hooks(repo))
    result = mlgit(repo, "install", code=1)
    assert_clean_error(result, "pre-commit.mlgit-previous", "pre-commit.legacy")
    assert _snapshot(_hooks(repo)) == before  # no post-* written, pre-push not half-done


def test_a_locally_edited_mlgit_hook_is_kept_as_a_copy(repo: Path) -> None:
    mlgit(repo, "install", "--hook", "pre-commit")
    hook = _hooks(repo) / "pre-commit"
    edited = hook.read_text() + "echo my addition\n"
    hook.write_text(edited)
    out = mlgit(repo, "install", "--hook", "pre-commit")
    assert "upgraded" not in out.out
    assert "pre-commit.mlgit-edited" in out.out, out
    assert (_hooks(repo) / "pre-commit.mlgit-edited").read_text() == edited
    assert "my addition" not in hook.read_text()


def test_gitignore_lines_of_two_branches_merge_without_a_conflict(repo: Path) -> None:
    mlgit(repo, "install")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "install")
    git(repo, "checkout", "-qb", "one")
    (repo / "d").mkdir()
    write(repo / "d" / "one.bin", "1")
    mlgit(repo, "add", "d/one.bin")
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", "one")
    git(repo, "checkout", "-q", "-")
    git(repo, "checkout", "-qb", "two")
    write(repo / "d" / "two.bin", "2")
    mlgit(repo, "add", "d/two.bin")
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", "two")
    merged = fire(repo, "merge", "--no-edit", "one")
    assert merged.code == 0, merged
    assert sorted((repo / "d" / ".gitignore").read_text().splitlines()) == ["/one.bin",
                                                                           "/two.bin"]
    mlgit(repo, "uninstall")
    assert not (repo / ".gitattributes").exists()  # the union line went with the others


FAKE_INTERPRETER = """#!/bin/sh
# stands in for a shell of another language: sh code given with -c fails in it
if [ "$1" = "-c" ]; then echo "$(basename "$0"): cannot parse sh code" >&2; exit 1; fi
echo "$(basename "$0") ran $1" >&2
"""


@pytest.mark.parametrize("interpreter", ["pwsh", "xonsh", "elvish"])
def test_a_kept_hook_of_a_shell_that_is_not_posix_runs_as_git_would(
        repo: Path, tmp_path: Path, interpreter: str) -> None:
    bin_dir = tmp_path / "bin"
    write(bin_dir / interpreter, FAKE_INTERPRETER).chmod(0o755)
    write(_hooks(repo) / "pre-commit", f"#!/usr/bin/env {interpreter}\nWrite-Host lint\n"
          ).chmod(0o755)
    mlgit(repo, "install")
    write(repo / "f.txt", "x")
    git(repo, "add", "f.txt")
    env = on_path()
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    result = fire(repo, "commit", "-qm", "x", env=env)
    assert result.code == 0, result
    assert f"{interpreter} ran " in result.err and "pre-commit.mlgit-previous" in result.err


def test_a_kept_hook_whose_shebang_ends_the_options_still_runs(repo: Path) -> None:
    write(_hooks(repo) / "pre-commit", '#!/bin/sh -\necho "lint ran as $(basename "$0")" >&2\n'
          "exit 0\n").chmod(0o755)
    mlgit(repo, "install")
    write(repo / "f.txt", "x")
    git(repo, "add", "f.txt")
    result = fire(repo, "commit", "-qm", "x")
    assert result.code == 0, result
    assert "lint ran as pre-commit" in result.err


def test_a_bare_repository_is_named_as_one(tmp_path: Path) -> None:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    for args in (["install"], ["init"], ["status"]):
        result = mlgit(bare, *args, code=1)
        assert_clean_error(result, "a bare Git repository, which has no work tree",
                           "run mlgit in a clone of it")


def test_install_into_a_global_hooks_path_says_it_serves_every_repository(
        repo: Path, tmp_path: Path) -> None:
    shared = tmp_path / "global-hooks"
    git(repo, "config", "--global", "core.hooksPath", str(shared))
    result = mlgit(repo, "install")
    assert (shared / "pre-commit").exists()
    assert "warning: core.hooksPath comes from" in result.err
    assert "serves every repository that uses it" in result.err
    git(repo, "config", "--global", "--unset", "core.hooksPath")
    git(repo, "config", "core.hooksPath", str(shared))  # this repository's own choice
    assert "warning" not in mlgit(repo, "install").err
