"""The console-script entry point: the fast parser's verbs run their handler directly, every
other invocation goes through the typer app; every exception becomes an exit code
(exit_codes.py, docs/exit-codes.md) and a bug a crash log.
"""

from __future__ import annotations

import contextlib
import os
import sys

from mlgit.cli import output
from mlgit.cli.exit_codes import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from mlgit.errors import MlgitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def main(argv: list[str] | None = None) -> NoReturn:
    args = sys.argv[1:] if argv is None else argv
    code = run(args)
    # Leave without the interpreter's teardown: freeing the tens of thousands of objects a
    # big status or checkout holds costs 20-50 ms, and every file mlgit writes is already
    # closed (commands close their repo; output is flushed here).
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    except OSError:
        code = code or EXIT_FAILED
    os._exit(code)


def run(args: list[str]) -> int:
    _stop_like_ctrl_c()
    try:
        files = _merge_driver_files(args)
        if files is not None:
            from mlgit.cli.handlers.history import merge_driver

            return merge_driver(files, install=False, uninstall=False, json=False)
        from mlgit.cli.parser import parse

        parsed = parse(args)
        if parsed is not None:
            return parsed.run()
        from mlgit.cli.app import run_typer

        return run_typer(args)
    except MlgitError as exc:
        output.error(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        output.err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        from mlgit.fileio import disk_full_error, is_disk_full

        if isinstance(exc, OSError) and is_disk_full(exc):
            full = disk_full_error(exc, os.getcwd())
            output.error(full.message, full.hint)
            return full.exit_code
        _report(exc, args)
        return EXIT_BUG


def _stop_like_ctrl_c() -> None:
    """SIGTERM (`kill`, `timeout`, a cancelled CI job, `docker stop`) and SIGHUP (the
    terminal closed) stop every command as Ctrl-C does: temp files are removed, locks
    released, `interrupted` is printed and the exit code is 130. Left to the default, they
    end the process on the spot and leave a partly written temp copy in the work tree."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, interrupt)


def _merge_driver_files(args: list[str]) -> list[str] | None:
    """The four files of Git's call of the merge driver, `merge-driver [--] %O %A %B %P`.

    Taken without an option parser: the path (%P) may start with '-', and a driver line
    registered before mlgit added `--` must still merge such a path instead of failing
    with a usage error, which Git would take as a conflict left with our side unmarked.
    Git's temporary files (%O %A %B) never start with '-'."""
    if args[:1] != ["merge-driver"]:
        return None
    files = args[2:] if args[1:2] == ["--"] else args[1:]
    if len(files) == 4 and not any(word.startswith("-") for word in files[:3]):
        return files
    return None


def _report(exc: Exception, args: list[str]) -> None:
    """The crash report, and a last line of defence should reporting itself fail."""
    try:
        from mlgit.cli.crash import report_crash

        report_crash(exc, args)
    except Exception:
        with contextlib.suppress(Exception):
            os.write(2, f"error: mlgit hit an unexpected problem: {type(exc).__name__}\n"
                        .encode("ascii", "backslashreplace"))
