"""action/sticky_comment.py against a local stand-in for GitHub's REST API: one comment per
pull request, found again by its marker; a read-only token is a warning, not a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.action.fake_github import PULL_REQUEST, FakeGitHub

SCRIPT = Path(__file__).resolve().parents[2] / "action" / "sticky_comment.py"
MARKER = "<!-- mlgit-action-report -->"


def _post(tmp_path: Path, url: str, report: str,
          event: str = "pull_request") -> subprocess.CompletedProcess[str]:
    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"number": PULL_REQUEST,
                                   "pull_request": {"number": PULL_REQUEST}}))
    report_file = tmp_path / "report.md"
    report_file.write_text(report)
    env = {**os.environ, "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(payload),
           "GITHUB_REPOSITORY": "team/project", "GITHUB_API_URL": url,
           "MLGIT_ACTION_TOKEN": "secret-token"}
    return subprocess.run([sys.executable, str(SCRIPT), str(report_file)], env=env,
                          capture_output=True, text=True, timeout=60)


def test_first_run_creates_the_comment_and_later_runs_update_it(
        tmp_path: Path, fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    api.comments.append({"id": 1, "body": "a reviewer's comment"})
    first = _post(tmp_path, url, "## mlgit\nfirst")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created ")
    assert [c["body"] for c in api.comments] == ["a reviewer's comment",
                                                 f"{MARKER}\n## mlgit\nfirst"]
    for text in ("second", "third"):
        again = _post(tmp_path, url, f"## mlgit\n{text}")
        assert again.returncode == 0 and again.stdout.startswith("updated "), again
    assert [c["body"] for c in api.comments] == ["a reviewer's comment",
                                                 f"{MARKER}\n## mlgit\nthird"]
    assert [m for m, _, _ in api.requests].count("POST") == 1
    assert {path.split("?")[0] for m, path, _ in api.requests if m == "GET"} == \
        {f"/repos/team/project/issues/{PULL_REQUEST}/comments", "/user"}
    assert {auth for _, _, auth in api.requests} == {"Bearer secret-token"}


def test_a_read_only_token_is_a_warning(tmp_path: Path,
                                        fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    api.read_only = True
    proc = _post(tmp_path, url, "## mlgit")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("::warning title=mlgit::could not write the pull request "
                                  "comment: HTTP 403"), proc.stdout
    assert "pull-requests: write" in proc.stdout
    assert "secret-token" not in proc.stdout + proc.stderr


def test_no_comment_outside_a_pull_request(tmp_path: Path,
                                           fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    proc = _post(tmp_path, url, "## mlgit", event="push")
    assert proc.returncode == 0
    assert "not a pull request" in proc.stdout
    assert api.requests == []


def test_a_report_too_long_for_a_comment_is_cut_at_a_line(
        tmp_path: Path, fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    rows = "".join(f"| added | data/file-{n:06}.csv | 4 B |\n" for n in range(5000))
    proc = _post(tmp_path, url, "## mlgit\n" + rows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    body = api.comments[0]["body"]
    assert len(body) <= 65_536
    assert body.endswith("\n\n_The report is cut here: the step summary of the run has all "
                         "of it._\n")
    assert body.split("\n\n_The report")[0].endswith(" | 4 B |")


BOT = {"login": "github-actions[bot]", "type": "Bot"}


def test_a_comment_that_only_mentions_the_marker_is_never_edited(
        tmp_path: Path, fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    quoted = f"Reviewer note: the action finds its comment by `{MARKER}`"
    pasted = f"{MARKER}\na report pasted by a person"
    api.comments += [{"id": 1, "body": quoted, "user": {"login": "alice", "type": "User"}},
                     {"id": 2, "body": pasted, "user": {"login": "alice", "type": "User"}},
                     {"id": 3, "body": f"note {MARKER}", "user": BOT},
                     {"id": 4, "body": f"{MARKER}\n## mlgit\nold", "user": BOT}]
    proc = _post(tmp_path, url, "## mlgit\nnew")
    assert proc.returncode == 0 and proc.stdout.startswith("updated "), proc
    assert [c["body"] for c in api.comments] == [quoted, pasted, f"note {MARKER}",
                                                 f"{MARKER}\n## mlgit\nnew"]


def test_with_a_personal_token_only_that_users_comment_is_edited(
        tmp_path: Path, fake_github: tuple[FakeGitHub, str]) -> None:
    api, url = fake_github
    api.token_user = "ci-user"
    bots = f"{MARKER}\nanother workflow's report"
    api.comments += [{"id": 1, "body": bots, "user": BOT}]
    first = _post(tmp_path, url, "## mlgit\nfirst")
    assert first.stdout.startswith("created "), first
    second = _post(tmp_path, url, "## mlgit\nsecond")
    assert second.stdout.startswith("updated "), second
    assert [c["body"] for c in api.comments] == [bots, f"{MARKER}\n## mlgit\nsecond"]
    assert api.comments[1]["user"]["login"] == "ci-user"
