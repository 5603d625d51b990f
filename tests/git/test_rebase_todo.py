"""git/hooks.py: whether a rebase under way has anything left to replay, read from the todo
list Git keeps in rebase-merge, with the repository's own comment character."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.git import hooks
from tests.conftest import git


def _todo(repo: Path, text: str) -> None:
    folder = repo / ".git" / "rebase-merge"
    folder.mkdir(exist_ok=True)
    (folder / "git-rebase-todo").write_text(text)


HELP = "{c} Rebase 1a2b3c4..5d6e7f8 onto 1a2b3c4 (1 command)\n{c}\n{c} Commands:\n"


@pytest.mark.parametrize(("setting", "char"), [
    (None, "#"), (";", ";"), ("auto", "#"), ("AUTO", "#")])
def test_comment_lines_use_the_configured_comment_character(
        gitrepo: Path, setting: str | None, char: str) -> None:
    if setting is not None:
        git(gitrepo, "config", "core.commentChar", setting)
    _todo(gitrepo, "noop\n\n" + HELP.format(c=char))
    assert hooks.rebase_has_nothing_left(str(gitrepo))
    _todo(gitrepo, "drop 5d6e7f8 old\n  d 5d6e7f9 older\n" + HELP.format(c=char))
    assert hooks.rebase_has_nothing_left(str(gitrepo))
    _todo(gitrepo, "pick 5d6e7f8 mine\n" + HELP.format(c=char))
    assert not hooks.rebase_has_nothing_left(str(gitrepo))


def test_a_hash_line_is_no_comment_when_another_character_is_set(gitrepo: Path) -> None:
    git(gitrepo, "config", "core.commentChar", ";")
    _todo(gitrepo, "# not a comment here\n")
    assert not hooks.rebase_has_nothing_left(str(gitrepo))


def test_the_comment_string_read_last_wins(gitrepo: Path) -> None:
    """Newer Git also reads core.commentString, of more than one character; the setting it
    reads last is the one in force."""
    git(gitrepo, "config", "core.commentChar", ";")
    with open(gitrepo / ".git" / "config", "a") as f:
        f.write("[core]\n\tcommentString = //\n")
    assert hooks.comment_prefix(str(gitrepo)) == b"//"
    _todo(gitrepo, "// Rebase\n; not a comment now\n")
    assert not hooks.rebase_has_nothing_left(str(gitrepo))
    _todo(gitrepo, "noop\n// Rebase\n")
    assert hooks.rebase_has_nothing_left(str(gitrepo))


def test_no_todo_list_is_no_rebase_with_nothing_left(gitrepo: Path) -> None:
    assert not hooks.rebase_has_nothing_left(str(gitrepo))
