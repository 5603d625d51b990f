"""mlgit runs with the cyclic garbage collector off (cli/main.py): sound only while no
command makes reference cycles per file, which would then pile up until the process ends.
Each command below runs over a small and a ten times larger folder, in a process whose
collector is off as in `mlgit`; the cycles left at its end must not grow with the files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import commit_all, git, mlgit

# One command, in-process as the console script runs it, then the cycles it left behind.
COUNT_CYCLES = """
import gc, sys
gc.disable()
from mlgit.cli.main import run
code = run(sys.argv[1:])
sys.stdout.flush()
print(code, gc.collect())
"""

GROWTH_ALLOWED = 100
"""Cycles the larger folder may leave beyond the smaller one's (1,800 more files)."""


def cycles_left(root: Path, *args: str) -> int:
    out = subprocess.run([sys.executable, "-c", COUNT_CYCLES, *args], cwd=root, check=True,
                         capture_output=True, text=True).stdout.splitlines()[-1].split()
    assert out[0] == "0", f"mlgit {' '.join(args)} failed in {root}"
    return int(out[1])


def cycles_per_command(root: Path, files: int) -> dict[str, int]:
    data = root / "data"
    for i in range(files):
        folder = data / f"d{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.bin").write_bytes(b"x" * (i % 50) + str(i).encode())
    mlgit(root, "remote", "add", "origin", str(root.parent / f"remote{files}"), "--default")
    counts = {"add": cycles_left(root, "add", "data")}
    commit_all(root)
    counts["status"] = cycles_left(root, "status")
    counts["push"] = cycles_left(root, "push")
    for path in (data, root / ".mlgit" / "cache"):
        subprocess.run(["rm", "-rf", str(path)], check=True)
    counts["pull"] = cycles_left(root, "pull")
    subprocess.run(["rm", "-rf", str(data)], check=True)
    counts["checkout"] = cycles_left(root, "checkout", "data")
    return counts


@pytest.mark.slow
def test_no_command_leaves_cycles_per_file(tmp_path: Path) -> None:
    counts = {}
    for files in (200, 2000):
        root = tmp_path / f"repo{files}"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        mlgit(root, "init")
        counts[files] = cycles_per_command(root, files)
    grown = {cmd: counts[2000][cmd] - counts[200][cmd] for cmd in counts[200]}
    assert all(g <= GROWTH_ALLOWED for g in grown.values()), (counts, grown)
