"""workspace/targets.py: user paths -> tracked artifacts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mlgit.errors import BadPath
from mlgit.repo import Repo
from mlgit.workspace.targets import (
    Broken,
    Tracked,
    all_tracked,
    link_outside,
    named_path,
    resolve_target,
    tracked_targets,
)
from tests.conftest import git, mlgit, write


def test_an_artifact_is_named_by_its_data_path_or_its_pointer(repo: Path, opened: Repo,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.chdir(repo / ".mlgit")  # user paths are relative to where the user is
    assert named_path(opened, "../data/a.bin") == ("data/a.bin", "data/a.bin.mlgit")
    assert named_path(opened, "../data/a.bin.mlgit") == ("data/a.bin.mlgit",
                                                         "data/a.bin.mlgit")


def test_targets_inside_a_tracked_folder_are_parts(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "sub" / "a.bin", "a")
    mlgit(repo, "add", "data")
    whole = resolve_target(opened, str(repo / "data.mlgit"))
    part = resolve_target(opened, str(repo / "data" / "sub"))
    assert (whole.item.rel, whole.sub) == ("data", "")
    assert (part.item.pointer_rel, part.sub) == ("data.mlgit", "sub")
    with pytest.raises(BadPath, match="not tracked by mlgit") as refused:
        tracked_targets(opened, [str(repo / "data" / "sub")])  # whole artifacts only
    assert refused.value.hint == "it is inside the tracked directory data; name that instead"


def test_a_folder_that_became_a_link_out_is_seen_by_the_next_listing(
        repo: Path, opened: Repo, tmp_path: Path) -> None:
    write(repo / "models" / "m.bin", "m")
    mlgit(repo, "add", "models/m.bin")
    git(repo, "add", "models/m.bin.mlgit")  # Git lists it through the link from its index
    [first] = all_tracked(opened)
    assert isinstance(first, Tracked)
    outside = tmp_path / "outside"
    shutil.move(repo / "models", outside)
    os.symlink(outside, repo / "models")
    [second] = all_tracked(opened)  # the same process, a new listing
    assert isinstance(second, Broken)
    assert "models is a link to a folder outside the repository" in second.error.message


def test_link_outside_keeps_answers_only_in_the_memo_it_is_given(repo: Path,
                                                                 tmp_path: Path) -> None:
    (repo / "inside").mkdir()
    root = str(repo)
    links: dict[str, str | None] = {}
    assert link_outside(root, "inside", links) is None
    os.rmdir(repo / "inside")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", repo / "inside")
    assert link_outside(root, "inside", links) is None  # as first answered
    assert link_outside(root, "inside") == "inside"
    assert link_outside(root, "inside/deeper") == "inside"
