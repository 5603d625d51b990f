"""SIGTERM and SIGHUP stop a running repro the way Ctrl-C does: the stages' process groups
are stopped too, nothing is recorded for them, and the exit code is 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlgit.pipeline.lockfile import read_lock
from tests.conftest import write


def wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_repro_leaves_no_stage_running(repo: Path, sig: signal.Signals) -> None:
    marker = f"sleep 7{sig.value}"
    write(repo / "mlgit.yaml", f"""
stages:
  first: {{cmd: echo 1 > first.txt, outs: [first.txt]}}
  slow:
    cmd: touch started && {marker} && echo late > slow.txt
    deps: [first.txt]
    outs: [slow.txt]
""")
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "repro"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(repo / "started")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert not left.strip(), "the stage's command was left running after mlgit ended"
    assert set(read_lock(str(repo), "mlgit.lock")) == {"first"}
