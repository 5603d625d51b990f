"""File names with characters gitignore, Git or UTF-8 treat specially: mlgit add either
ignores exactly that path or refuses the name before writing anything."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_clean_error, cache_oids, git, mlgit, read_tree, write

ODD = ["#hash", "!bang", "star*", "q?", "[set]", "back\\slash", " lead", "trail ", "-dash",
       "--", "-", "a\rb", "cr\r", "tab\tname", "ünï 日本"]


def _porcelain(root: Path) -> dict[str, str]:
    out = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--ignored",
                          "--untracked-files=all"], cwd=root, check=True,
                         capture_output=True).stdout
    rows = [r.decode("utf-8", "surrogateescape") for r in out.split(b"\0") if r]
    return {r[3:]: r[:2] for r in rows}


def _state(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in read_tree(root).items() if not k.startswith((".git/", ".mlgit/tmp"))}


@pytest.mark.parametrize("folder", ["", "sub/"])
def test_odd_names_are_ignored_exactly(repo: Path, folder: str) -> None:
    decoys = ["plain", "hash", "bang", "starx", "qx", "s", "backslash", "lead", "trail",
              "dash", "a", "ab", "cr", "set"]
    for name in [*ODD, *decoys]:
        write(repo / folder / name, name)
    mlgit(repo, "add", "--", *(folder + n for n in ODD))
    state = _porcelain(repo)
    ignored = {p for p, code in state.items() if code == "!!" and not p.startswith(".mlgit/")}
    assert ignored == {folder + n for n in ODD}
    # `git add -A` commits every pointer and never the data
    git(repo, "add", "-A")
    out = subprocess.run(["git", "diff", "--cached", "--name-only", "-z"], cwd=repo,
                         check=True, capture_output=True).stdout
    staged = {p.decode() for p in out.split(b"\0") if p}
    assert {folder + n + ".mlgit" for n in ODD} <= staged
    assert not {folder + n for n in ODD} & staged
    assert {folder + d for d in decoys} <= staged


def test_a_newline_in_the_name_is_refused_before_anything_is_written(repo: Path) -> None:
    write(repo / "a\nb", "data")
    write(repo / "b", "unrelated")
    before = _state(repo)
    assert_clean_error(mlgit(repo, "add", "a\nb", code=None),
                       "a\\nb: the name contains a newline", "rename it")
    assert _state(repo) == before
    assert cache_oids(repo) == []
    assert not (repo / ".gitignore").exists()


def test_a_newline_with_other_paths_refuses_them_all(repo: Path) -> None:
    write(repo / "good.bin", "good")
    write(repo / "bad\nname", "bad")
    before = _state(repo)
    assert_clean_error(mlgit(repo, "add", "good.bin", "bad\nname", code=None), "newline")
    assert _state(repo) == before
    assert cache_oids(repo) == []


def test_a_newline_inside_a_tracked_folder_is_fine(repo: Path) -> None:
    write(repo / "data" / "x\ny", "inner")
    mlgit(repo, "add", "data")
    (repo / "data" / "x\ny").unlink()
    mlgit(repo, "checkout")
    assert (repo / "data" / "x\ny").read_bytes() == b"inner"


BAD = "caf\udce9.bin"  # b"caf\xe9.bin": Latin-1, not UTF-8


def _make_bad(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.fsencode(path), "wb") as f:
        f.write(b"latin-1 named")


def test_a_name_that_is_not_utf8_is_refused_at_top_level(repo: Path) -> None:
    _make_bad(repo / BAD)
    before = _state(repo)
    result = mlgit(repo, "add", BAD, code=None)
    assert_clean_error(result, "caf\\xe9.bin: the name is not valid UTF-8", "rename it")
    assert _state(repo) == before
    assert cache_oids(repo) == []


def test_a_name_that_is_not_utf8_inside_a_folder_is_refused(repo: Path) -> None:
    write(repo / "data" / "ok.bin", "fine")
    _make_bad(repo / "data" / "deep" / BAD)
    before = _state(repo)
    result = mlgit(repo, "add", "data", code=None)
    assert_clean_error(result, "data/deep/caf\\xe9.bin: the name is not valid UTF-8",
                       "or move it out of data")
    assert _state(repo) == before
    assert cache_oids(repo) == []


def test_a_folder_that_is_not_utf8_is_refused(repo: Path) -> None:
    _make_bad(repo / "d\udcff" / "f")
    assert_clean_error(mlgit(repo, "add", "d\udcff/f", code=None), "d\\xff/f: the name is not")


def test_status_and_checkout_of_a_folder_that_gains_such_a_name(repo: Path) -> None:
    write(repo / "data" / "ok.bin", "fine")
    mlgit(repo, "add", "data")
    _make_bad(repo / "data" / BAD)
    status = mlgit(repo, "status", code=None)
    assert status.code == 0 and "data: modified" in status.out
    assert "    added: caf\\xe9.bin" in status.lines
    as_json = mlgit(repo, "status", "--json")
    assert json.loads(as_json.out)[0]["added"] == [BAD]
    result = mlgit(repo, "checkout", code=1)
    assert "caf\\xe9.bin: changed in the workspace" in result.err
    assert_clean_error(mlgit(repo, "add", "data", code=None), "not valid UTF-8")


@pytest.mark.parametrize("command", [["add"], ["status"], ["checkout"], ["rm"], ["unprotect"],
                                     ["ls", "--bogus"], ["config"], ["nosuchcommand"],
                                     ["push"], ["add", "--"]])
def test_arguments_that_are_not_utf8_never_crash(repo: Path, command: list[str]) -> None:
    result = mlgit(repo, *command, "x\udcff", code=None)
    assert result.code in (1, 2), result
    assert "unexpected problem" not in result.err
    assert "\udcff" not in result.err


def test_a_folder_that_is_not_utf8_inside_a_tracked_folder(repo: Path) -> None:
    write(repo / "data" / "ok.bin", "fine")
    mlgit(repo, "add", "data")
    _make_bad(repo / "data" / "d\udcfd" / "f")
    assert "    added: d\\xfd/f" in mlgit(repo, "status").lines
    assert "    added: d\\xfd/f" in mlgit(repo, "status").lines  # again, with a state DB
    assert "data/d\\xfd/f: changed in the workspace" in mlgit(repo, "checkout", code=1).err
    assert_clean_error(mlgit(repo, "add", "data", code=None), "data/d\\xfd/f: the name is not")
    assert_clean_error(mlgit(repo, "add", "data/d\udcfd/f", code=None),
                       "data/d\\xfd/f: the name is not")
    for command in ("status", "checkout", "unprotect"):
        result = mlgit(repo, command, "data/d\udcfd", code=None)
        assert result.code in (0, 1) and "unexpected" not in result.err, result
    mlgit(repo, "checkout", "--force")
    assert not (repo / "data" / "d\udcfd").exists()
    assert mlgit(repo, "status").lines == ["data: unchanged"]


NAME_CHARS = st.sampled_from([*" \t\r\n#!*?[]\\-.'\"$`;&|<>(){}~^", "a", "b", "ü", "日",
                              "\x0b", "\x1c", "\u2028"])
ANY_NAME = st.text(NAME_CHARS, min_size=1, max_size=6).filter(
    lambda n: n not in (".", "..") and not n.endswith(".mlgit"))
_case = itertools.count()


@pytest.fixture(scope="module")
def shared_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd-names") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    mlgit(root, "init")
    return root


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=ANY_NAME)
def test_any_name_is_ignored_exactly_or_refused_cleanly(shared_repo: Path, name: str) -> None:
    """Through the real CLI and real Git: the data is ignored and nothing else is, and
    `git status` shows the pointer; or (a newline) one clean error and nothing written."""
    folder = f"case{next(_case)}"
    write(shared_repo / folder / name, b"data")
    write(shared_repo / folder / "other", b"x")
    result = mlgit(shared_repo, "add", "--", f"{folder}/{name}", code=None)
    state = {p: code for p, code in _porcelain(shared_repo).items() if p.startswith(folder)}
    if "\n" in name:
        assert_clean_error(result, "newline")
        assert state == {f"{folder}/{name}": "??", f"{folder}/other": "??"}
        return
    assert result.code == 0, result
    assert state == {f"{folder}/{name}": "!!", f"{folder}/{name}.mlgit": "??",
                     f"{folder}/.gitignore": "??", f"{folder}/other": "??"}


def test_a_crlf_gitignore_keeps_its_line_ends(repo: Path) -> None:
    (repo / ".gitignore").write_bytes(b"*.pyc\r\n# notes\r\n")
    write(repo / "model.bin", "w")
    write(repo / "data set", "d")
    mlgit(repo, "add", "model.bin", "data set")
    assert (repo / ".gitignore").read_bytes() == b"*.pyc\r\n# notes\r\n/model.bin\r\n/data set\r\n"
    ignored = {p for p, c in _porcelain(repo).items() if c == "!!"}
    assert {"model.bin", "data set"} <= ignored
    mlgit(repo, "rm", "model.bin")
    assert (repo / ".gitignore").read_bytes() == b"*.pyc\r\n# notes\r\n/data set\r\n"
