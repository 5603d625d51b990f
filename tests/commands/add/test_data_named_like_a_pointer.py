"""A data file whose name ends in .mlgit but which is no pointer: every command says so and
tells the user to rename it, instead of hints that lead in a circle."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit, write

MESSAGE = "error: d/notes.mlgit: named like an mlgit pointer but is not one"


@pytest.mark.parametrize("content", [b"hi\n", b"- a\n- list\n", b"title: my notes\n",
                                     b"a: [unclosed\n", b"\x00\x01binary"])
def test_a_folder_holding_such_a_file_cannot_be_added(repo: Path, content: bytes) -> None:
    write(repo / "d" / "notes.mlgit", content)
    write(repo / "d" / "x", "x")
    result = mlgit(repo, "add", "d", code=None)
    assert_clean_error(result, MESSAGE, "rename it",
                       "a folder tracked by mlgit cannot hold a file whose name ends in .mlgit")
    assert "mlgit rm" not in result.err
    assert not (repo / "d.mlgit").exists()
    # the other commands agree and never suggest 'git checkout' or 'mlgit add'
    for command in (["rm", "d/notes"], ["status", "d/notes"]):
        result = mlgit(repo, *command, code=1)
        assert_clean_error(result, MESSAGE, "rename it")
        assert "git checkout" not in result.err and "mlgit add" not in result.err
    assert (repo / "d" / "notes.mlgit").read_bytes() == content


def test_after_renaming_the_folder_is_added(repo: Path) -> None:
    write(repo / "d" / "notes.mlgit", "hi\n")
    write(repo / "d" / "x", "x")
    mlgit(repo, "add", "d", code=1)
    (repo / "d" / "notes.mlgit").rename(repo / "d" / "notes.txt")
    mlgit(repo, "add", "d")
    assert mlgit(repo, "status").lines == ["d: unchanged"]


@pytest.mark.parametrize("content", [b"version: 1\nkind: [file\n", b"", b"- version: 1\n"])
def test_a_damaged_pointer_keeps_the_restore_hint(repo: Path, content: bytes) -> None:
    write(repo / "m.bin", "model")
    mlgit(repo, "add", "m.bin")
    (repo / "m.bin.mlgit").write_bytes(content)
    result = mlgit(repo, "status", "m.bin", code=1)
    assert_clean_error(result, "error: m.bin.mlgit: ", "git checkout -- m.bin.mlgit")
    assert "named like" not in result.err
