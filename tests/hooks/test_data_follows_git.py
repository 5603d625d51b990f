"""The post-checkout, post-merge and post-rewrite hooks, fired by real git commands: the data
follows the pointers, and only the artifacts whose pointers changed are touched."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import git, mlgit, write
from tests.hooks.helpers import fire, fire_ok, on_path, stamp, track

UNCHANGED = {f"keep/{i}.txt": f"same {i}" for i in range(5)}


def _branches(repo: Path) -> None:
    """main: keep/* and model.bin "v1"; side: model.bin "v2" and extra.bin; main checked
    out."""
    track(repo, {**UNCHANGED, "model.bin": "v1"})
    fire_ok(repo, "checkout", "-q", "-b", "side")
    track(repo, {"model.bin": "v2", "extra.bin": "only on side"})
    fire_ok(repo, "checkout", "-q", "main")


def test_switching_branches_touches_only_the_changed_artifacts(hooked: Path) -> None:
    _branches(hooked)
    assert (hooked / "model.bin").read_text() == "v1"
    assert not (hooked / "extra.bin").exists()
    before = {rel: stamp(hooked / rel) for rel in UNCHANGED}
    fire_ok(hooked, "checkout", "-q", "side")
    assert (hooked / "model.bin").read_text() == "v2"
    assert (hooked / "extra.bin").read_text() == "only on side"
    assert {rel: stamp(hooked / rel) for rel in UNCHANGED} == before
    fire_ok(hooked, "switch", "-q", "main")
    assert (hooked / "model.bin").read_text() == "v1"
    assert not (hooked / "extra.bin").exists()
    assert git(hooked, "status", "--porcelain") == ""
    assert mlgit(hooked, "status", "--quiet").code == 0


def test_an_artifact_changed_and_not_cached_is_left_as_is(hooked: Path) -> None:
    _branches(hooked)
    fire_ok(hooked, "checkout", "-q", "side")
    (hooked / "extra.bin").write_text("edited, never added")
    result = fire(hooked, "checkout", "-q", "main")
    assert result.code == 0
    assert (hooked / "extra.bin").read_text() == "edited, never added"
    assert "extra.bin" in result.err


def test_a_file_checkout_does_nothing(hooked: Path) -> None:
    _branches(hooked)
    (hooked / "model.bin").write_text("local edit")
    fire_ok(hooked, "checkout", "side", "--", "model.bin.mlgit")  # flag 0
    assert (hooked / "model.bin").read_text() == "local edit"


def test_detached_head_follows_too(hooked: Path) -> None:
    _branches(hooked)
    side = git(hooked, "rev-parse", "side").strip()
    fire_ok(hooked, "checkout", "-q", "--detach", side)
    assert (hooked / "model.bin").read_text() == "v2"
    fire_ok(hooked, "checkout", "-q", "main")
    assert (hooked / "model.bin").read_text() == "v1"


def test_a_merge_brings_the_merged_data(hooked: Path) -> None:
    _branches(hooked)
    before = {rel: stamp(hooked / rel) for rel in UNCHANGED}
    fire_ok(hooked, "merge", "-q", "side")
    assert (hooked / "model.bin").read_text() == "v2"
    assert (hooked / "extra.bin").read_text() == "only on side"
    assert {rel: stamp(hooked / rel) for rel in UNCHANGED} == before


def test_a_squash_merge_brings_the_merged_data(hooked: Path) -> None:
    _branches(hooked)
    fire_ok(hooked, "merge", "-q", "--squash", "side")
    assert (hooked / "model.bin").read_text() == "v2"
    assert (hooked / "extra.bin").read_text() == "only on side"


def test_a_pull_brings_the_data(hooked: Path, tmp_path: Path) -> None:
    _branches(hooked)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(hooked), str(clone))
    mlgit(clone, "install")
    # the objects of both branches, as 'mlgit fetch' of each would bring them
    shutil.copytree(hooked / ".mlgit" / "cache", clone / ".mlgit" / "cache",
                    dirs_exist_ok=True)
    mlgit(clone, "checkout")
    assert (clone / "model.bin").read_text() == "v1"
    fire_ok(clone, "pull", "-q", "--no-rebase", "origin", "side")
    assert (clone / "model.bin").read_text() == "v2"
    assert (clone / "extra.bin").read_text() == "only on side"


def test_a_rebase_moves_the_data_once_without_rewriting_unchanged_files(hooked: Path) -> None:
    _branches(hooked)
    track(hooked, {"m/main-only.bin": "from main"}, "main moves on")
    fire_ok(hooked, "checkout", "-q", "side")
    before = {rel: stamp(hooked / rel) for rel in UNCHANGED}
    model = stamp(hooked / "model.bin")
    result = fire(hooked, "rebase", "-q", "main")
    assert result.code == 0, result
    assert (hooked / "m/main-only.bin").read_text() == "from main"
    assert (hooked / "model.bin").read_text() == "v2"
    assert stamp(hooked / "model.bin") == model  # v2 before and after: not rewritten
    assert {rel: stamp(hooked / rel) for rel in UNCHANGED} == before
    assert git(hooked, "status", "--porcelain") == ""


def test_a_worktree_switch_follows(hooked: Path, tmp_path: Path) -> None:
    _branches(hooked)
    wt = tmp_path / "wt"
    fire_ok(hooked, "worktree", "add", "-q", str(wt), "-b", "wt", "main")
    assert (wt / "model.bin").read_text() == "v1"  # the worktree uses the main cache
    fire_ok(wt, "checkout", "-q", "side")
    assert (wt / "model.bin").read_text() == "v2"
    assert (hooked / "model.bin").read_text() == "v1"


def test_stage_outputs_follow_the_lock_file(hooked: Path) -> None:
    write(hooked / "in.txt", "input")
    mlgit(hooked, "stage", "add", "make", "-d", "in.txt", "-o", "out.txt",
          "-c", "cp in.txt out.txt")
    mlgit(hooked, "repro")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "pipeline")
    fire_ok(hooked, "checkout", "-q", "-b", "other")
    write(hooked / "in.txt", "changed input")
    mlgit(hooked, "repro")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "rerun")
    fire_ok(hooked, "checkout", "-q", "main")
    assert (hooked / "out.txt").read_text() == "input"
    fire_ok(hooked, "checkout", "-q", "other")
    assert (hooked / "out.txt").read_text() == "changed input"


def test_a_fast_forward_rebase_follows(hooked: Path) -> None:
    """A rebase of a branch with nothing of its own only checks out the new base: Git runs
    post-checkout (during the rebase) and no post-rewrite."""
    _branches(hooked)
    fire_ok(hooked, "checkout", "-q", "-b", "behind", "main")
    result = fire(hooked, "rebase", "-q", "side")
    assert result.code == 0, result
    assert git(hooked, "rev-parse", "HEAD") == git(hooked, "rev-parse", "side")
    assert (hooked / "model.bin").read_text() == "v2"
    assert (hooked / "extra.bin").read_text() == "only on side"


def test_a_rebase_whose_commits_are_all_upstream_follows(hooked: Path) -> None:
    """Every commit of the branch is already upstream (cherry-picked there): the rebase drops
    them all and ends on upstream's tip, which does not descend from the old HEAD. Git runs
    post-checkout (with the rebase's folder present) and no post-rewrite."""
    track(hooked, {"m.bin": "v1"})
    fire_ok(hooked, "checkout", "-q", "-b", "feat")
    track(hooked, {"m.bin": "feat"}, "feat")
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"o.bin": "other"}, "other")
    fire_ok(hooked, "cherry-pick", "feat")
    track(hooked, {"m.bin": "main2"}, "main2")
    fire_ok(hooked, "checkout", "-q", "feat")
    result = fire(hooked, "rebase", "main")
    assert result.code == 0, result
    assert git(hooked, "rev-parse", "HEAD") == git(hooked, "rev-parse", "main")
    assert (hooked / "m.bin").read_text() == "main2"
    assert (hooked / "o.bin").read_text() == "other"
    status = mlgit(hooked, "status").out
    assert "modified" not in status and "deleted" not in status, status


def test_a_pull_rebase_after_a_force_push_that_drops_every_own_commit_follows(
        hooked: Path, tmp_path: Path) -> None:
    """The clone's only commit was pushed, then force-pushed over: `git pull --rebase` drops
    it (fork-point) and ends on the new upstream tip, replaying nothing."""
    no_upload = {**on_path(), "MLGIT_SKIP_HOOKS": "1"}  # no mlgit remote: Git's part only
    track(hooked, {"m.bin": "v1"})
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(hooked, "remote", "add", "origin", str(tmp_path / "origin.git"))
    fire_ok(hooked, "push", "-q", "origin", "main", env=no_upload)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(tmp_path / "origin.git"), str(clone))
    for key, value in (("user.email", "t@t"), ("user.name", "t")):
        git(clone, "config", key, value)
    mlgit(clone, "install")
    shutil.copytree(hooked / ".mlgit" / "cache", clone / ".mlgit" / "cache",
                    dirs_exist_ok=True)
    mlgit(clone, "checkout")
    track(clone, {"n2.bin": "from the clone"}, "n2")
    fire_ok(clone, "push", "-q", "origin", "main", env=no_upload)
    track(hooked, {"n1.bin": "from upstream"}, "n1")
    fire_ok(hooked, "push", "-q", "-f", "origin", "main", env=no_upload)
    shutil.copytree(hooked / ".mlgit" / "cache", clone / ".mlgit" / "cache",
                    dirs_exist_ok=True)
    result = fire(clone, "pull", "-q", "--rebase", "origin", "main")
    assert result.code == 0, result
    assert git(clone, "rev-parse", "HEAD") == git(hooked, "rev-parse", "HEAD")
    assert (clone / "n1.bin").read_text() == "from upstream"
    assert not (clone / "n2.bin").exists()


def test_an_orphan_branch_takes_the_data_away_and_back(hooked: Path) -> None:
    track(hooked, {"model.bin": "m1", "data/a.txt": "a"})
    result = fire(hooked, "switch", "--orphan", "empty")
    assert result.code == 0, result
    assert "git diff failed" not in result.err
    assert not (hooked / "model.bin").exists() and not (hooked / "data/a.txt").exists()
    fire_ok(hooked, "switch", "main")
    assert (hooked / "model.bin").read_text() == "m1"
    assert (hooked / "data/a.txt").read_text() == "a"


def test_folders_emptied_by_removing_artifacts_go_and_others_stay(hooked: Path) -> None:
    track(hooked, {"keep/k.bin": "k"})
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    for rel in ("deep/er/still/m.bin", "keep/sub/s.bin", "shared/a.bin", "dir/in/f.txt"):
        write(hooked / rel, rel)
    mlgit(hooked, "add", "deep/er/still/m.bin", "keep/sub/s.bin", "shared/a.bin", "dir")
    (hooked / "shared" / "user-empty").mkdir()  # made by the user, empty: stays
    write(hooked / "deep" / "mine.txt", "the user's")
    git(hooked, "add", "-A", ":!deep/mine.txt")
    fire_ok(hooked, "commit", "-qm", "side")
    fire_ok(hooked, "checkout", "-q", "main")
    assert not (hooked / "deep" / "er").exists()  # emptied by the removal: gone
    assert (hooked / "deep" / "mine.txt").read_text() == "the user's"
    assert not (hooked / "keep" / "sub").exists()
    assert (hooked / "keep" / "k.bin").read_text() == "k"
    assert not (hooked / "shared" / "a.bin").exists()
    assert (hooked / "shared" / "user-empty").is_dir()  # holds something: stays
    assert not (hooked / "dir").exists()


def test_mlgit_checkout_removes_the_folders_it_emptied(hooked: Path) -> None:
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    track(hooked, {"a/b/c/m.bin": "m"})
    skip = {**on_path(), "MLGIT_SKIP_HOOKS": "1"}
    fire_ok(hooked, "checkout", "-q", "main", env=skip)
    assert (hooked / "a" / "b" / "c" / "m.bin").exists()  # Git left it: not its file
    mlgit(hooked, "checkout")
    assert not (hooked / "a").exists()
