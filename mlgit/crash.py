"""Crash logs for unexpected errors: the user sees one line and where the traceback went."""

from __future__ import annotations

import os
import tempfile
import time
import traceback

from mlgit import __version__, ui


def report_crash(exc: BaseException, args: list[str]) -> str:
    path = _log_path()
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"mlgit {__version__} crashed running: mlgit {' '.join(args)}\n\n")
        f.write("".join(traceback.format_exception(exc)))
    ui.err(f"error: mlgit hit an unexpected problem: {type(exc).__name__}: {exc}")
    ui.err(f"hint: this is a bug; the details are in {path} (please include it in a report)")
    return path


def _log_path() -> str:
    folder = _crash_dir()
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log")


def _crash_dir() -> str:
    try:
        from mlgit.repo import Repo

        return Repo.find().tmp_dir
    except Exception:
        return os.path.join(tempfile.gettempdir(), "mlgit")
