"""Crash logs for unexpected errors: the user sees one line and where the traceback went.

Whatever the exception holds (text that is not UTF-8, a __str__ that itself fails) and
wherever the log cannot be written, this reports it in two lines and never raises.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback

from mlgit import __version__
from mlgit.cli import output
from mlgit.paths import printable


def report_crash(exc: BaseException, args: list[str]) -> str | None:
    """Write the crash log and tell the user; returns the log's path, or None when no log
    could be written anywhere."""
    path, problem = _write_log(exc, args)
    output.err(f"error: mlgit hit an unexpected problem: {_describe(exc)}")
    if path is not None:
        output.err(f"hint: this is a bug; the details are in {path}"
                   " (please include it in a report)")
    else:
        output.err(f"hint: this is a bug; no crash log could be written ({problem}); please"
               " report the command and this message")
    return path


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = "(its message cannot be shown)"
    return printable(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _write_log(exc: BaseException, args: list[str]) -> tuple[str | None, str]:
    problem = ""
    for folder in (_crash_dir(), os.path.join(tempfile.gettempdir(), "mlgit")):
        try:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"crash-{time.strftime('%Y%m%d-%H%M%S')}"
                                        f"-{os.getpid()}.log")
            with open(path, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(f"mlgit {__version__} crashed running: mlgit {' '.join(args)}\n\n")
                f.write(_traceback(exc))
            return path, ""
        except OSError as why:
            problem = printable(f"{why.strerror or type(why).__name__}:"
                                f" {why.filename or folder}")
    return None, problem


def _traceback(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except Exception as why:
        return f"{type(exc).__name__} (its traceback cannot be formatted: {type(why).__name__})\n"


def _crash_dir() -> str:
    """.mlgit/tmp in an initialised repository, found without reading its settings (which
    may be what is broken)."""
    try:
        from mlgit.git import repository
        dot_dir = os.path.join(repository.find_root(), ".mlgit")
        if os.path.isdir(dot_dir):
            return os.path.join(dot_dir, "tmp")
        return os.path.join(tempfile.gettempdir(), "mlgit")
    except Exception:
        return os.path.join(tempfile.gettempdir(), "mlgit")
