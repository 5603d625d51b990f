"""Stage outputs follow branch switches as tracked artifacts do: on a branch whose
mlgit.lock does not record them, `mlgit checkout` removes them (when their content is safely
in the cache), and switching back restores them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write

PIPELINE = """
stages:
  m:
    cmd: mkdir -p model && echo weights > model/w.bin && echo log > log.txt
    outs: [model, log.txt]
"""


def on_a_pipeline_branch(repo: Path) -> str:
    """Commit what is there, then run and commit the pipeline on a new branch; the name of
    the branch left."""
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    base = git(repo, "branch", "--show-current").strip()
    git(repo, "checkout", "-qb", "pipeline")
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pipeline")
    return base


def test_outputs_leave_and_come_back_with_the_branch(repo: Path) -> None:
    base = on_a_pipeline_branch(repo)
    git(repo, "checkout", "-q", base)
    mlgit(repo, "checkout")
    assert not (repo / "model").exists() and not (repo / "log.txt").exists()
    git(repo, "checkout", "-q", "pipeline")
    mlgit(repo, "checkout")
    assert (repo / "model" / "w.bin").read_text() == "weights\n"
    assert mlgit(repo, "repro").lines == ["m: up to date"]


def test_an_output_edited_by_hand_stays(repo: Path) -> None:
    base = on_a_pipeline_branch(repo)
    write(repo / "log.txt", "mine\n")
    git(repo, "checkout", "-q", base)
    result = mlgit(repo, "checkout")
    assert (repo / "log.txt").read_text() == "mine\n"
    assert "log.txt: no longer tracked and not removed" in result.err
    assert not (repo / "model").exists()
