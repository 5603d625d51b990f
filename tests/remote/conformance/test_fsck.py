"""`mlgit fsck -r NAME` on every remote kind: it reads (ranged reads of packs, downloads of
loose objects) and hashes everything, names the damage with the artifacts it affects, and
changes nothing on the remote."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mlgit import pointer
from mlgit.hashing import hash_bytes
from mlgit.storage.packs import parse_index
from tests.conftest import git, make_tree
from tests.remote.conformance.runner import run
from tests.remote.conformance.test_push_fetch_pull import _corrupt, _remote_files, setup_remote

SMALL = {f"data/f{i}.bin": os.urandom(200 + 31 * i) for i in range(6)}
LARGE = {"model.bin": os.urandom(1_500_000)}


def _remote_contents(remote: Any) -> dict[str, bytes]:
    fs, root = remote.open()
    return {rel: bytes(fs.cat_file(f"{root.rstrip('/')}/{rel}")) for rel in _remote_files(remote)}


def test_fsck_checks_a_remote_and_leaves_it_alone(tmp_path: Path, remote: Any) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, "init")
    make_tree(repo, {**SMALL, **LARGE})
    run(repo, "add", "data", "model.bin")
    setup_remote(repo, remote)
    run(repo, "push")

    clean = json.loads(run(repo, "fsck", "-r", "origin", "--json").out)
    assert (clean["objects"], clean["damaged"], clean["missing"]) == (8, [], [])

    model = pointer.loads((repo / "model.bin.mlgit").read_bytes(), "model.bin.mlgit").oid
    _corrupt(remote, f"{model[:2]}/{model[2:]}")
    victim = hash_bytes(SMALL["data/f4.bin"])
    fs, root = remote.open()
    index = next(p for p in _remote_files(remote) if p.endswith(".idx"))
    records = parse_index(fs.cat_file(f"{root.rstrip('/')}/{index}"))
    assert records is not None
    offset = next(off for oid, off, _ in records if oid == victim)
    _corrupt(remote, index.removesuffix(".idx") + ".pack", offset + 5)
    before = _remote_contents(remote)

    found = json.loads(run(repo, "fsck", "-r", "origin", "--json", code=1).out)
    assert {d["name"]: d["artifacts"] for d in found["damaged"]} == {
        model: ["model.bin"], victim: ["data/f4.bin"]}
    assert _remote_contents(remote) == before
    text = run(repo, "fsck", "-r", "origin", code=1)
    assert "2 damaged" in text.out.splitlines()[0] and "never changes a remote" in text.err
    assert _remote_contents(remote) == before
