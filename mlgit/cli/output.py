"""All user-facing output: plain lines, JSON, errors and tqdm progress bars on stderr."""

from __future__ import annotations

import os
import sys
from types import TracebackType

from mlgit.paths import escape_undecodable, printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from mlgit.progress import ProgressCallback


def out(text: str = "") -> None:
    _write(sys.stdout, escape_undecodable(text) + "\n")


def err(text: str) -> None:
    _write(sys.stderr, escape_undecodable(text) + "\n")


def _write(stream: TextIO, text: str) -> None:
    """Write `text`; what the stream cannot encode (say, non-ASCII on an ASCII terminal) is
    shown as backslash escapes instead of failing."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = stream.encoding or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


_DIAGNOSTICS = ("error: ", "hint: ", "warning: ")


def line(text: str) -> None:
    """A line of a command's report: on stderr when it is an `error:`, `hint:` or
    `warning:` line, on stdout otherwise (docs/exit-codes.md, "Where output goes")."""
    (err if text.startswith(_DIAGNOSTICS) else out)(text)


def warning(text: str) -> None:
    err(f"warning: {text}")


def json_out(data: Any) -> None:
    import json  # here: importing it (and re with it) costs every plain status ~4 ms

    text = json.dumps(data, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8: JSON's \\u escapes carry it
        text = json.dumps(data, indent=2)
    _write(sys.stdout, text + "\n")


def error(message: str, hint: str = "") -> None:
    """One `error:` line and one `hint:` line: a newline or other control character in a
    name they quote is shown escaped."""
    err(f"error: {printable(message)}")
    if hint:
        err(f"hint: {printable(hint)}")


def _progress_enabled(stream: TextIO) -> bool:
    if os.environ.get("MLGIT_NO_PROGRESS"):
        return False
    return stream.isatty()


def _terminal_shape(stream: TextIO) -> tuple[int | None, int | None]:
    """(columns, rows) to draw with: the terminal's own, or 80x24 when it reports none
    (a fresh pseudo-terminal says 0x0, and tqdm then draws nothing)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except OSError:
        return 80, 24
    return (None, None) if size.columns > 0 and size.lines > 0 else (80, 24)


class Progress:
    """Two tqdm bars (files, bytes) on stderr when it is a terminal; silent otherwise."""

    def __init__(self, desc: str, total_files: int | None = None,
                 total_bytes: int | None = None) -> None:
        self._bars: list[Any] = []
        if not _progress_enabled(sys.stderr):
            return
        from tqdm import tqdm

        cols, rows = _terminal_shape(sys.stderr)
        self._bars = [
            tqdm(total=total_files, desc=desc, unit=" files", file=sys.stderr, leave=False,
                 position=0, mininterval=0.2, ncols=cols, nrows=rows),
            tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024,
                 file=sys.stderr, leave=False, position=1, mininterval=0.2, ncols=cols,
                 nrows=rows),
        ]

    def update(self, files: int, nbytes: int) -> None:
        if self._bars:
            self._bars[0].update(files)
            self._bars[1].update(nbytes)

    def __enter__(self) -> ProgressCallback:
        return self.update

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for bar in self._bars:
            bar.close()
        if self._bars:
            # closing leaves the cursor on the first bar's (cleared) line but after the
            # spaces that cleared the second: back to the start, so the next line is not
            # indented (stdout shares the terminal)
            sys.stderr.write("\r")
            sys.stderr.flush()
