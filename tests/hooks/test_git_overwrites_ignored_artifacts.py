"""A branch that commits a file to Git at an artifact's path: `git checkout` replaces the
artifact (Git overwrites what .gitignore lists) before any hook runs, so `mlgit status` warns
beforehand (docs/hooks.md)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write
from tests.hooks.helpers import fire_ok, track


def _sample_branch(repo: Path) -> None:
    """Branch `sample` commits data.csv to Git; `work` tracks it with mlgit (checked out)."""
    fire_ok(repo, "checkout", "-qb", "sample")
    write(repo / "data.csv", "git-version")
    git(repo, "add", "data.csv")
    fire_ok(repo, "commit", "-qm", "sample")
    fire_ok(repo, "checkout", "-q", "main")
    fire_ok(repo, "checkout", "-qb", "work")
    track(repo, {"data.csv": "v1", "other.bin": "o1"})


def test_status_warns_before_a_switch_that_would_replace_an_edit(hooked: Path) -> None:
    _sample_branch(hooked)
    quiet = mlgit(hooked, "status")
    assert "warning" not in quiet.err  # unchanged: the cache holds it, nothing to lose
    write(hooked / "data.csv", "precious edit")
    write(hooked / "other.bin", "edited, but no branch commits other.bin to Git")
    shown = mlgit(hooked, "status")
    assert "data.csv: modified" in shown.out
    warnings = [line for line in shown.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, shown.err
    assert warnings[0].startswith("warning: data.csv: branch sample commits a file to Git")
    assert "'mlgit add data.csv'" in warnings[0]
    # what the warning is about: Git replaces the edit, and no hook can bring it back
    mlgit(hooked, "checkout", "--force", "other.bin")
    fire_ok(hooked, "checkout", "-q", "sample")
    assert (hooked / "data.csv").read_text() == "git-version"
    fire_ok(hooked, "checkout", "-q", "work")
    assert (hooked / "data.csv").read_text() == "v1"


def test_after_mlgit_add_the_edit_survives_the_round_trip(hooked: Path) -> None:
    _sample_branch(hooked)
    write(hooked / "data.csv", "precious edit")
    mlgit(hooked, "add", "data.csv")
    assert "warning" not in mlgit(hooked, "status").err
    git(hooked, "add", "data.csv.mlgit")
    fire_ok(hooked, "commit", "-qm", "edit")
    fire_ok(hooked, "checkout", "-q", "sample")
    fire_ok(hooked, "checkout", "-q", "work")
    assert (hooked / "data.csv").read_text() == "precious edit"
