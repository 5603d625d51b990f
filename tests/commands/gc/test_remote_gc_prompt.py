"""gc -r on a terminal says what it will delete from the remote and asks first; what an
interrupted push left (a pack without its index, temp files) goes only once it is old."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.commands.gc.test_confirm import _on_a_terminal
from tests.commands.gc.test_remote_gc_crash import _files, _repo_with_garbage
from tests.conftest import mlgit


def test_gc_remote_asks_on_a_terminal(tmp_path: Path) -> None:
    repo, remote = _repo_with_garbage(tmp_path)
    before = _files(remote)
    code, screen, _ = _on_a_terminal(repo, ["gc", "-r", "origin", "--grace", "0"], "n")
    assert code == 1 and "would delete" in screen and "Delete them?" in screen
    assert "nothing deleted" in screen
    assert _files(remote) == before
    code, screen, out = _on_a_terminal(repo, ["gc", "-r", "origin", "--grace", "0"], "y")
    assert code == 0 and out.startswith("deleted ")
    assert _files(remote) != before
    after = json.loads(mlgit(repo, "gc", "-r", "origin", "-n", "--grace", "0", "--json").out)
    assert after["objects_gone"] == 0


def test_leftovers_of_an_interrupted_push_go_once_old(tmp_path: Path) -> None:
    repo, remote = _repo_with_garbage(tmp_path)
    mlgit(repo, "gc", "-r", "origin", "-f", "--grace", "0")
    orphan = remote / "packs" / ("ab" * 16 + ".pack")  # uploaded, its index never was
    orphan.write_bytes(b"x" * 100)
    started = int(time.time())
    young = remote / "packs" / f".cd.pack.mlgit-tmp-{started}-0a0b"
    old = remote / "packs" / f".ef.pack.mlgit-tmp-{started - 7200}-0a0b"
    young.write_bytes(b"y")
    old.write_bytes(b"z")

    kept = json.loads(mlgit(repo, "gc", "-r", "origin", "-f", "--json").out)
    assert kept["leftovers"] == 1 and orphan.exists() and young.exists()
    assert not old.exists()
    long_ago = time.time() - 3 * 3600
    os.utime(orphan, (long_ago, long_ago))
    done = json.loads(mlgit(repo, "gc", "-r", "origin", "-f", "--grace", "2", "--json").out)
    assert done["leftovers"] == 1 and not orphan.exists() and young.exists()
