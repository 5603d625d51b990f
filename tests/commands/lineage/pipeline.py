"""A three-stage pipeline (prepare -> featurize -> train) whose raw inputs are a file
`mlgit add` tracks, a file Git tracks and a file neither tracks, committed step by step."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write

PIPELINE = """
stages:
  prepare:
    cmd: mkdir -p data/prepared && cp data/raw.csv data/prepared/train.csv
      && echo test > data/prepared/test.csv
    deps: [data/raw.csv, src/prepare.txt]
    params: [prepare.split]
    outs: [data/prepared]
  featurize:
    cmd: cat data/prepared/train.csv notes.txt > features.txt
    deps: [data/prepared/train.csv, notes.txt]
    outs: [features.txt]
  train:
    cmd: cat features.txt params.yaml > model.pkl
    deps: [features.txt, data/prepared]
    params: [train.lr]
    outs: [model.pkl]
"""

PARAMS = "prepare:\n  split: 0.2\ntrain:\n  lr: 0.1\n  epochs: 3\n"


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def commit(repo: Path, subject: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", subject)
    return head(repo)


def make_inputs(repo: Path) -> dict[str, str]:
    """The raw inputs, each committed in its own commit; returns the commit ids by what
    they added."""
    (repo / ".git" / "info" / "exclude").write_text("notes.txt\n")
    write(repo / "notes.txt", "untracked notes\n")
    write(repo / "data" / "raw.csv", "a,b\n1,2\n")
    mlgit(repo, "add", "data/raw.csv")
    shas = {"raw": commit(repo, "add raw data")}
    write(repo / "src" / "prepare.txt", "how to prepare\n")
    write(repo / "params.yaml", PARAMS)
    shas["code"] = commit(repo, "add code and params")
    return shas


def run_pipeline(repo: Path) -> dict[str, str]:
    """Inputs committed, the pipeline run by `mlgit repro` and committed."""
    shas = make_inputs(repo)
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    shas["run"] = commit(repo, "run the pipeline")
    return shas
