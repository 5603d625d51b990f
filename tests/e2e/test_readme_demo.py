"""The README's first section: the demo runs as written, and CI runs the README's test command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_section = text.split("\n## ", 2)[1]
    return re.findall(r"```sh\n(.*?)\n```", first_section, re.S)


STAGES = ["prepare", "featurize@train", "featurize@test", "train", "evaluate"]


@dataclass
class DemoRun:
    result: subprocess.CompletedProcess[str]
    folder: Path  # the demo's folder, kept


def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bin_dir = os.path.dirname(sys.executable)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "TMPDIR": str(tmp_path), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["sh", str(ROOT / "examples" / "demo.sh"), *args], env=env,
                          capture_output=True, text=True, cwd=tmp_path)


@pytest.fixture(scope="module")
def kept_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    tmp_path = tmp_path_factory.mktemp("demo")
    result = _demo(tmp_path, "--keep")
    assert result.returncode == 0, result.stdout + result.stderr
    kept = list(tmp_path.glob("mlgit-demo.*"))
    assert len(kept) == 1, kept
    return DemoRun(result, kept[0])


def _outputs_of(stdout: str, command: str) -> list[list[str]]:
    """The lines each run of `command` printed, in the order the demo ran them: an echoed
    command's output ends at the next echoed command or heading; blank lines are left out."""
    runs: list[tuple[str, list[str]]] = []
    for line in stdout.splitlines():
        if line.startswith("$ "):
            runs.append((line[2:], []))
        elif "==> " in line:
            runs.append(("", []))
        elif runs and line:
            runs[-1][1].append(line)
    return [lines for echoed, lines in runs if echoed == command]


def _stages_run(repro_lines: list[str]) -> list[str]:
    return [line.removeprefix("running ").split(": ", 1)[0]
            for line in repro_lines if line.startswith("running ")]


def test_readme_first_section_has_the_demo_and_the_test_command() -> None:
    demo, tests = _readme_commands()
    assert demo.endswith("sh examples/demo.sh")
    assert ". .venv/bin/activate" in demo, "the demo command must leave mlgit on PATH"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci, "CI must run exactly the README's test command"


@pytest.mark.slow
def test_demo_runs_keeps_its_folder_and_echoes_commands_that_paste_back(
        kept_demo: DemoRun) -> None:
    stdout = kept_demo.result.stdout
    assert "$ git commit -q -m 'dataset v1 and model'" in stdout
    assert "$ mlgit gc" not in stdout, "the demo must not end on a gc that drops old revisions"
    assert (kept_demo.folder / "project" / "model.pt").is_file()
    assert str(kept_demo.folder) in stdout


@pytest.mark.slow
def test_demo_runs_the_pipeline_and_reruns_only_what_a_param_change_affects(
        kept_demo: DemoRun) -> None:
    stdout = kept_demo.result.stdout
    first, again, after_threshold = _outputs_of(stdout, "mlgit repro")
    assert _stages_run(first) == STAGES
    assert _stages_run(again) == [] and again == [f"{s}: up to date" for s in STAGES]
    assert _stages_run(after_threshold) == ["evaluate"]
    stale = _outputs_of(stdout, "mlgit status")[-1]
    assert stale[0] == "stale stages (run 'mlgit repro'):" and len(stale) == 2
    assert stale[1].startswith("  evaluate: ")
    assert "param changed: params.yaml evaluate.threshold (0.5 -> 0.4)" in stale[1]
    metrics = "\n".join(_outputs_of(stdout, "mlgit metrics diff")[0])
    assert re.search(r"eval/metrics\.json +test\.accuracy +0\.87 +0\.875 +\+0\.005", metrics)
    params = "\n".join(_outputs_of(stdout, "mlgit params diff")[0])
    assert re.search(r"params\.yaml +evaluate\.threshold +0\.5 +0\.4 +-0\.1", params)
    assert "evaluate <- train, featurize@test" in _outputs_of(stdout, "mlgit dag")[0]
    lineage = _outputs_of(stdout, "mlgit lineage model/model.json")[0]
    assert lineage[0] == "model/model.json: output of stage train"
    assert "    data/features/train.csv: output of stage featurize@train" in lineage


@pytest.mark.slow
def test_demo_clone_of_the_pipeline_pulls_its_outputs(kept_demo: DemoRun) -> None:
    source, clone = kept_demo.folder / "pipeline", kept_demo.folder / "pipeline-clone"
    for out in ("data/prepared/train.csv", "data/features/test.csv", "model/model.json"):
        assert (clone / out).is_file(), f"{out} not pulled"
        assert (clone / out).read_bytes() == (source / out).read_bytes()
    dry_run = _outputs_of(kept_demo.result.stdout, "mlgit repro --dry")[0]
    assert dry_run == [f"{s}: up to date" for s in STAGES]


def test_demo_refuses_unknown_arguments(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--bogus")
    assert result.returncode == 2 and "usage:" in result.stderr
