"""Where output goes (docs/exit-codes.md): the listing on stdout, every `error:`, `hint:` and
`warning:` line on stderr, so an error and its hint are never split between the two, and
`--json` keeps everything in the JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, git, mlgit, write

DIAGNOSTIC = ("error:", "hint:", "warning:")


def _no_diagnostics_on_stdout(result: Run) -> None:
    assert not [line for line in result.out.splitlines() if line.lstrip().startswith(DIAGNOSTIC)
                or ": error:" in line], result.out


def _with_a_broken_pointer(repo: Path, tmp_path: Path) -> None:
    write(repo / "good.bin", "g")
    mlgit(repo, "add", "good.bin")
    mlgit(repo, "remote", "add", "store", str(tmp_path / "store"), "--default")
    mlgit(repo, "push")
    write(repo / "bad.bin.mlgit", "version: 2\n")


def test_status_lists_on_stdout_and_pairs_each_error_with_its_hint_on_stderr(
        repo: Path, tmp_path: Path) -> None:
    _with_a_broken_pointer(repo, tmp_path)
    result = mlgit(repo, "status", code=1)
    _no_diagnostics_on_stdout(result)
    assert result.lines == ["good.bin: unchanged"]
    assert result.err.splitlines() == [
        "error: bad.bin.mlgit: unsupported pointer format version 2 (this mlgit reads"
        " version 1)",
        "hint: upgrade mlgit, or restore the file from Git"]
    rows = json.loads(mlgit(repo, "status", "--json", code=1).out)
    assert {"pointer": "bad.bin.mlgit", "error": "unsupported pointer format version 2 (this"
            " mlgit reads version 1)", "hint": "upgrade mlgit, or restore the file from Git"} \
        in rows


def test_status_of_the_remote_and_fsck_follow_the_same_rule(
        repo: Path, tmp_path: Path) -> None:
    _with_a_broken_pointer(repo, tmp_path)
    remote = mlgit(repo, "status", "--remote", code=1)
    _no_diagnostics_on_stdout(remote)
    assert remote.lines == ["good.bin: in cache and on store"]
    assert remote.err.splitlines()[0].startswith("error: bad.bin.mlgit: unsupported pointer")
    assert remote.err.splitlines()[1].startswith("hint: 'mlgit status' says why")
    fsck = mlgit(repo, "fsck", code=None)
    _no_diagnostics_on_stdout(fsck)
    assert "error: bad.bin.mlgit: cannot read this pointer" in fsck.err
    assert "hint: 'mlgit status' says why each pointer cannot be read" in fsck.err


def test_gc_warns_on_stderr(repo: Path, tmp_path: Path) -> None:
    """A pointer that cannot be read in an older commit: gc keeps nothing for it and warns."""
    write(repo / "bad.bin.mlgit", "version: 2\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "broken")
    git(repo, "rm", "-q", "bad.bin.mlgit")
    git(repo, "commit", "-qm", "gone")
    write(repo / "old.bin", "old")
    mlgit(repo, "add", "old.bin")
    (repo / "old.bin").unlink()
    (repo / "old.bin.mlgit").unlink()
    result = mlgit(repo, "gc", "-f", "--all-commits", code=None)
    _no_diagnostics_on_stdout(result)
    assert "warning: " in result.err and "bad.bin.mlgit" in result.err, result
