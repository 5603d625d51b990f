"""Names with control characters (newline, escape, tab) or bytes that are not UTF-8: human
output shows them escaped, one line per path; --json keeps them exactly."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import assert_clean_error, git, mlgit, write

NEWLINE = "nl\nname.txt"
ESCAPE = "esc\x1bname.txt"
NOT_UTF8 = "bad\udcffname.txt"


def _tracked_folder(repo: Path) -> None:
    write(repo / "data" / "ok.bin", "fine")
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")


def _make(path: Path, data: bytes) -> None:
    with open(os.fsencode(path), "wb") as f:
        f.write(data)


def test_status_shows_each_odd_name_on_one_escaped_line(repo: Path) -> None:
    _tracked_folder(repo)
    for name in (NEWLINE, ESCAPE, NOT_UTF8):
        _make(repo / "data" / name, b"new")
    status = mlgit(repo, "status", "data")
    assert status.lines == ["data: modified", "    added: bad\\xffname.txt",
                            "    added: esc\\x1bname.txt", "    added: nl\\nname.txt"]
    assert "\x1b" not in status.out
    as_json = json.loads(mlgit(repo, "status", "--json", "data").out)
    assert sorted(as_json[0]["added"]) == sorted([NEWLINE, ESCAPE, NOT_UTF8])


def test_checkout_conflicts_are_one_line_each(repo: Path) -> None:
    _tracked_folder(repo)
    for name in (NEWLINE, ESCAPE):
        _make(repo / "data" / name, b"not in the cache")
    result = mlgit(repo, "checkout", "data", code=1)
    errors = result.err.splitlines()
    assert "error: data/nl\\nname.txt: changed in the workspace and not in the cache;" \
           " left as is" in errors
    assert "error: data/esc\\x1bname.txt: changed in the workspace and not in the cache;" \
           " left as is" in errors
    assert len(errors) == 3 and "keep the changes with 'mlgit add'" in errors[2]
    # ... and that hint works: such names can be recorded inside a folder
    mlgit(repo, "add", "data")
    assert mlgit(repo, "status", "data").lines == ["data: unchanged"]


def test_a_name_mlgit_cannot_record_gets_a_rename_hint(repo: Path) -> None:
    _tracked_folder(repo)
    _make(repo / "data" / NOT_UTF8, b"not in the cache")
    result = mlgit(repo, "checkout", "data", code=1)
    errors = result.err.splitlines()
    assert errors[0] == ("error: data/bad\\xffname.txt: changed in the workspace and not in"
                         " the cache; left as is")
    assert len(errors) == 2 and errors[1].startswith("hint: ")
    assert "mlgit add" not in errors[1] and "rename it" in errors[1]
    assert "move it out of the tracked folder" in errors[1]
    assert (repo / "data" / NOT_UTF8).exists()


def test_an_error_about_a_name_with_a_newline_is_one_line(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "status", "no\nsuch", code=None), "error: no\\nsuch: not")


def test_the_git_add_line_for_a_control_character_name_can_be_pasted(repo: Path) -> None:
    write(repo / "sub" / ESCAPE, "data")
    result = mlgit(repo, "add", f"sub/{ESCAPE}")
    assert "\x1b" not in result.out
    assert result.lines[0] == "added sub/esc\\x1bname.txt (4 B)"
    line = [x.strip() for x in result.lines if x.strip().startswith("git add")]
    assert line == ["git add sub/.gitignore $'sub/esc\\x1bname.txt.mlgit'"]
    subprocess.run(["bash", "-c", line[0]], cwd=repo, check=True)
    staged = git(repo, "diff", "--cached", "--name-only", "-z").split("\0")
    assert f"sub/{ESCAPE}.mlgit" in staged
