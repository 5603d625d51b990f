"""A stage that asks the terminal for input (a password prompt, say) fails at once instead
of hanging: its command has no controlling terminal (stdin is /dev/null anyway)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import subprocess
import sys
import termios
from pathlib import Path

from tests.conftest import read_pty, write


def test_a_stage_reading_the_terminal_fails_instead_of_hanging(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  ask:\n    cmd: read answer < /dev/tty &&"
          " echo \"$answer\" > answer.txt\n    outs: [answer.txt]\n")
    main, secondary = pty.openpty()

    def controlling_terminal() -> None:  # mlgit runs on a terminal, as a user runs it
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "repro"], cwd=repo,
                            stdin=secondary, stdout=secondary, stderr=secondary,
                            start_new_session=True, preexec_fn=controlling_terminal)
    os.close(secondary)
    os.write(main, b"typed\n")
    try:
        code = proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
    screen = read_pty(main).decode(errors="replace")
    os.close(main)
    assert code == 1, screen
    assert "ask failed: " in screen
    assert not (repo / "answer.txt").exists()
