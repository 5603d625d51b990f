"""The .gitignore entry mlgit writes for an artifact makes real Git ignore exactly that one path,
whatever characters its name holds; a name no gitignore line can express is refused."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgit.errors import BadPath
from mlgit.workspace import gitignore

TRICKY = [*" \t\r#!*?[]\\-.^$~{},'\"ab", "ü", "日", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"]
CHAR = st.sampled_from(TRICKY) | st.characters(
    blacklist_categories=("Cs",), blacklist_characters="/\0\n")
NAME = st.text(CHAR, min_size=1, max_size=8).filter(
    lambda n: n not in (".", "..", ".git", ".gitignore") and not n.endswith(".mlgit-tmp"))

_counter = itertools.count()


def _git_status(root: Path, folder: str) -> dict[str, str]:
    """path -> porcelain code ('!!' ignored, '??' untracked) for everything in `folder`."""
    out = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--ignored",
                          "--untracked-files=all", "--", folder], cwd=root, check=True,
                         capture_output=True).stdout
    rows = [r.decode("utf-8", "surrogateescape") for r in out.split(b"\0") if r]
    return {r[3:]: r[:2] for r in rows}


def _decoys(name: str) -> set[str]:
    """Names a sloppy pattern for `name` would also match (or that its pattern looks like)."""
    out = {name + "x", "x" + name, name.strip(), name.strip(" "), name.rstrip("\r"),
           gitignore.escape(name)[1:], name.replace("\\", ""), "a", "b", "-"}
    for special in "*?[]\\!# \r":
        out.add(name.replace(special, "x"))
        out.add(name.replace(special, ""))
    return {d for d in out if d and d != name and "/" not in d and "\n" not in d
            and d not in (".", "..", ".git", ".gitignore")}


@pytest.fixture(scope="module")
def shared_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gitignore-names")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


# Another tool's line in a CRLF .gitignore: longer than any generated name, so it never
# ignores one of them by accident.
OTHER_TOOLS = b"# kept\r\n/other-tools-entry\r\n"


def _check_exact(root: Path, name: str, others: set[str], crlf: bool) -> None:
    folder = f"case{next(_counter)}"
    (root / folder).mkdir()
    if crlf:
        (root / folder / ".gitignore").write_bytes(OTHER_TOOLS)
    for n in {name, *others, *_decoys(name)} - {".gitignore"}:
        (root / folder / n).write_bytes(b"x")
    assert gitignore.add_entry(str(root), f"{folder}/{name}") == f"{folder}/.gitignore"
    ignored = {p for p, code in _git_status(root, folder).items() if code == "!!"}
    assert ignored == {f"{folder}/{name}"}
    text = (root / folder / ".gitignore").read_bytes()
    if crlf:
        assert text.startswith(OTHER_TOOLS) and text.endswith(b"\r\n")
        assert text.count(b"\n") == text.count(b"\r\n") == 3
    # adding again changes nothing; removing it ignores nothing again
    assert gitignore.add_entry(str(root), f"{folder}/{name}") is None
    assert gitignore.remove_entry(str(root), f"{folder}/{name}") == f"{folder}/.gitignore"
    assert not any(code == "!!" for code in _git_status(root, folder).values())
    if crlf:
        assert (root / folder / ".gitignore").read_bytes() == OTHER_TOOLS


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAME, others=st.sets(NAME, max_size=4), crlf=st.booleans())
def test_entry_ignores_exactly_that_path(shared_repo: Path, name: str, others: set[str],
                                         crlf: bool) -> None:
    _check_exact(shared_repo, name, others - {name}, crlf)


@pytest.mark.parametrize("name", ["a\r", "\r", "x\ry", " lead", "trail ", "  ", "-dash", "--",
                                  "#", "!", "\\", "\\ ", "[", "]", "*", "?", "[!a]", "a\\*",
                                  "a\x1cb", "a\u2028b", "\x0b"])
def test_named_tricky_names(shared_repo: Path, name: str) -> None:
    _check_exact(shared_repo, name, set(), crlf=False)
    _check_exact(shared_repo, name, set(), crlf=True)


@pytest.mark.parametrize("rel", ["a\nb", "dir/\n", "x/y\nz"])
def test_a_newline_in_the_name_is_refused(rel: str) -> None:
    with pytest.raises(BadPath, match=r"newline"):
        gitignore.check_name(rel)


def test_a_newline_in_a_parent_folder_is_fine() -> None:
    gitignore.check_name("a\nb/data")


def test_lines_of_other_tools_are_kept_byte_for_byte(tmp_path: Path) -> None:
    original = b"*.pyc\r\n# caf\xe9 in latin-1\r\nlast-without-newline"
    (tmp_path / ".gitignore").write_bytes(original)
    gitignore.add_entry(str(tmp_path), "data")
    assert (tmp_path / ".gitignore").read_bytes() == original + b"\r\n/data\r\n"
    gitignore.remove_entry(str(tmp_path), "data")
    assert (tmp_path / ".gitignore").read_bytes() == original + b"\r\n"
