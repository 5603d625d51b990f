"""The README's first section: the demo runs as written, and CI runs the README's test command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_section = text.split("\n## ", 2)[1]
    return re.findall(r"```sh\n(.*?)\n```", first_section, re.S)


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "TMPDIR": str(tmp_path)}
    return subprocess.run(["sh", str(ROOT / "examples" / "demo.sh"), *args], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


def test_readme_first_section_has_the_demo_and_the_test_command() -> None:
    demo, tests = _readme_commands()
    assert demo.endswith("sh examples/demo.sh")
    assert ". .venv/bin/activate" in demo, "the demo command must leave mlgit on PATH"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci, "CI must run exactly the README's test command"


@pytest.mark.slow
def test_demo_runs_keeps_its_folder_and_echoes_commands_that_paste_back(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--keep")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "$ git commit -q -m 'dataset v1 and model'" in result.stdout
    assert "gc" not in result.stdout, "the demo must not end on a gc that drops old revisions"
    kept = list(tmp_path.glob("mlgit-demo.*"))
    assert len(kept) == 1 and (kept[0] / "project" / "model.pt").is_file()
    assert str(kept[0]) in result.stdout


def test_demo_refuses_unknown_arguments(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--bogus")
    assert result.returncode == 2 and "usage:" in result.stderr
