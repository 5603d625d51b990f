"""How long-running library code reports progress and warnings without knowing the screen.

A command receives an `OpenProgress` (and a repository a `Warn`) from its caller; the command
line hands in tqdm bars and `warning:` lines, everything else gets the silent defaults here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

ProgressCallback = Callable[[int, int], None]
"""Called with (files done, bytes done) increments by long-running library code."""



TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class OpenProgress(Protocol):
        """Opens the progress of one step: (description, total files, total bytes; None
        when unknown). The command line hands in bars on the terminal."""

        def __call__(self, desc: str, files: int | None = None, nbytes: int | None = None, /
                     ) -> AbstractContextManager[ProgressCallback]: ...
else:  # only a name at run time: importing typing costs every status ~2 ms
    OpenProgress = Callable


Warn = Callable[[str], None]
"""Reports one warning (a sentence without the `warning:` prefix)."""


def noop_progress(files: int, nbytes: int) -> None:
    """A ProgressCallback that shows nothing."""


def no_progress(desc: str, files: int | None = None, nbytes: int | None = None, /
                ) -> AbstractContextManager[ProgressCallback]:
    """An OpenProgress that shows nothing."""
    return contextlib.nullcontext(noop_progress)


def ignore_warning(text: str) -> None:
    """A Warn that shows nothing."""
