"""The action's step scripts run directly, as the runner runs them (bash, inputs in the
environment), on a real repository: the quick checks of what the act tests do not cover."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import git

ROOT = Path(__file__).resolve().parents[2]


def _mlgit(cwd: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "mlgit", *args], cwd=cwd, check=True,
                   capture_output=True)


def _step(script: str, cwd: Path, tmp_path: Path,
          **inputs: str) -> tuple[subprocess.CompletedProcess[str], str]:
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_OUTPUT": str(output),
           "MLGIT_ACTION_PYTHON": sys.executable, "MLGIT_ACTION_STATE": str(tmp_path)}
    env.pop("GITHUB_BASE_REF", None)
    env.update({f"MLGIT_ACTION_{key.upper()}": value for key, value in inputs.items()})
    proc = subprocess.run(["bash", str(ROOT / "action" / script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, output.read_text()


def _outputs(text: str) -> dict[str, str]:
    """Parse GITHUB_OUTPUT's `NAME<<DELIMITER` blocks."""
    found, lines = {}, iter(text.splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        value = []
        for inner in lines:
            if inner == delimiter:
                break
            value.append(inner)
        found[name] = "\n".join(value)
    return found


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    _mlgit(repo, "init")
    _mlgit(repo, "remote", "add", "gcs", "gs://bucket/data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


def test_remote_options_go_to_the_local_config(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc, outputs = _step("prepare.sh", repo, tmp_path, remote_url="gs://other/data",
                          remote_name="gcs", base="", remote_options=(
                              "project=my-project\n\n# a comment\n"
                              "  endpoint_url = http://127.0.0.1:9023/a=b  \n"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    local = yaml.safe_load((repo / ".mlgit" / "config.local.yaml").read_text())
    assert local["remote"]["gcs"] == {"url": "gs://other/data", "project": "my-project",
                                      "endpoint_url": "http://127.0.0.1:9023/a=b"}
    assert local["core"]["remote"] == "gcs"
    assert git(repo, "status", "--porcelain") == ""  # nothing committed changed
    assert _outputs(outputs)["cache-key"].startswith("mlgit-")


def test_a_bad_remote_option_fails_the_step(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc, _ = _step("prepare.sh", repo, tmp_path, remote_url="", remote_name="gcs", base="",
                    remote_options="no equals sign")
    assert proc.returncode == 1
    assert "::error title=mlgit::remote-options: 'no equals sign' is not KEY=VALUE" \
        in proc.stdout


def test_the_before_of_a_first_push_means_no_base(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc, outputs = _step("prepare.sh", repo, tmp_path, remote_url="", remote_name="",
                          remote_options="", base="0" * 40)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _outputs(outputs)["base"] == ""


def test_an_unknown_base_in_a_full_clone_names_the_fetch(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc, _ = _step("prepare.sh", repo, tmp_path, remote_url="", remote_name="",
                    remote_options="", base="origin/nope")
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error title=mlgit::the base revision 'origin/nope' is "
                                  "not in this clone; fetch it before this step")


def _active_workflow_commands(log: str) -> list[str]:
    """The lines the runner would act on: `::` lines outside ::stop-commands::TOKEN ...
    ::TOKEN::, as GitHub's runner reads a step's log."""
    active, stopped_by = [], None
    for line in log.splitlines():
        if stopped_by is not None:
            if line == f"::{stopped_by}::":
                stopped_by = None
            continue
        if line.startswith("::stop-commands::"):
            stopped_by = line.removeprefix("::stop-commands::")
        elif line.startswith("::"):
            active.append(line)
    return active


def test_no_step_lets_a_file_name_act_as_a_workflow_command(tmp_path: Path) -> None:
    """A pull request names a file '::error::INJECTED' and makes a command fail: the
    command's output, which names the file, is in the log twice (the step running it, and
    the report's tail of a failed command); neither may act as a workflow command."""
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    _mlgit(repo, "init")
    (repo / "::error::INJECTED").write_text("x")
    _mlgit(repo, "add", "::error::INJECTED")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    _mlgit(repo, "remote", "add", "ci", str(tmp_path / "empty-remote"))
    shutil.rmtree(repo / ".mlgit" / "cache")  # like a runner with a cold cache: pull fails
    (tmp_path / "summary").write_text("")
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
    os.environ.update(env)
    try:
        ran, _ = _step("run-commands.sh", repo, tmp_path, command="pull")
        report, _ = _step("report.sh", repo, tmp_path, base="")
    finally:
        for key in env:
            os.environ.pop(key)
    assert "::error::INJECTED" in ran.stdout and "::error::INJECTED" in report.stdout
    for step in (ran, report):
        assert step.returncode == 0, step.stdout + step.stderr
        assert not [c for c in _active_workflow_commands(step.stdout) if "INJECTED" in c]
    tokens = [line for line in ran.stdout.splitlines() + report.stdout.splitlines()
              if line.startswith("::stop-commands::")]
    assert len(set(tokens)) == len(tokens) == 2


def test_the_cache_key_covers_the_whole_repository_from_a_working_directory(
        tmp_path: Path) -> None:
    """mlgit has one project per repository, at its top: a `working-directory` inside it
    must not leave the pointers outside that folder out of the key."""
    repo = _repo(tmp_path)
    (repo / "proj").mkdir()
    (repo / "proj" / "d.bin").write_text("d")
    (repo / "top.bin").write_text("t1")
    _mlgit(repo, "add", "proj/d.bin", "top.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")

    def key(cwd: Path) -> str:
        proc, outputs = _step("prepare.sh", cwd, tmp_path, remote_url="", remote_name="",
                              remote_options="", base="")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return _outputs(outputs)["cache-key"]

    first = key(repo / "proj")
    assert first == key(repo)
    (repo / "top.bin").write_text("t2")
    _mlgit(repo, "add", "top.bin")
    git(repo, "commit", "-qam", "top changed")
    assert key(repo / "proj") != first


HOSTILE = "<img src=x> @octocat www.evil.example **b** ```x"


def test_the_report_shows_chosen_file_names_as_written(tmp_path: Path) -> None:
    """A pull request names files to become HTML, a mention, a link or the end of a code
    block, and makes a command fail: rendered as GitHub renders the comment (cmark-gfm, raw
    HTML let through), the report holds no element of the pull request's making, and the
    names show as written (in the failure's output, a failed table's error line and the
    stale stages)."""
    import html

    import cmarkgfm
    from cmarkgfm.cmark import Options

    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    _mlgit(repo, "init")
    (repo / f"{HOSTILE}.bin").write_text("x")
    _mlgit(repo, "add", f"{HOSTILE}.bin")
    (repo / "mlgit.yaml").write_text(
        "stages:\n  s:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n")
    (repo / "in.txt").write_text("1")
    _mlgit(repo, "repro")
    (repo / "in.txt").write_text("2")  # the stage is stale: its reason names in.txt
    (repo / f"{HOSTILE}.bin.mlgit").write_text("<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    _mlgit(repo, "remote", "add", "ci", str(tmp_path / "empty-remote"))
    (tmp_path / "summary").write_text("")
    os.environ["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary")
    try:
        _step("run-commands.sh", repo, tmp_path, command="status")
        report, _ = _step("report.sh", repo, tmp_path, base="")
    finally:
        os.environ.pop("GITHUB_STEP_SUMMARY")
    assert report.returncode == 0, report.stdout + report.stderr
    markdown = (tmp_path / "report.md").read_text()
    assert "failed" in markdown and "<pre>" in markdown, markdown
    rendered = cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE)
    tags = {tag for tag in re.findall(r"<([a-z0-9]+)", rendered)}
    assert tags <= {"h2", "h3", "p", "em", "code", "table", "thead", "tbody", "tr", "th",
                    "td", "details", "summary", "pre", "ul", "li", "strong"}, rendered
    assert "<strong>b</strong>" not in rendered and "<a " not in rendered, rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert shown.count(HOSTILE) >= 2, rendered  # the failure's output and the error line
    assert "`in.txt`" in markdown or "in.txt" in shown
