"""Paths in hints: each quoted once, as a shell word a real shell reads back as the path, and
each command in quotes that its words' quoting never nests inside."""

from __future__ import annotations

import re
import subprocess

import pytest

from mlgit.paths import shell_args, shell_command, shell_word

ODD_NAMES = ["plain.bin", "my file.bin", "it's.bin", 'say "hi".bin', "a$HOME`x`\\.bin",
             "tab\there.bin", "-dash.bin", "über.bin", "", "both ' and \".bin", "new\nline"]


def _read_back(words: str) -> list[str]:
    """What bash hands a command given `words` (bash: the $'...' form is bash's)."""
    out = subprocess.run(["bash", "-c", f"printf '%s\\0' {words}"], capture_output=True,
                         check=True).stdout
    return out.decode().split("\0")[:-1]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_a_shell_word_reads_back_as_the_name(name: str) -> None:
    assert _read_back(shell_word(name)) == [name]


def test_shell_args_put_dash_names_behind_double_dash() -> None:
    assert shell_args("-dash.bin", "a b") == "-- -dash.bin 'a b'"
    assert _read_back(shell_args("-dash.bin", "a b")) == ["--", "-dash.bin", "a b"]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_a_command_is_quoted_once_and_its_inside_pastes(name: str) -> None:
    text = shell_command("mlgit add", name)
    mark, inside = text[0], text[1:-1]
    assert text[-1] == mark and mark in "'\"`"
    assert mark not in inside  # no quote of the same kind nested inside
    words = _read_back(inside)
    assert words[:2] == ["mlgit", "add"] and words[-1] == name
    assert words[2:-1] == (["--"] if name.startswith("-") else [])


def test_plain_commands_keep_the_usual_single_quotes() -> None:
    assert shell_command("mlgit add", "data/model.bin") == "'mlgit add data/model.bin'"
    assert shell_command("mlgit add", "my file.bin") == "\"mlgit add 'my file.bin'\""
    assert shell_command("git checkout --", "-x.mlgit") == "'git checkout -- -x.mlgit'"
    assert re.fullmatch(r"`mlgit add \"it's.bin\"`", shell_command("mlgit add", "it's.bin"))
