"""The crash reporter survives any exception text, any arguments and an unwritable crash folder:
it prints two lines (error, hint), never a traceback, and never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from mlgit.cli.crash import report_crash


class StrFails(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class ReprAndStrFail(Exception):
    def __str__(self) -> str:
        raise ValueError("str")

    def __repr__(self) -> str:
        raise ValueError("repr")


NASTY = [
    ValueError("file caf\udce9.bin"),  # a name that is not UTF-8
    ValueError("lone \ud800 surrogate"),  # not even surrogateescape can encode it
    ValueError("two\nlines\rand a return"),
    UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed"),
    StrFails("x"),
    ReprAndStrFail(),
    OSError(5, "I/O error", "/data/\udcfe"),
    Exception(),
]


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


@pytest.mark.parametrize("exc", NASTY, ids=lambda e: type(e).__name__)
def test_any_exception_gives_two_lines_and_a_log(exc: BaseException, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # not a repository: the log goes to $TMPDIR/mlgit
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    path = report_crash(_raised(exc), ["add", "x\udcff", "\ud800"])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("error: mlgit hit an unexpected problem: " + type(exc).__name__)
    assert lines[1].startswith("hint: this is a bug; the details are in")
    assert path is not None and path.startswith(str(tmp_path / "tmp" / "mlgit"))
    log = Path(path).read_text(encoding="utf-8")
    assert log.startswith("mlgit ") and "crashed running: mlgit add x\\udcff \\ud800" in log
    assert "Traceback" in log
    for line in lines:
        line.encode("utf-8")  # printable as is


def test_no_writable_crash_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the crash folder should be")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(blocker))
    assert report_crash(_raised(ValueError("boom \udce9")), ["status"]) is None
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0] == "error: mlgit hit an unexpected problem: ValueError: boom \\xe9"
    assert lines[1].startswith("hint: this is a bug; no crash log could be written (")
