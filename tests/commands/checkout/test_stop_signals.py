"""SIGTERM (`kill`, `timeout`, a cancelled CI job) and SIGHUP (the terminal closed) stop a
checkout as Ctrl-C does: the partly written temp copy is removed, `interrupted`, exit 130
(real CLI, a file large enough to be streamed in chunks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import mlgit

SIZE = 80 << 20


def _temp_files(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".mlgit-tmp")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_checkout_leaves_no_temp_copy(repo: Path, sig: int) -> None:
    (repo / "big.bin").write_bytes(os.urandom(SIZE))
    mlgit(repo, "config", "cache.link", "copy")
    mlgit(repo, "add", "big.bin")
    (repo / "big.bin").unlink()
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "checkout", "big.bin"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _temp_files(repo) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert proc.poll() is None, "the checkout ended before it could be stopped"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.decode().strip().splitlines()[-1] == "interrupted"
    assert _temp_files(repo) == []
    assert not (repo / "big.bin").exists()
    mlgit(repo, "checkout", "big.bin")
    assert (repo / "big.bin").stat().st_size == SIZE
