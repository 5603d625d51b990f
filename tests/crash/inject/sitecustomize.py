"""Crash injection for mlgit's crash tests (see tests/crash/harness.py).

Python imports this module at start-up when its folder is on PYTHONPATH. It does nothing
unless MLGIT_CRASH_AT is set. Then it counts the process's write steps, the calls that change
files (os.replace, os.rename, os.link, os.symlink, os.write, os.pwrite, os.unlink, os.remove,
os.rmdir, os.mkdir, os.chmod, os.ftruncate, os.copy_file_range, os.open and open() for
writing, and fsspec's uploads, moves and deletes for cloud remotes), and just before step
number MLGIT_CRASH_AT it kills the whole command with SIGKILL: no cleanup code, no finally
block, no atexit runs, as with `kill -9` or an out-of-memory kill. Two kinds of call are not
steps, because a kill just before or just after them leaves the same files: os.fsync and
os.sync (they matter for a power cut, not a kill), and a write to the same file descriptor
as the step just before (the next piece of a file being written: one kill point covers a
partly written file). Forked workers
share the count (an anonymous shared memory page), so "step N" is counted over the whole
command.

MLGIT_CRASH_TRACE, if set, names a file to which every step is appended (`N PID CALL ARGS`):
the list of kill points of a command.

MLGIT_CRASH_LOG, if set, names a file that gets one line: `killed N FUNCTION ARGS` when the
command was killed, or `done N` (the number of steps it made) when it ran to its end.
"""

from __future__ import annotations

import os


def _install(crash_at: int, log: str) -> None:
    import atexit
    import builtins
    import mmap
    import signal
    import struct
    import sys
    import threading

    shared = mmap.mmap(-1, 8)  # MAP_SHARED: forked children count on the same page
    lock = threading.Lock()
    real_open = os.open
    real_write = os.write
    real_close = os.close
    real_builtin_open = builtins.open
    trace = os.environ.get("MLGIT_CRASH_TRACE", "")

    def note(text: str) -> None:
        if not log:
            return
        fd = real_open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            real_write(fd, text.encode("utf-8", "backslashreplace") + b"\n")
        finally:
            real_close(fd)

    last_write_fd: list[object] = [None]

    def step(what: str, args: tuple[object, ...]) -> None:
        if what in ("fsync", "sync"):
            return  # a kill leaves the same files before and after it (power loss would not)
        if what in ("write", "pwrite", "copy_file_range"):
            fd = args[0] if what != "copy_file_range" else args[1]
            if last_write_fd[0] == fd:
                return  # one more piece of the file being written: the same kind of state
            last_write_fd[0] = fd
        else:
            last_write_fd[0] = None
        with lock:
            (count,) = struct.unpack_from("<Q", shared)
            count += 1
            struct.pack_into("<Q", shared, 0, count)
        if trace:
            with real_builtin_open(trace, "a") as f:
                f.write(f"{count} {os.getpid()} {what} {args!r:.200}\n")
        if count == crash_at:
            note(f"killed {count} {what} {args!r:.300}")
            if leads_group:  # the test started the command in a group of its own
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

    leads_group = os.getpgrp() == os.getpid()

    def counted(name: str, holder: object = os) -> None:
        real = getattr(holder, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            step(name, args)
            return real(*args, **kwargs)

        wrapper.__wrapped__ = real  # type: ignore[attr-defined]
        setattr(holder, name, wrapper)

    for name in ("replace", "rename", "link", "symlink", "write", "pwrite", "fsync",
                 "unlink", "remove", "rmdir", "mkdir", "chmod", "ftruncate",
                 "copy_file_range", "sync"):
        if hasattr(os, name):
            counted(name)

    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def counted_os_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & writes:
            step("open", (path,))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    os.open = counted_os_open  # type: ignore[assignment]

    def counted_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(c in mode for c in "wxa+"):
            step("open", (file, mode))
        return real_builtin_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    builtins.open = counted_open  # type: ignore[assignment]
    _watch_fsspec(step, sys)

    def done() -> None:
        (count,) = struct.unpack_from("<Q", shared)
        if os.getpid() == main_pid:
            note(f"done {count}")

    main_pid = os.getpid()
    atexit.register(done)
    real_exit = os._exit

    def exit_now(code: int) -> None:  # mlgit leaves without the interpreter's teardown
        done()
        real_exit(code)

    os._exit = exit_now  # type: ignore[assignment]


_FSSPEC_STEPS = ("_pipe_file", "_put_file", "_mv", "_rm_file", "_rm", "pipe_file", "put_file",
                 "mv", "rm_file")


def _watch_fsspec(step: object, sys: object) -> None:
    """Count the uploads, moves and deletes of fsspec filesystems as write steps, once
    fsspec's base classes are imported (mlgit imports fsspec only for cloud remotes)."""
    import importlib.abc
    import importlib.machinery

    patched: set[type] = set()

    def patch_class(cls: type) -> None:
        for name in _FSSPEC_STEPS:
            real = cls.__dict__.get(name)
            if real is None or getattr(real, "_crash_counted", False):
                continue
            if _is_coroutine(real):
                async def wrapper(*args: object, _real: object = real, _name: str = name,
                                  **kwargs: object) -> object:
                    step(_name, args[1:2])  # type: ignore[operator]
                    return await _real(*args, **kwargs)  # type: ignore[operator]
            else:
                def wrapper(*args: object, _real: object = real, _name: str = name,
                            **kwargs: object) -> object:
                    step(_name, args[1:2])  # type: ignore[operator]
                    return _real(*args, **kwargs)  # type: ignore[operator]
            wrapper._crash_counted = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapper)

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object, target: object = None) -> object:
            if name not in ("s3fs.core", "gcsfs.core", "fsspec.implementations.memory"):
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)  # type: ignore[arg-type]
            if spec is None or spec.loader is None:
                return spec
            real_exec = spec.loader.exec_module  # type: ignore[union-attr]

            def exec_module(module: object) -> None:
                real_exec(module)
                for value in list(vars(module).values()):
                    if isinstance(value, type) and value.__module__ == name \
                            and value not in patched:
                        patched.add(value)
                        patch_class(value)

            spec.loader.exec_module = exec_module  # type: ignore[union-attr,method-assign]
            return spec

    sys.meta_path.insert(0, Finder())  # type: ignore[attr-defined]


def _is_coroutine(fn: object) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn)


if os.environ.get("MLGIT_CRASH_AT"):
    _install(int(os.environ["MLGIT_CRASH_AT"]), os.environ.get("MLGIT_CRASH_LOG", ""))
