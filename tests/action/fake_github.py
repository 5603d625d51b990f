"""A local stand-in for the issue-comment endpoints (and /user) of GitHub's REST API that the
action's pull request comment uses: list, create, update."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PULL_REQUEST = 7


@dataclass
class FakeGitHub:
    """The three issue-comment endpoints of GitHub's REST API the action uses."""
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth
    read_only: bool = False  # the token of a pull request from a fork
    # The user a personal access token belongs to; None for the workflow's GITHUB_TOKEN,
    # which cannot read /user and writes its comments as github-actions[bot].
    token_user: str | None = None

    def author(self) -> dict[str, str]:
        if self.token_user is None:
            return {"login": "github-actions[bot]", "type": "Bot"}
        return {"login": self.token_user, "type": "User"}


def _handler(api: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> dict[str, Any]:
            api.requests.append((self.command, self.path,
                                 self.headers.get("Authorization", "")))
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length)) if length else {}

        def do_GET(self) -> None:
            self._record()
            if self.path == "/user":
                if api.token_user is None:
                    self._reply(403, {"message": "Resource not accessible by integration"})
                else:
                    self._reply(200, api.author())
                return
            wanted = f"/issues/{PULL_REQUEST}/comments" in self.path
            self._reply(200, api.comments if wanted else [])

        def do_POST(self) -> None:
            body = self._record()
            if api.read_only:
                self._reply(403, {"message": "Resource not accessible by integration"})
                return
            comment = {"id": 100 + len(api.comments), "body": body["body"],
                       "user": api.author(), "html_url": "http://example/c"}
            api.comments.append(comment)
            self._reply(201, comment)

        def do_PATCH(self) -> None:
            body = self._record()
            if api.read_only:
                self._reply(403, {"message": "Resource not accessible by integration"})
                return
            wanted = int(self.path.rsplit("/", 1)[1])
            for comment in api.comments:
                if comment["id"] == wanted:
                    comment["body"] = body["body"]
                    self._reply(200, comment)
                    return
            self._reply(404, {"message": "Not Found"})

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def serve(api: FakeGitHub) -> Iterator[str]:
    """Serve API on 127.0.0.1; yields its URL (GITHUB_API_URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
