"""`mlgit push` to an S3 bucket (the real moto server on 127.0.0.1) killed before each of its
uploads and other write steps: the bucket holds nothing corrupt, a chunk list there never
names a chunk that is not, what an earlier push sent stays, and the next push finishes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, mlgit
from tests.crash.harness import (
    Crash,
    cli_fsck,
    every_crash,
    fsck_problems,
    missing_oids,
    remote_lists_incomplete,
)
from tests.crash.worlds import commit_added, mixed_folder, new_repo, put_folder, workspace_files
from tests.remote.conformance.servers import S3Server, unique_name

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    server = S3Server()
    server.start()
    yield server
    server.close()


def _client(server: S3Server) -> Any:
    import boto3

    opts = server.options()
    return boto3.client("s3", endpoint_url=opts["endpoint_url"], region_name="us-east-1",
                        aws_access_key_id=opts["access_key_id"],
                        aws_secret_access_key=opts["secret_access_key"])


def _snapshot(client: Any, bucket: str) -> dict[str, bytes]:
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def _put_back(client: Any, bucket: str, saved: dict[str, bytes]) -> None:
    for key in _snapshot(client, bucket).keys() - saved.keys():
        client.delete_object(Bucket=bucket, Key=key)
    for key, body in saved.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)


def test_a_killed_push_to_s3_leaves_the_bucket_whole(s3: S3Server, tmp_path: Path) -> None:
    bucket = unique_name("crash")
    s3.create_bucket(bucket)
    client = _client(s3)
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    mlgit(repo, "remote", "add", "origin", f"s3://{bucket}/data")
    for key, value in s3.options().items():
        mlgit(repo, "remote", "modify", "origin", key, value, "--local")
    put_folder(repo, "earlier", {"one.txt": b"pushed before"})
    commit_added(repo, "earlier", "earlier")
    mlgit(repo, "push")
    put_folder(repo, "data", mixed_folder(1))
    commit_added(repo, "data", "data")
    earlier = missing_oids(repo)  # nothing missing locally...
    assert earlier == set()
    before = _snapshot(client, bucket)
    must_stay = {k for k in before if not k.rpartition("/")[2].startswith(".")}
    data = workspace_files(repo / "data")

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(repo, "origin", missing=False) == [], crash
        assert remote_lists_incomplete(repo, "origin") == [], crash
        now = _snapshot(client, bucket)
        assert all(now.get(k) == before[k] for k in must_stay), crash

    def after_finish() -> None:
        assert missing_oids(repo, "origin") == set()
        assert remote_lists_incomplete(repo, "origin") == []

    crashes = every_crash(world, repo, ["push", "-j", "1"], after_crash, after_finish,
                          restore_more=lambda: _put_back(client, bucket, before))
    assert sum("_pipe_file" in c.call or "_put_file" in c.call for c in crashes) >= 3, crashes
    mlgit(repo, "push")
    cli_fsck(repo, "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    for key, value in s3.options().items():
        mlgit(clone, "remote", "modify", "origin", key, value, "--local")
    mlgit(clone, "pull")
    assert workspace_files(clone / "data") == data
