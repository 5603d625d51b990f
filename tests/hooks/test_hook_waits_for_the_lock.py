"""A data-following hook that cannot take the repository lock: Git's command is already done,
so the hint says to run `mlgit checkout` later, not to retry the git command."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tests.conftest import mlgit
from tests.hooks.helpers import fire, fire_ok, track


def test_post_checkout_with_the_lock_held_says_to_run_mlgit_checkout(hooked: Path) -> None:
    track(hooked, {"model.bin": "v1"})
    fire_ok(hooked, "checkout", "-qb", "side")
    track(hooked, {"model.bin": "v2"})
    mlgit(hooked, "config", "core.lock_timeout", "0.3")
    fd = os.open(hooked / ".mlgit" / "tmp" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        switched = fire(hooked, "checkout", "-q", "main")
    finally:
        os.close(fd)
    assert "another mlgit command is working in this repository (pid 4242)" in switched.err
    hints = [line for line in switched.err.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1 and "run 'mlgit checkout'" in hints[0], switched.err
    assert "retry" not in hints[0]
    assert (hooked / "model.bin").read_text() == "v2"  # the data did not follow
    mlgit(hooked, "checkout")
    assert (hooked / "model.bin").read_text() == "v1"
