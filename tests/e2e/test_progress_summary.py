"""On a terminal, the summary line printed after the progress bars starts at the left edge
of its own line: nothing of the bars is left before it, and it is not pushed to the right."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.conftest import make_tree, mlgit, read_pty

WIDTH = 80


def _on_a_terminal(repo: Path, *args: str) -> bytes:
    """Everything mlgit wrote with stdout and stderr on one 80x24 pseudo-terminal."""
    env = {k: v for k, v in os.environ.items() if k != "MLGIT_NO_PROGRESS"}
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, WIDTH, 0, 0))
    try:
        proc = subprocess.Popen([sys.executable, "-m", "mlgit", *args], cwd=repo, env=env,
                                stdout=secondary, stderr=secondary)
        os.close(secondary)
        screen = read_pty(main)
        assert proc.wait(timeout=60) == 0, screen
    finally:
        os.close(main)
    return screen


def _screen(raw: bytes) -> list[str]:
    """What a terminal shows after `raw`: carriage return, newline, cursor up (ESC [ A),
    erase to end of line (ESC [ K) and wrapping at WIDTH columns."""
    rows: list[list[str]] = [[]]
    row = col = 0
    text = raw.decode()
    i = 0
    while i < len(text):
        escape = re.match(r"\x1b\[(\d*)([A-Za-z])", text[i:])
        if escape:
            count, code = int(escape.group(1) or 1), escape.group(2)
            if code == "A":
                row = max(0, row - count)
            elif code == "K":
                del rows[row][col:]
            else:
                raise AssertionError(f"unexpected escape {escape.group(0)!r}")
            i += len(escape.group(0))
            continue
        ch = text[i]
        i += 1
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row += 1
        else:
            if col == WIDTH:
                row, col = row + 1, 0
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = ch
            col += 1
        while len(rows) <= row:
            rows.append([])
    return ["".join(r).rstrip() for r in rows]


@pytest.fixture
def data(repo: Path) -> Path:
    make_tree(repo / "data", {f"f{i}": os.urandom(3000) for i in range(300)})
    return repo


def test_the_add_summary_starts_its_own_line(data: Path) -> None:
    screen = _screen(_on_a_terminal(data, "add", "data"))
    added = [line for line in screen if "added data" in line]
    assert added == ["added data (300 files, 878.9 KiB)"], screen
    assert "git add .gitignore data.mlgit" in [line.strip() for line in screen]


def test_the_push_and_pull_summaries_start_their_own_line(data: Path, tmp_path: Path) -> None:
    mlgit(data, "add", "data")
    mlgit(data, "remote", "add", "origin", str(tmp_path / "store"))
    screen = _screen(_on_a_terminal(data, "push"))
    assert [line for line in screen if "pushed" in line] == [
        "pushed 301 objects (894.4 KiB) to origin; 0 already on the remote; 0 failed"], screen
    for path in (data / "data").iterdir():
        path.unlink()
    (data / "data").rmdir()
    screen = _screen(_on_a_terminal(data, "pull"))
    summary = [line for line in screen if line.strip()]
    assert summary[-2].startswith("fetched 0 objects"), screen
    assert summary[-1] == "data: 300 restored", screen
