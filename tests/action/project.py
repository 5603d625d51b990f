"""A small project to run the mlgit GitHub Action on: tracked data, a one-stage pipeline, a
folder remote, and the workflow that uses the action."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import git

ROOT = Path(__file__).resolve().parents[2]
ACTION_REF = "mlgit/mlgit@v0"

TRAIN = """\
import json
import pathlib

scale = float(pathlib.Path("params.yaml").read_text().split("scale:")[1].split()[0])
total = sum(int(x) for f in sorted(pathlib.Path("data/raw").iterdir())
            for x in f.read_text().strip().split(","))
pathlib.Path("model.txt").write_text(f"{total * scale}\\n")
pathlib.Path("metrics.json").write_text(json.dumps({"score": total * scale}))
"""

PIPELINE = """\
stages:
  train:
    cmd: python3 train.py
    deps: [train.py, data/raw]
    params: [train.scale]
    outs: [model.txt]
    metrics:
      - metrics.json: {cache: false}
"""


def mlgit(cwd: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "mlgit", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


@dataclass
class Project:
    upstream: Path  # where the history was made, as a developer's machine
    work: Path      # a clone on the feature branch: what the workflow checks out
    store: Path     # the folder remote


def make_project(base: Path, workflow: str) -> Project:
    """main: data a.csv, b.csv and scale 2, reproduced and pushed. feature: c.csv added and
    pushed, scale 3, not reproduced (the stage is stale)."""
    upstream, store = base / "upstream", base / "store"
    store.mkdir()
    git(base, "init", "-q", "-b", "main", str(upstream))
    mlgit(upstream, "init")
    (upstream / "data" / "raw").mkdir(parents=True)
    (upstream / "data" / "raw" / "a.csv").write_text("1,2\n")
    (upstream / "data" / "raw" / "b.csv").write_text("3,4\n")
    mlgit(upstream, "add", "data/raw")
    (upstream / "params.yaml").write_text("train:\n  scale: 2\n")
    (upstream / "train.py").write_text(TRAIN)
    (upstream / "mlgit.yaml").write_text(PIPELINE)
    # Relative: it holds for clones beside upstream, not in the copy act makes elsewhere.
    mlgit(upstream, "remote", "add", "origin", "../store")
    mlgit(upstream, "repro")
    mlgit(upstream, "push")
    workflows = upstream / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(workflow)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "Train on a and b")
    git(upstream, "checkout", "-qb", "feature")
    (upstream / "data" / "raw" / "c.csv").write_text("5,6\n")
    mlgit(upstream, "add", "data/raw")
    mlgit(upstream, "push")
    (upstream / "params.yaml").write_text("train:\n  scale: 3\n")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "Add c, scale 3")
    work = base / "work"
    git(base, "clone", "-q", "-b", "feature", str(upstream), str(work))
    return Project(upstream, work, store)


def action_source(dest: Path) -> Path:
    """The action as a user gets it: action.yml and the mlgit package beside it (only what
    installing needs; act copies the whole folder on every use)."""
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "action", dest / "action", ignore=ignore)
    shutil.copytree(ROOT / "mlgit", dest / "mlgit", ignore=ignore)
    return dest


def job_python(dest: Path) -> Path:
    """A venv for the job's "Python on PATH": empty, but it sees this interpreter's
    packages (pip, setuptools and mlgit's dependencies) through a .pth file, so pip installs
    mlgit into it from the action's folder without an index, and the test environment's own
    mlgit stays as it is."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(dest)], check=True)
    site = next(dest.glob("lib/python3*/site-packages"))
    (site / "test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return dest / "bin"
