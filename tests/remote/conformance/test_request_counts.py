"""Object stores charge per request: push, fetch and status --remote of thousands of small
files must cost a handful of requests, not one (or more) per file. Counted on the real GCS
API server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, make_tree
from tests.remote.conformance.runner import run

FILES = 3000
LOOSE = 40  # above the per-object lookup limit (32): found by listing folders


@pytest.mark.parametrize("remote", ["gs"], indirect=True)
def test_thousands_of_files_cost_a_handful_of_requests(remote: Any, gcs_server: Any,
                                                       tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, "init")
    files = {f"data/d{i % 30}/f{i}.txt": os.urandom(200) for i in range(FILES)}
    files.update({f"data/large/l{i}.bin": os.urandom((1 << 20) + i) for i in range(LOOSE)})
    make_tree(repo, files)
    run(repo, "add", "data")
    run(repo, "remote", "add", "origin", remote.url)
    for key, value in remote.options.items():
        run(repo, "remote", "modify", "origin", key, value, "--local")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")

    def requests_of(*args: str) -> tuple[dict[str, Any], int]:
        before = len(gcs_server.requests)
        out = json.loads(run(repo, *args, "--json").out)
        return out, len(gcs_server.requests) - before

    # gcsfs lists a folder in one request, plus one more when the folder is empty
    listings = 2 * (1 + LOOSE)  # packs/ and each two-hex folder holding a loose object
    pushed, cost = requests_of("push")
    assert pushed["transferred"] == FILES + LOOSE + 1
    assert cost <= LOOSE + 2 + listings + 3, cost  # + one pack and its index + bucket check
    again, cost = requests_of("push")
    assert again["transferred"] == 0 and cost <= 1 + listings + 3, cost
    status, cost = requests_of("status", "--remote")
    assert status["artifacts"][0]["on_remote"] == FILES + LOOSE + 1
    assert cost <= 1 + listings + 3, cost
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    for key, value in remote.options.items():
        run(clone, "remote", "modify", "origin", key, value, "--local")
    before = len(gcs_server.requests)
    pulled = json.loads(run(clone, "pull", "--json").out)
    assert pulled["failed"] == [] and pulled["transferred"] == FILES + LOOSE + 1
    # listing + the new index + ranged reads of the pack (16 MiB spans) + a GET per loose
    assert len(gcs_server.requests) - before <= 2 + 1 + 4 + LOOSE + 3
