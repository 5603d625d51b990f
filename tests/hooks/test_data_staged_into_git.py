"""Data that mlgit keeps out of Git never reaches a commit: the pre-commit hook refuses a
staged artifact's data (as after `git mv` of its pointer), a cached stage output (as a failed
run leaves it) and a temp file of an interrupted command; a clone hides those temp files from
Git (.git/info/exclude), and a stage's outputs are git-ignored before its command runs."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write
from tests.hooks.helpers import fire, fire_ok, track


def _tracked_by_git(repo: Path) -> list[str]:
    """The files HEAD's commit holds."""
    return git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines()


def test_the_data_of_a_pointer_moved_with_git_mv_is_refused(hooked: Path) -> None:
    track(hooked, {"model.bin": "m"})
    (hooked / "sub").mkdir()
    git(hooked, "mv", "model.bin.mlgit", "sub/model.bin.mlgit")
    (hooked / "model.bin").rename(hooked / "sub/model.bin")
    git(hooked, "add", "-A")
    result = fire(hooked, "commit", "-qm", "moved")
    assert result.code == 1, result
    assert ("error: sub/model.bin: the data of sub/model.bin (tracked by"
            " sub/model.bin.mlgit) is staged into Git") in result.err
    assert "hint: unstage it with 'git rm --cached -- sub/model.bin'" in result.err
    assert "sub/model.bin" not in _tracked_by_git(hooked)
    # the fix the hint gives: unstage, let mlgit add write the .gitignore line
    git(hooked, "rm", "-q", "--cached", "--", "sub/model.bin")
    mlgit(hooked, "add", "sub/model.bin")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "moved")
    assert "sub/model.bin" not in _tracked_by_git(hooked)
    assert "sub/model.bin.mlgit" in _tracked_by_git(hooked)


def test_a_file_inside_a_tracked_folder_is_refused(hooked: Path) -> None:
    write(hooked / "data/a.csv", "a")
    mlgit(hooked, "add", "data")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "folder")
    write(hooked / "data/new.csv", "n")
    git(hooked, "add", "-f", "data/new.csv")
    result = fire(hooked, "commit", "-qm", "forced")
    assert result.code == 1, result
    assert "error: data/new.csv: the data of data (tracked by data.mlgit)" in result.err


def test_a_failed_stage_output_is_ignored_and_refused_once_in_git(hooked: Path) -> None:
    added = mlgit(hooked, "stage", "add", "train", "-c",
                  "echo partial > model.bin && exit 1", "-o", "model.bin")
    assert "git add mlgit.yaml .gitignore" in added.out
    assert (hooked / ".gitignore").read_text() == "/model.bin\n"
    assert mlgit(hooked, "repro", code=1).code == 1
    assert (hooked / "model.bin").exists()
    git(hooked, "add", "-A")
    assert "model.bin" not in git(hooked, "diff", "--cached", "--name-only").split()
    # forced in anyway (or from before the .gitignore line): refused
    git(hooked, "add", "-f", "model.bin")
    result = fire(hooked, "commit", "-qm", "wip")
    assert result.code == 1, result
    assert "error: model.bin: an output of stage train, which mlgit caches, is staged into" \
        " Git" in result.err
    assert "model.bin" not in _tracked_by_git(hooked)


def test_the_output_of_a_stage_written_by_hand_is_ignored_before_it_runs(hooked: Path
                                                                        ) -> None:
    """A stage in mlgit.yaml edited by hand, not through `stage add`: its first run
    ignores the outputs before the command runs, so a failure leaves them ignored."""
    write(hooked / "mlgit.yaml", "stages:\n  s:\n    cmd: echo half > out.bin && exit 3\n"
                                 "    outs: [out.bin]\n")
    mlgit(hooked, "repro", code=1)
    assert git(hooked, "status", "--porcelain", "--", "out.bin") == ""
    assert "/out.bin" in (hooked / ".gitignore").read_text().splitlines()


def test_a_staged_mlgit_temp_file_is_refused(hooked: Path) -> None:
    track(hooked, {"big.bin": "x"})
    leftover = hooked / ".big.bin.12324-0.mlgit-tmp"
    write(leftover, "partial")
    assert git(hooked, "status", "--porcelain") == ""  # hidden by .git/info/exclude
    git(hooked, "add", "-f", leftover.name)
    result = fire(hooked, "commit", "-qm", "more work")
    assert result.code == 1, result
    assert f"error: {leftover.name}: a temp file an interrupted mlgit command left" in result.err
    assert leftover.name not in _tracked_by_git(hooked)


def test_init_and_install_hide_temp_files_from_git_once(gitrepo: Path) -> None:
    mlgit(gitrepo, "init")
    exclude = gitrepo / ".git/info/exclude"
    assert ".*.mlgit-tmp" in exclude.read_text().splitlines()
    mlgit(gitrepo, "install")
    mlgit(gitrepo, "init")
    assert exclude.read_text().splitlines().count(".*.mlgit-tmp") == 1
    write(gitrepo / "d/.x.bin.999-3.mlgit-tmp", "partial")
    assert "mlgit-tmp" not in git(gitrepo, "status", "--porcelain", "-uall")


def _move_with_git_mv(repo: Path) -> None:
    track(repo, {"model.bin": "m"})
    (repo / "sub").mkdir()
    git(repo, "mv", "model.bin.mlgit", "sub/model.bin.mlgit")
    (repo / "model.bin").rename(repo / "sub/model.bin")


def test_status_warns_when_git_does_not_ignore_an_artifact(hooked: Path) -> None:
    track(hooked, {"kept.bin": "k"})
    assert "warning" not in mlgit(hooked, "status").err
    _move_with_git_mv(hooked)
    result = mlgit(hooked, "status")
    assert ("warning: sub/model.bin: Git does not ignore this data (its .gitignore line is"
            " missing, as after 'git mv' of its pointer)") in result.err
    assert "kept.bin" not in result.err
    assert "'mlgit add sub/model.bin' writes the line" in result.err


def test_add_of_an_unchanged_artifact_writes_its_missing_gitignore_line(hooked: Path) -> None:
    _move_with_git_mv(hooked)
    added = mlgit(hooked, "add", "sub/model.bin")
    assert "git add sub/.gitignore" in added.out
    assert (hooked / "sub/.gitignore").read_text() == "/model.bin\n"
    assert "warning" not in mlgit(hooked, "status").err


def test_checkout_writes_the_missing_gitignore_line(hooked: Path) -> None:
    _move_with_git_mv(hooked)
    result = mlgit(hooked, "checkout")
    assert "run git add sub/.gitignore" in result.err
    assert (hooked / "sub/.gitignore").read_text() == "/model.bin\n"
    assert git(hooked, "status", "--porcelain", "--", "sub/model.bin") == ""
    assert "git add" not in mlgit(hooked, "checkout").err
