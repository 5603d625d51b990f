"""The `git add ...` (and `git rm ...`) lines mlgit prints work when pasted into a shell in the
folder the command ran in: paths relative to it, quoted, and after `--` when needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, mlgit, write

NAMES = ["plain.bin", "-dash.bin", "--", "it's here", "$(touch pwned)", "sp ace;ls", "ünï"]


def _suggested(out: str, command: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(command)]


def _paste(line: str, cwd: Path) -> None:
    subprocess.run(["sh", "-c", line.split("  #")[0]], cwd=cwd, check=True,
                   capture_output=True)


def _staged(repo: Path) -> set[str]:
    out = subprocess.run(["git", "diff", "--cached", "--name-only", "-z"], cwd=repo,
                         check=True, capture_output=True).stdout
    return {p.decode() for p in out.split(b"\0") if p}


@pytest.mark.parametrize("where", ["", "sub", "sub/deeper"])
def test_pasting_the_git_add_line_stages_exactly_the_pointers(repo: Path, where: str) -> None:
    (repo / "sub" / "deeper").mkdir(parents=True)
    for name in NAMES:
        write(repo / "sub" / name, name)
    cwd = repo / where
    prefix = "" if where == "sub" else ("sub/" if where == "" else "../")
    result = mlgit(cwd, "add", "--", *(prefix + n for n in NAMES))
    [line] = _suggested(result.out, "git add ")
    _paste(line, cwd)
    assert _staged(repo) == {f"sub/{n}.mlgit" for n in NAMES} | {"sub/.gitignore"}
    assert not (cwd / "pwned").exists() and not (repo / "pwned").exists()


def test_a_name_starting_with_a_dash_goes_after_double_dash(repo: Path) -> None:
    write(repo / "-n", "x")
    result = mlgit(repo, "add", "--", "-n")
    [line] = _suggested(result.out, "git add ")
    assert line == "git add -- -n.mlgit .gitignore" or line == "git add -- .gitignore -n.mlgit"
    write(repo / "plain", "x")
    [line] = _suggested(mlgit(repo, "add", "plain").out, "git add ")
    assert line == "git add .gitignore plain.mlgit"


def test_pasting_the_rm_lines_from_a_subfolder(repo: Path) -> None:
    for name in ("-a", "b c"):
        write(repo / "sub" / name, name)
    mlgit(repo, "add", "--", "sub/-a", "sub/b c")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    cwd = repo / "sub"
    result = mlgit(cwd, "rm", "--", "-a", "b c")
    lines = _suggested(result.out, "git ")
    assert len(lines) == 2 and lines[0].startswith("git rm --cached --quiet -- ")
    for line in lines:
        _paste(line, cwd)
    status = git(repo, "status", "--porcelain")
    assert "D  sub/-a.mlgit" in status and 'D  "sub/b c.mlgit"' in status
    assert "D  sub/.gitignore" in status
