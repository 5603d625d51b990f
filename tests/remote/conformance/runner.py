"""Run the mlgit CLI inside the test process.

memory:// remotes live in the process that opened them, so the conformance suite runs the
CLI in-process for every remote kind (the same code path as the console script, minus the
interpreter start). Fault tests that kill or interrupt mlgit use subprocesses instead.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from mlgit.cli import main
from tests.conftest import Run


def run(cwd: Path, *args: str, code: int | None = 0) -> Run:
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = main.run(list(args))
    finally:
        os.chdir(before)
    outcome = Run(result, out.getvalue(), err.getvalue())
    assert "Traceback" not in outcome.err, outcome.err
    assert result != main.EXIT_BUG, outcome
    if code is not None:
        assert result == code, f"exit {result}\n{outcome.out}\n{outcome.err}"
    return outcome
