"""The console-script entry point: the fast parser's verbs run their handler directly, every
other invocation goes through the typer app; every exception becomes an exit code
(exit_codes.py, docs/exit-codes.md) and a bug a crash log.
"""

from __future__ import annotations

import contextlib
import errno
import gc
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
    # No cyclic garbage collection: mlgit's per-file data (tuples, strings, ints) makes no
    # cycles, and collections triggered by a million of them cost 10-30% of push, pull and
    # checkout (tests/architecture/test_no_cycles.py keeps the cycles per command bounded).
    gc.disable()
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
        if args[:1] == ["hook"]:
            _take_ctrl_c_back()
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
        if isinstance(exc, OSError) and exc.errno in _NOT_WRITABLE:
            refused = _not_writable(exc)
            output.error(refused.message, refused.hint)
            return refused.exit_code
        _report(exc, args)
        return EXIT_BUG


def _take_ctrl_c_back() -> None:
    """A hook's script (git/hooks.py) starts mlgit with Ctrl-C ignored, so that one pressed
    while Python starts cannot end in Python's own traceback. Take it back; one pressed in the
    meantime stopped Git, the hook's parent: stop too, as if it had come now."""
    parent = os.environ.pop("MLGIT_HOOK_PARENT", None)
    if parent is None:
        return  # not started by the script: whoever ignores Ctrl-C here means it
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if parent.isdigit() and _gone(int(parent)):
        raise KeyboardInterrupt


def _gone(parent: int) -> bool:
    """Whether the process that ran the hook script has ended. This process is that
    script, replaced (exec), so its parent is the same while it lives; an `mlgit` wrapper
    that starts Python as a child of its own is a different parent with the old one alive."""
    if os.getppid() == parent:
        return False
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # there, and someone else's
    try:  # ended but not yet waited for by its own parent (Linux tells)
        with open(f"/proc/{parent}/stat", encoding="ascii") as f:
            return f.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError, UnicodeDecodeError):
        return False


_NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES})


def _not_writable(exc: OSError) -> MlgitError:
    """A write refused by the system (a read-only mount, a folder not ours) is the
    environment's doing, not a bug: one line naming the place (nothing is half-written:
    mlgit writes through temporary files)."""
    from mlgit.paths import printable

    where = exc.filename if isinstance(exc.filename, str) else os.getcwd()
    why = (exc.strerror or "cannot write").lower()
    return MlgitError(printable(f"{where}: cannot write there ({why})"),
                      "this command must write there: run it where the repository and its cache"
                      " can be written (remount read-write, or fix the permissions); 'mlgit"
                      " status', 'diff', 'ls' and 'fsck' only read")


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
