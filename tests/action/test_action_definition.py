"""action.yml and the workflows of docs/ci.md are valid, the action uses no other action, and no
input is ever pasted into shell text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.docs.markdown import code_blocks, read_doc

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _ci_workflows() -> list[str]:
    blocks = [b for b in code_blocks(read_doc("ci.md"), "yaml") if "\njobs:" in b]
    assert len(blocks) >= 2
    return blocks


def _check_schema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True)


def test_action_yml_matches_the_actions_schema() -> None:
    proc = _check_schema("vendor.github-actions", ACTION)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_md_workflows_match_the_workflows_schema(tmp_path: Path) -> None:
    for number, block in enumerate(_ci_workflows()):
        path = tmp_path / f"workflow-{number}.yml"
        path.write_text(block, encoding="utf-8")
        proc = _check_schema("vendor.github-workflows", path)
        assert proc.returncode == 0, proc.stdout + proc.stderr + block


def test_schema_check_catches_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("using: composite", "using: compost"))
    assert _check_schema("vendor.github-actions", broken).returncode != 0


def test_action_is_self_contained_and_never_interpolates_into_shell() -> None:
    steps = _action()["runs"]["steps"]
    for step in steps:
        assert "uses" not in step, step  # runs offline and under act
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash"
    for script in (ROOT / "action").glob("*.sh"):
        assert "${{" not in script.read_text(), script


def test_every_input_reaches_a_step_and_every_variable_the_scripts_read_is_set() -> None:
    action = _action()
    steps = action["runs"]["steps"]
    used = " ".join(str(step.get("env", {})) + str(step.get("with", {}))
                    + str(step.get("working-directory", "")) + str(step.get("if", ""))
                    for step in steps)
    for name in action["inputs"]:
        assert re.search(rf"inputs\.{re.escape(name)}(?![\w-])", used), name
    provided = {key for step in steps for key in step.get("env", {})}
    for script in (ROOT / "action").glob("*.sh"):
        for variable in re.findall(r"\$\{?(MLGIT_ACTION_[A-Z_]+)", script.read_text()):
            assert variable in provided or variable == "MLGIT_ACTION_PYTHON", \
                (script.name, variable)


def test_ci_md_uses_only_the_actions_inputs_and_outputs() -> None:
    action = _action()
    for block in _ci_workflows():
        workflow = yaml.safe_load(block)
        for job in workflow["jobs"].values():
            ours = {step["id"] for step in job["steps"]
                    if "mlgit@" in step.get("uses", "") and "id" in step}
            for step in job["steps"]:
                if "mlgit@" in step.get("uses", ""):
                    unknown = set(step.get("with", {})) - set(action["inputs"])
                    assert not unknown, unknown
            for ident, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", block):
                if ident in ours:
                    assert output in action["outputs"], output
