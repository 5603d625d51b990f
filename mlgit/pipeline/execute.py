"""Running one stage's commands: through /bin/sh, in the stage's wdir, each in a process
group of its own (so stopping it stops what it started), one after another until one fails.

A stage runs in a thread of its own; its output either goes straight to the terminal or, when
several stages run at once, line by line through a callback (whole lines only)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from mlgit.pipeline.model import Stage

STOP_GRACE = 5.0
"""Seconds a stopped stage's processes get after SIGINT before SIGKILL."""

DRAIN_GRACE = 1.0
"""Seconds, after a command ends, to read what it printed before the stage is done."""

LineSink = Callable[[Stage, bytes, bool], None]
"""Receives each whole line a stage printed (without its newline), and whether it came from
standard error."""


@dataclass
class Finished:
    """How a stage's commands ended: `code` 0 when all succeeded; else the failing command
    and its exit code (negative: killed by that signal)."""

    stage: Stage
    code: int
    cmd: str = ""
    stopped: bool = False
    problem: str = ""
    """Why no command could start (the wdir missing...); then `code` is 127."""


class StageRun:
    """The commands of one stage, run in a thread; `done(Finished)` is called from that
    thread when they end."""

    def __init__(self, stage: Stage, root: str, done: Callable[[Finished], None],
                 lines: LineSink | None = None) -> None:
        self.stage = stage
        self.root = root
        self._done = done
        self._lines = lines
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=stage.address, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            result = Finished(self.stage, 0)
            for cmd in self.stage.cmd:
                if self._stopped.is_set():
                    result = Finished(self.stage, -signal.SIGINT, cmd, stopped=True)
                    break
                code = self._one(cmd)
                if code != 0:
                    result = Finished(self.stage, code, cmd, self._stopped.is_set())
                    break
        except OSError as exc:  # /bin/sh or the wdir missing
            wdir = os.path.join(self.root, self.stage.wdir)
            problem = (f"its wdir {self.stage.wdir!r} is not a folder" if not
                       os.path.isdir(wdir) else f"/bin/sh could not start: {exc.strerror}")
            result = Finished(self.stage, 127, self.stage.cmd[0], problem=problem)
        except Exception as exc:  # the scheduler waits for every stage: it must hear back
            result = Finished(self.stage, 127, self.stage.cmd[0],
                              problem=f"its command could not start: {exc}")
        self._done(result)

    def _one(self, cmd: str) -> int:
        piped = self._lines is not None
        with self._lock:
            if self._stopped.is_set():
                return -signal.SIGINT
            proc = subprocess.Popen(
                ["/bin/sh", "-c", cmd], cwd=os.path.join(self.root, self.stage.wdir),
                env={**os.environ, "MLGIT_ROOT": self.root, "MLGIT_STAGE": self.stage.address},
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE if piped else None,
                stderr=subprocess.PIPE if piped else None,
                # a session of its own (so a process group of its own) and no controlling
                # terminal: a program that asks the terminal for input (a password prompt)
                # fails at once, instead of being stopped for ever as a background group
                start_new_session=True)
            self._proc = proc
        pumps = [self._pump(proc.stdout, False), self._pump(proc.stderr, True)] \
            if piped else []
        code = proc.wait()
        # A process the command left running in the background (`server &`) may hold the
        # pipes open for as long as it lives: the stage is done when its command is, and
        # what such a process prints later is still passed on, line by line.
        deadline = time.monotonic() + DRAIN_GRACE
        for pump in pumps:
            pump.join(max(0.0, deadline - time.monotonic()))
        return code

    def _pump(self, stream: IO[bytes] | None, err: bool) -> threading.Thread:
        def pump() -> None:
            assert stream is not None and self._lines is not None
            with stream:
                for line in stream:
                    self._lines(self.stage, line.rstrip(b"\n"), err)

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Ask the running command's process group to stop (SIGINT); no further command
        starts."""
        with self._lock:
            self._stopped.set()
            proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGINT)

    def kill(self) -> None:
        with self._lock:
            proc = self._proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def stop_all(runs: list[StageRun]) -> None:
    """Stop every run: SIGINT to each process group, SIGKILL to those still there after
    STOP_GRACE seconds; returns when their threads have ended."""
    for run in runs:
        run.stop()
    deadline = time.monotonic() + STOP_GRACE
    for run in runs:
        if not run.join(max(0.0, deadline - time.monotonic())):
            run.kill()
            run.join(STOP_GRACE)
