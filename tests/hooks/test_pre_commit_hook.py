"""The pre-commit hook, fired by real `git commit`: it refuses commits whose pointers do not
match the data, or that hold a pointer in merge conflict or one whose data is not cached."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import delete_object, git, mlgit, write
from tests.hooks.helpers import fire, fire_ok, on_path, track


def _commits(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%s").split("\n")[:-1]


def test_data_changed_without_its_pointer_refuses_the_commit(hooked: Path) -> None:
    track(hooked, {"data/model.bin": "v1", "other.bin": "fine"})
    (hooked / "data/model.bin").write_text("v2")
    write(hooked / "notes.txt", "x")
    git(hooked, "add", "notes.txt")
    result = fire(hooked, "commit", "-qm", "notes")
    assert result.code == 1
    assert "error: data/model.bin: changed since its pointer data/model.bin.mlgit was written" \
        in result.err
    assert "hint: record the new version with 'mlgit add data/model.bin'" in result.err
    assert "other.bin" not in result.err
    assert _commits(hooked) == ["data", "init"]
    mlgit(hooked, "add", "data/model.bin")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "v2")


def test_a_staged_pointer_whose_object_is_not_cached_is_refused(hooked: Path) -> None:
    write(hooked / "m.bin", "content")
    mlgit(hooked, "add", "m.bin")
    oid = (hooked / "m.bin.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    delete_object(hooked, oid)
    (hooked / "m.bin").unlink()  # the data is gone too: nothing could restore it
    git(hooked, "add", "-A")
    result = fire(hooked, "commit", "-qm", "m")
    assert result.code == 1
    assert f"m.bin.mlgit: its object {oid[:12]} is not in the cache" in result.err
    # no m.bin for 'mlgit add' to record: the hint leads to a remote
    assert "hint: get the data with 'mlgit fetch m.bin'" in result.err
    assert "mlgit add" not in result.err
    assert _commits(hooked) == ["init"]


def test_a_merge_conflict_in_a_pointer_is_refused_by_name(hooked: Path) -> None:
    track(hooked, {"d/model.bin": "base"})
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    track(hooked, {"d/model.bin": "side version"})
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"d/model.bin": "main version"})
    merged = fire(hooked, "merge", "-q", "side")
    assert merged.code != 0 and "d/model.bin.mlgit" in merged.out
    # commit the file with its conflict markers, as a hurried user might
    git(hooked, "add", "d/model.bin.mlgit")
    result = fire(hooked, "commit", "-qm", "merge")
    assert result.code == 1
    assert "error: merge conflict in d/model.bin.mlgit" in result.err
    assert "git checkout --ours -- d/model.bin.mlgit" in result.err
    fire_ok(hooked, "checkout", "side", "--", "d/model.bin.mlgit")
    mlgit(hooked, "checkout", "--force", "d/model.bin")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "merge")
    assert (hooked / "d/model.bin").read_text() == "side version"


def test_a_pointer_conflict_in_a_rebase_says_which_side_is_which(hooked: Path) -> None:
    """In a rebase --ours is the branch rebased onto and --theirs the user's own commit:
    the hint says so, or a user keeping "mine" with --ours would lose it."""
    track(hooked, {"m.bin": "base"})
    fire_ok(hooked, "checkout", "-q", "-b", "mine")
    track(hooked, {"m.bin": "my version"})
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"m.bin": "upstream version"})
    fire_ok(hooked, "checkout", "-q", "mine")
    assert fire(hooked, "rebase", "main").code != 0
    git(hooked, "add", "m.bin.mlgit")  # with its conflict markers
    result = fire(hooked, "commit", "-qm", "resolved")
    assert result.code == 1
    assert "(in this rebase, --ours is the branch rebased onto and --theirs your own" \
        " commit)" in result.err, result.err
    fire_ok(hooked, "rebase", "--abort")


def test_an_invalid_staged_pointer_is_refused(hooked: Path) -> None:
    write(hooked / "x.bin.mlgit", "version: 1\nkind: banana\n")
    git(hooked, "add", "x.bin.mlgit")
    result = fire(hooked, "commit", "-qm", "x")
    assert result.code == 1 and "x.bin.mlgit" in result.err
    assert _commits(hooked) == ["init"]


def test_a_clean_commit_passes_quietly(hooked: Path) -> None:
    track(hooked, {"a.bin": "a"})
    write(hooked / "readme.txt", "hello")
    git(hooked, "add", "readme.txt")
    result = fire_ok(hooked, "commit", "-qm", "readme")
    assert result.err == ""


def _pipeline(repo: Path) -> None:
    write(repo / "in.txt", "input")
    mlgit(repo, "stage", "add", "make", "-d", "in.txt", "-o", "out.txt",
          "-c", "cp in.txt out.txt")
    mlgit(repo, "repro")
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", "pipeline")
    write(repo / "in.txt", "changed")
    git(repo, "add", "in.txt")


def test_a_stale_stage_is_a_warning(hooked: Path) -> None:
    _pipeline(hooked)
    result = fire(hooked, "commit", "-qm", "input changed")
    assert result.code == 0, result
    assert "warning: stage make is stale" in result.err


def test_a_stale_stage_refuses_the_commit_when_configured(hooked: Path) -> None:
    mlgit(hooked, "config", "hooks.pre_commit.stale_stages", "error")
    _pipeline(hooked)
    result = fire(hooked, "commit", "-qm", "input changed")
    assert result.code == 1
    assert "error: stage make is stale" in result.err
    assert "hint: run 'mlgit repro'" in result.err


def test_commit_all_checks_the_index_git_is_about_to_commit(hooked: Path) -> None:
    """`git commit -a` stages into a temporary index (GIT_INDEX_FILE): that is what the
    hook must check, not the repository's own index."""
    track(hooked, {"m.bin": "v1"})
    pointer = hooked / "m.bin.mlgit"
    pointer.write_text(f"<<<<<<< HEAD\n{pointer.read_text()}=======\nother\n>>>>>>> side\n")
    result = fire(hooked, "commit", "-qam", "all")
    assert result.code == 1, result
    assert "error: merge conflict in m.bin.mlgit" in result.err
    assert _commits(hooked) == ["data", "init"]


def test_data_left_behind_by_a_stopped_merge_is_named_as_not_checked_out(hooked: Path) -> None:
    # a merge that stops on a conflict runs no post-merge hook: the pointers that merged
    # cleanly name the other side's data while the work tree still holds HEAD's
    track(hooked, {"a.bin": "base a", "b.bin": "base b"})
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    track(hooked, {"a.bin": "side a", "b.bin": "side b"})
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"a.bin": "main a"})
    assert fire(hooked, "merge", "-q", "side").code != 0
    fire_ok(hooked, "checkout", "--theirs", "--", "a.bin.mlgit")
    git(hooked, "add", "a.bin.mlgit")
    result = fire(hooked, "commit", "-qm", "merge")
    assert result.code == 1
    for rel in ("a.bin", "b.bin"):
        assert (f"error: {rel}: its data is still the version of HEAD, not the one its"
                f" pointer {rel}.mlgit now names") in result.err
        assert f"hint: get the data the pointer names with 'mlgit checkout {rel}'" in result.err
    assert "mlgit add" not in result.err  # that would record main's data over side's
    mlgit(hooked, "checkout")
    fire_ok(hooked, "commit", "-qm", "merge")
    assert (hooked / "a.bin").read_text() == "side a"
    assert (hooked / "b.bin").read_text() == "side b"


def test_data_a_checkout_could_not_place_points_to_pull_first(hooked: Path) -> None:
    track(hooked, {"a.bin": "main a"})
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    track(hooked, {"a.bin": "side a"})
    oid = (hooked / "a.bin.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    fire_ok(hooked, "checkout", "-q", "main")
    delete_object(hooked, oid)  # side's data is on no one's disk here: the hook cannot place it
    fire(hooked, "checkout", "-q", "side")
    assert (hooked / "a.bin").read_text() == "main a"
    write(hooked / "notes.txt", "x")
    git(hooked, "add", "notes.txt")
    result = fire(hooked, "commit", "-qm", "notes")
    assert result.code == 1
    assert ("error: a.bin: differs from what its pointer a.bin.mlgit names, and that data is"
            " not in the cache") in result.err
    assert "hint: get it with 'mlgit pull a.bin'" in result.err


def test_hints_for_a_name_with_a_leading_dash_can_be_pasted(hooked: Path) -> None:
    write(hooked / "-d.bin", "v1")
    mlgit(hooked, "add", "--", "-d.bin")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "d")
    write(hooked / "-d.bin", "v2")
    result = fire(hooked, "commit", "--allow-empty", "-qm", "e")
    assert result.code == 1
    assert "'mlgit add -- -d.bin' (then 'git add -- -d.bin.mlgit')" in result.err
    assert "'mlgit checkout --force -- -d.bin'" in result.err
    mlgit(hooked, "checkout", "--force", "--", "-d.bin")
    assert (hooked / "-d.bin").read_text() == "v1"


def _hinted(text: str, command: str) -> str:
    """The command `command ...` a hint names, without the quotes around it."""
    found = re.search(rf"(['\"`])({re.escape(command)} .*?)\1", text)
    assert found, (command, text)
    return found.group(2)


@pytest.mark.parametrize("name", ["my file.bin", "it's here.bin", 'say "hi".bin'])
def test_hints_for_odd_names_quote_each_path_once_and_can_be_pasted(hooked: Path,
                                                                     name: str) -> None:
    track(hooked, {name: "v1"})
    write(hooked / name, "v2")
    result = fire(hooked, "commit", "--allow-empty", "-qm", "e")
    assert result.code == 1
    hint = next(line for line in result.err.splitlines() if line.startswith("hint:"))
    for command, path in (("mlgit add", name), ("git add", f"{name}.mlgit"),
                          ("mlgit checkout --force", name)):
        words = subprocess.run(["sh", "-c", f"printf '%s\\0' {_hinted(hint, command)}"],
                               capture_output=True, text=True, check=True).stdout
        assert words.split("\0")[:-1] == [*command.split(), path], hint
    undo = _hinted(hint, "mlgit checkout --force")
    pasted = subprocess.run(["sh", "-c", undo], cwd=hooked, env=on_path(),
                            capture_output=True, text=True)
    assert pasted.returncode == 0, (undo, pasted.stderr)
    assert (hooked / name).read_text() == "v1"


def _refusal(repo: Path) -> str:
    result = fire(repo, "commit", "--allow-empty", "-qm", "next")
    assert result.code == 1, result
    return result.err


def test_after_git_reset_hard_the_hint_is_checkout_not_add(hooked: Path) -> None:
    track(hooked, {"m.bin": "v1"})
    write(hooked / "d" / "a.txt", "a1")
    mlgit(hooked, "add", "d")  # a folder artifact too
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "folder")
    for rel, data in {"m.bin": "v2", "d/a.txt": "a2"}.items():
        write(hooked / rel, data)
    mlgit(hooked, "add", "m.bin", "d")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "v2")
    fire_ok(hooked, "reset", "-q", "--hard", "HEAD~1")  # no hook: the data stays v2
    err = _refusal(hooked)
    for rel in ("m.bin", "d"):
        assert f"error: {rel}: its data is a version the cache already holds" in err
        assert f"bring the data in line with its pointer with 'mlgit checkout {rel}'" in err
    assert "record the new version" not in err
    mlgit(hooked, "checkout", "m.bin", "d")
    assert (hooked / "m.bin").read_text() == "v1"
    assert (hooked / "d" / "a.txt").read_text() == "a1"
    fire_ok(hooked, "commit", "--allow-empty", "-qm", "next")


def test_after_git_stash_the_hint_is_checkout_and_a_new_edit_is_add(hooked: Path) -> None:
    track(hooked, {"m.bin": "v1"})
    write(hooked / "m.bin", "v2")
    mlgit(hooked, "add", "m.bin")
    fire_ok(hooked, "stash", "-q")  # the pointer goes back to v1, the data stays v2
    err = _refusal(hooked)
    assert "'mlgit checkout m.bin'" in err and "record the new version" not in err
    fire_ok(hooked, "stash", "pop", "-q")  # pointer and data agree again
    fire_ok(hooked, "commit", "-qam", "v2")
    write(hooked / "m.bin", "v3, never added")
    err = _refusal(hooked)
    assert "m.bin: changed since its pointer" in err
    assert "record the new version with 'mlgit add m.bin'" in err


def test_after_cherry_pick_and_revert_the_hint_is_checkout_not_add(hooked: Path) -> None:
    # Git runs no post-checkout, post-merge or post-rewrite for them: HEAD's pointer is the
    # picked one, the data is still the version from before
    track(hooked, {"m.bin": "m"})
    fire_ok(hooked, "checkout", "-q", "-b", "cp")
    track(hooked, {"m.bin": "cp"}, "cp")
    fire_ok(hooked, "checkout", "-q", "main")
    fire_ok(hooked, "cherry-pick", "cp")
    assert (hooked / "m.bin").read_text() == "m"
    err = _refusal(hooked)
    assert "error: m.bin: its data is a version the cache already holds" in err
    assert "'git cherry-pick'" in err
    assert "hint: bring the data in line with its pointer with 'mlgit checkout m.bin'" in err
    assert "record the new version" not in err
    mlgit(hooked, "checkout", "m.bin")
    assert (hooked / "m.bin").read_text() == "cp"
    fire_ok(hooked, "revert", "--no-edit", "HEAD")
    assert (hooked / "m.bin").read_text() == "cp"
    err = _refusal(hooked)
    assert "hint: bring the data in line with its pointer with 'mlgit checkout m.bin'" in err
    mlgit(hooked, "checkout", "m.bin")
    assert (hooked / "m.bin").read_text() == "m"
    fire_ok(hooked, "commit", "--allow-empty", "-qm", "next")


def test_a_merge_commits_the_other_sides_pointer_without_its_data(hooked: Path) -> None:
    # the other side's artifact comes unchanged from MERGE_HEAD; its data was never here
    track(hooked, {"base.txt": "base"})
    fire_ok(hooked, "checkout", "-q", "-b", "side")
    track(hooked, {"a/q1.bin": "from the teammate"}, "q1")
    oid = (hooked / "a" / "q1.bin.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"b/q2.bin": "mine"}, "q2")
    delete_object(hooked, oid)
    fire_ok(hooked, "merge", "--no-commit", "--no-ff", "side")
    assert not (hooked / "a/q1.bin").exists()
    fire_ok(hooked, "commit", "--no-edit")
    assert _commits(hooked)[0].startswith("Merge branch 'side'")
    # a pointer the merge changed to data no parent names still needs its data here
    fire_ok(hooked, "checkout", "-q", "-b", "side2", "side")
    track(hooked, {"c/q3.bin": "v1"}, "q3")
    fire_ok(hooked, "checkout", "-q", "main")
    fire_ok(hooked, "merge", "--no-commit", "--no-ff", "side2")
    write(hooked / "c" / "q3.bin", "neither side's")
    mlgit(hooked, "add", "c/q3.bin")
    oid3 = (hooked / "c" / "q3.bin.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    delete_object(hooked, oid3)
    (hooked / "c" / "q3.bin").unlink()
    git(hooked, "add", "c/q3.bin.mlgit")
    result = fire(hooked, "commit", "--no-edit")
    assert result.code == 1, result
    assert f"error: c/q3.bin.mlgit: its object {oid3[:12]} is not in the cache" in result.err
    assert "hint: get the data with 'mlgit fetch c/q3.bin'" in result.err
    assert "a/q1.bin" not in result.err


def test_after_a_rebase_abort_the_hint_is_checkout_not_add(hooked: Path) -> None:
    # the documented fix of a pointer conflict placed upstream's data; --abort runs no hook
    track(hooked, {"m.bin": "v1"})
    fire_ok(hooked, "checkout", "-q", "-b", "feat")
    track(hooked, {"m.bin": "feat"}, "feat")
    fire_ok(hooked, "checkout", "-q", "main")
    track(hooked, {"m.bin": "main2"}, "main2")
    fire_ok(hooked, "checkout", "-q", "feat")
    assert fire(hooked, "rebase", "main").code != 0
    fire_ok(hooked, "checkout", "--ours", "--", "m.bin.mlgit")
    mlgit(hooked, "checkout")
    assert (hooked / "m.bin").read_text() == "main2"
    fire_ok(hooked, "rebase", "--abort")
    assert (hooked / "m.bin").read_text() == "main2"  # no hook ran
    err = _refusal(hooked)
    assert "hint: bring the data in line with its pointer with 'mlgit checkout m.bin'" in err
    assert "record the new version" not in err
    mlgit(hooked, "checkout", "m.bin")
    assert (hooked / "m.bin").read_text() == "feat"


def test_a_stale_stage_of_a_subfolder_pipeline_is_refused_when_set_to(hooked: Path) -> None:
    mlgit(hooked, "config", "--local", "hooks.pre_commit.stale_stages", "error")
    write(hooked / "sub/in.txt", "in")
    mlgit(hooked / "sub", "stage", "add", "s", "-c", "cp in.txt out.txt", "-d", "in.txt",
          "-o", "out.txt")
    mlgit(hooked / "sub", "repro")
    git(hooked, "add", "-A")
    fire_ok(hooked, "commit", "-qm", "s")
    write(hooked / "sub/in.txt", "changed")
    git(hooked, "add", "sub/in.txt")
    result = fire(hooked, "commit", "-qm", "stale")
    assert result.code == 1, result
    assert "error: stage sub/mlgit.yaml:s is stale (dep changed: sub/in.txt" in result.err
    assert _commits(hooked) == ["s", "init"]


def test_a_folder_where_the_tracked_file_belongs_refuses_the_commit(hooked: Path) -> None:
    """A typechange is changed data: committing would keep the pointer of the old file."""
    track(hooked, {"m.bin": "v1"})
    (hooked / "m.bin").unlink()
    write(hooked / "m.bin" / "part", "new, never added")
    err = _refusal(hooked)
    assert "error: m.bin: changed since its pointer m.bin.mlgit was written" in err
    mlgit(hooked, "add", "m.bin")
    fire_ok(hooked, "commit", "-qam", "now a folder")
