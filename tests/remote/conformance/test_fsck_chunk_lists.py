"""`mlgit fsck -r` reads each chunk list on the remote and checks it, and traces a damaged
chunk to the files made of it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mlgit import pointer
from mlgit.storage import chunks
from mlgit.storage.packs import parse_index
from tests.conftest import git, make_tree
from tests.remote.conformance.runner import run
from tests.remote.conformance.test_push_fetch_pull import _corrupt, _remote_files, setup_remote


@pytest.mark.parametrize("remote", ["local", "gs"], indirect=True)
def test_fsck_remote_checks_chunk_lists_and_names_their_files(tmp_path: Path,
                                                              remote: Any) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, "init")
    run(repo, "config", "cache.chunk_threshold", "2000000")
    make_tree(repo, {"ckpt.bin": os.urandom(2_500_000)})
    run(repo, "add", "ckpt.bin")
    setup_remote(repo, remote)
    run(repo, "push")
    oid = pointer.loads((repo / "ckpt.bin.mlgit").read_bytes(), "ckpt.bin.mlgit").oid
    listed = f"{oid[:2]}/{oid[2:]}.chunks"
    assert listed in _remote_files(remote)

    clean = json.loads(run(repo, "fsck", "-r", "origin", "--json").out)
    parts = chunks.decode((repo / ".mlgit" / "cache" / listed).read_bytes(), oid).chunks
    assert clean["damaged"] == [] and clean["objects"] == len(parts) + 1

    fs, root = remote.open()
    index = next(rel for rel in _remote_files(remote) if rel.endswith(".idx"))
    records = parse_index(fs.cat_file(f"{root.rstrip('/')}/{index}"))
    assert records is not None
    offset = next(off for part, off, _ in records if part == parts[1][0])
    _corrupt(remote, index.removesuffix(".idx") + ".pack", offset + 3)
    chunk = json.loads(run(repo, "fsck", "-r", "origin", "--json", code=1).out)["damaged"]
    assert [(d["name"], d["artifacts"]) for d in chunk] == [(parts[1][0], ["ckpt.bin"])]

    _corrupt(remote, listed, 20)
    found = json.loads(run(repo, "fsck", "-r", "origin", "--json", code=1).out)
    by_name = {d["name"]: d for d in found["damaged"]}
    assert by_name[oid]["location"] == "chunk list" and "damaged" in by_name[oid]["reason"]
    assert by_name[oid]["artifacts"] == ["ckpt.bin"]
    assert listed in found["remote_files"]
