"""A branch switch inside one tracked folder (post-checkout): only the files that differ
between the folder's two versions are looked at and rewritten; a workspace file is replaced
or removed only when it holds the old version (or content the cache has); when mlgit did not
put the old version there, the whole folder is compared as `mlgit checkout` does."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import git, mlgit, write
from tests.hooks.helpers import fire, fire_ok, stamp

# Enough files that the few a switch changes are found by bisection, not a walk of all.
SAME = {f"data/same/{i}.txt": f"same on both branches {i}" for i in range(200)}
MAIN = {**SAME, "data/edited.txt": "main's version", "data/gone.txt": "only on main"}
SIDE = {**SAME, "data/edited.txt": "side's version", "data/new/added.txt": "only on side"}


def _data(repo: Path) -> dict[str, str]:
    base = repo / "data"
    return {str(p.relative_to(repo)): p.read_text() for p in base.rglob("*") if p.is_file()}


def _two_branches(repo: Path) -> None:
    """data/ as MAIN on main and as SIDE on side, each added with `mlgit add data`; main
    checked out (through the hook)."""
    for rel, text in MAIN.items():
        write(repo / rel, text)
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", "main")
    fire_ok(repo, "checkout", "-q", "-b", "side")
    os.unlink(repo / "data/gone.txt")
    for rel, text in SIDE.items():
        write(repo / rel, text)
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    fire_ok(repo, "commit", "-qm", "side")
    fire_ok(repo, "checkout", "-q", "main")
    assert _data(repo) == MAIN


def test_a_switch_rewrites_only_the_files_that_differ(hooked: Path) -> None:
    _two_branches(hooked)
    before = {rel: stamp(hooked / rel) for rel in SAME}
    result = fire_ok(hooked, "checkout", "-q", "side")
    assert _data(hooked) == SIDE
    assert {rel: stamp(hooked / rel) for rel in SAME} == before
    assert "(2 files written, 1 removed)" in result.err
    fire_ok(hooked, "checkout", "-q", "main")
    assert _data(hooked) == MAIN
    assert {rel: stamp(hooked / rel) for rel in SAME} == before
    assert not (hooked / "data/new").exists()  # the folder only side had is gone too
    assert mlgit(hooked, "status", "--quiet").code == 0


def test_files_the_branches_share_are_left_as_the_user_left_them(hooked: Path) -> None:
    """As Git does with edited files it does not have to touch: a switch carries them over
    (a full `mlgit checkout` is what puts them back)."""
    _two_branches(hooked)
    write(hooked / "data/same/0.txt", "a local edit")
    os.unlink(hooked / "data/same/1.txt")
    result = fire_ok(hooked, "checkout", "-q", "side")
    assert (hooked / "data/same/0.txt").read_text() == "a local edit"
    assert not (hooked / "data/same/1.txt").exists()
    assert (hooked / "data/edited.txt").read_text() == "side's version"
    assert "same/0.txt" not in result.err
    mlgit(hooked, "checkout", "--force")
    assert _data(hooked) == SIDE


def test_an_edited_file_that_differs_is_kept_and_named(hooked: Path) -> None:
    _two_branches(hooked)
    write(hooked / "data/edited.txt", "edited, never added")
    write(hooked / "data/gone.txt", "edited too")
    result = fire(hooked, "checkout", "-q", "side")
    assert (hooked / "data/edited.txt").read_text() == "edited, never added"
    assert (hooked / "data/gone.txt").read_text() == "edited too"
    assert (hooked / "data/new/added.txt").read_text() == "only on side"
    assert "edited.txt" in result.err and "gone.txt" in result.err


def test_content_the_cache_has_is_replaced(hooked: Path) -> None:
    """A file that holds another version mlgit has (here: side's own) is safe to replace."""
    _two_branches(hooked)
    write(hooked / "data/edited.txt", "side's version")
    fire_ok(hooked, "checkout", "-q", "side")
    assert _data(hooked) == SIDE


def test_without_the_old_version_in_place_the_whole_folder_is_compared(hooked: Path) -> None:
    """After a switch with the hooks skipped, the work tree holds main's data under side's
    pointer; the next switch cannot trust the difference between the two branches."""
    _two_branches(hooked)
    os.unlink(hooked / "data/same/1.txt")
    fire_ok(hooked, "checkout", "-q", "side", env={**_env(), "MLGIT_SKIP_HOOKS": "1"})
    mlgit(hooked, "checkout", "data/same/2.txt")  # part of a folder: a partial record
    fire_ok(hooked, "checkout", "-q", "main")
    assert _data(hooked) == MAIN  # the deleted file is back: every file was compared


def test_a_link_inside_the_folder_is_never_written_through(hooked: Path, tmp_path: Path
                                                          ) -> None:
    """data/new (a folder only side has) is a link to a folder outside the repository."""
    _two_branches(hooked)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, hooked / "data/new")
    fire(hooked, "checkout", "-q", "side")
    assert os.listdir(outside) == []
    assert (hooked / "data/edited.txt").read_text() == "side's version"


def _env() -> dict[str, str]:
    from tests.hooks.helpers import on_path

    return on_path()
