"""Ctrl-C while Git runs one of mlgit's hooks: the terminal sends SIGINT to Git, the hook's
shell and mlgit alike. Pressed while Python is still starting (importing `site`), it must
not print Python's own fatal-error traceback: mlgit says `interrupted` and exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import git, mlgit
from tests.hooks.helpers import on_path, track

# Imported by Python while it starts (before any mlgit code): says so, then takes its time,
# which is the moment a Ctrl-C used to end in "Fatal Python error: init_import_site".
SLOW_START = """\
import os, time
marker = os.environ.get("MLGIT_TEST_STARTING")
if marker:
    open(marker, "w").close()
    time.sleep(float(os.environ.get("MLGIT_TEST_START_DELAY", "1")))
"""


def _interrupt_while_python_starts(repo: Path, tmp_path: Path, *git_args: str
                                   ) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "slow-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_START)
    marker = tmp_path / "python-is-starting"
    env = {**on_path(), "PYTHONPATH": str(site), "MLGIT_TEST_STARTING": str(marker)}
    proc = subprocess.Popen(["git", *git_args], cwd=repo, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own group, as a terminal's job
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground job
    out, err = proc.communicate(timeout=60)  # ends when the hook closes Git's stderr too
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_while_a_hook_starts_says_interrupted(hooked: Path, tmp_path: Path) -> None:
    track(hooked, {"m.bin": "v1"})
    git(hooked, "checkout", "-q", "-b", "other")
    track(hooked, {"m.bin": "v2"})
    result = _interrupt_while_python_starts(hooked, tmp_path, "checkout", "-q", "main")
    assert "Fatal Python error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "KeyboardInterrupt" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1:] == ["interrupted"], result.stderr
    # the branch switched before the hook ran; the data did not follow, and says so
    assert git(hooked, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert "m.bin: modified" in mlgit(hooked, "status").out
    mlgit(hooked, "checkout")
    assert (hooked / "m.bin").read_text() == "v1"


HANDLER_AFTER_HOOK = """\
import os, signal, sys
from mlgit.cli.main import run
code = run(["hook", "post-merge", "0"])
back = signal.getsignal(signal.SIGINT) is signal.default_int_handler
print(code, "taken back" if back else "still ignored")
"""


def _hook_started_ignoring_ctrl_c(repo: Path, parent: str | None) -> str:
    """Run `mlgit hook post-merge` in a Python started with SIGINT ignored, as the hook
    script starts it (MLGIT_HOOK_PARENT: `parent`)."""
    env = on_path()
    if parent is not None:
        env["MLGIT_HOOK_PARENT"] = parent
    proc = subprocess.run([sys.executable, "-c", HANDLER_AFTER_HOOK], cwd=repo, text=True,
                          capture_output=True, env=env,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout.strip()


def test_mlgit_takes_ctrl_c_back_from_the_hook_script(hooked: Path) -> None:
    track(hooked, {"m.bin": "v1"})
    assert _hook_started_ignoring_ctrl_c(hooked, str(os.getpid())) == "0 taken back"
    # the process that ran the script is gone (Git, stopped by the Ctrl-C that mlgit
    # ignored while it started): it stops too
    ended = subprocess.Popen(["true"])
    ended.wait()
    assert _hook_started_ignoring_ctrl_c(hooked, str(ended.pid)) == "130 taken back"
    # another parent, the script's still there (a wrapper ran mlgit as its child): go on
    assert _hook_started_ignoring_ctrl_c(hooked, str(os.getppid())) == "0 taken back"
    # not started by the script: whoever ignores Ctrl-C means it
    assert _hook_started_ignoring_ctrl_c(hooked, None) == "0 still ignored"


def test_hooks_run_through_an_mlgit_wrapper_that_does_not_exec(
        hooked: Path, tmp_path: Path) -> None:
    """`mlgit` on PATH may be a script that runs the real one as its child: the hook's
    mlgit then has another parent than the script had, and must not take that for a
    Ctrl-C."""
    track(hooked, {"m.bin": "v1"})
    git(hooked, "checkout", "-q", "-b", "other")
    track(hooked, {"m.bin": "v2"})
    wrapper = tmp_path / "wrapper-bin" / "mlgit"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\n{sys.executable} -m mlgit \"$@\"\nexit $?\n")
    wrapper.chmod(0o755)
    env = {**on_path(), "PATH": f"{wrapper.parent}{os.pathsep}{on_path()['PATH']}"}
    result = subprocess.run(["git", "checkout", "-q", "main"], cwd=hooked, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "interrupted" not in result.stderr, result.stderr
    assert (hooked / "m.bin").read_text() == "v1"
