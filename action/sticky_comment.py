"""Create or update the one pull request comment that carries the mlgit report.

    sticky_comment.py REPORT.md

The comment is found again by a hidden marker on its first line, so each run edits it instead
of adding another. Only a comment that starts with the marker and was written by the token's
own identity is edited: a token that may write comments may edit anyone's, and a person's
comment that quotes the marker must never be overwritten. Reads GITHUB_EVENT_NAME,
GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL and the token in MLGIT_ACTION_TOKEN.
Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MARKER = "<!-- mlgit-action-report -->"
# GitHub refuses a comment body above 65,536 characters.
MAX_BODY = 65_000
TRUNCATED = "\n\n_The report is cut here: the step summary of the run has all of it._\n"
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# The workflow's GITHUB_TOKEN cannot read /user; its comments are written by this account.
WORKFLOW_TOKEN_USER = "github-actions[bot]"


def _pull_request_number() -> int | None:
    if os.environ.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        return None
    event = json.loads(Path(os.environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    return int(number) if number else None


def _request(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {os.environ['MLGIT_ACTION_TOKEN']}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "Content-Type": "application/json",
        "User-Agent": "mlgit-action",
    })
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _token_user(api: str) -> str:
    """The login the token writes comments as."""
    try:
        user = _request("GET", f"{api}/user")
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403, 404):
            return WORKFLOW_TOKEN_USER
        raise
    return str((user or {}).get("login") or WORKFLOW_TOKEN_USER)


def _is_our_report(comment: dict[str, Any], login: str) -> bool:
    author = (comment.get("user") or {}).get("login")
    return author == login and (comment.get("body") or "").startswith(MARKER)


def _existing_comment(issue_url: str, login: str) -> dict[str, Any] | None:
    page = 1
    while True:
        comments = _request("GET", f"{issue_url}/comments?per_page=100&page={page}")
        for comment in comments:
            if _is_our_report(comment, login):
                return dict(comment)
        if len(comments) < 100:
            return None
        page += 1


def post(report: str, number: int) -> str:
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo = os.environ["GITHUB_REPOSITORY"]
    issue_url = f"{api}/repos/{repo}/issues/{number}"
    text = f"{MARKER}\n{report}"
    if len(text) > MAX_BODY:
        text = text[:MAX_BODY - len(TRUNCATED)].rsplit("\n", 1)[0] + TRUNCATED
    body = {"body": text}
    found = _existing_comment(issue_url, _token_user(api))
    if found is None:
        made = _request("POST", f"{issue_url}/comments", body)
        return f"created {made.get('html_url') or made.get('url')}"
    _request("PATCH", f"{api}/repos/{repo}/issues/comments/{found['id']}", body)
    return f"updated {found.get('html_url') or found.get('url')}"


def main(argv: list[str]) -> int:
    number = _pull_request_number()
    if number is None:
        print("::notice title=mlgit::comment: not a pull request, so no comment")
        return 0
    report = Path(argv[0]).read_text(encoding="utf-8")
    try:
        print(post(report, number))
    except urllib.error.HTTPError as exc:
        # A pull request from a fork gets a read-only token: the report is still in the
        # step summary, so this is a warning, not a failure.
        print(f"::warning title=mlgit::could not write the pull request comment: HTTP {exc.code}"
              f" {exc.reason}; give the job 'permissions: pull-requests: write'")
    except (urllib.error.URLError, OSError) as exc:
        print(f"::warning title=mlgit::could not write the pull request comment: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
