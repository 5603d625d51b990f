"""The code base stays ruff- and mypy-clean, and the hot commands stay light to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def test_ruff_clean() -> None:
    proc = subprocess.run([_tool("ruff"), "check", "mlgit", "tests", "benchmarks", "docs",
                           "action"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_clean() -> None:
    proc = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


HEAVY = ("typer", "click", "yaml", "fsspec", "pygit2", "dulwich", "tqdm", "gcsfs",
         "dataclasses")


def _imported_modules(args: list[str], cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlgit", *args], cwd=cwd,
                          capture_output=True, text=True,
                          env={**os.environ, "MLGIT_NO_PROGRESS": "1"})
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("command", ["status", "checkout"])
def test_hot_commands_import_no_heavy_library(tmp_path: Path, command: str) -> None:
    """`mlgit status` and `checkout` run in hooks and CI constantly: they must not pay for
    typer, PyYAML, fsspec, pygit2 or tqdm (each costs 20-130 ms of start-up)."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([sys.executable, "-m", "mlgit", "init"], cwd=tmp_path, check=True,
                   capture_output=True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    subprocess.run([sys.executable, "-m", "mlgit", "add", "d"], cwd=tmp_path, check=True,
                   capture_output=True)
    loaded = _imported_modules([command], tmp_path)
    assert f"mlgit.commands.{command}" in loaded  # the measurement works
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, heavy
