"""Regression tests for reported bugs: each one failed before its fix."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run, mlgit, write


def assert_clean_error(result: Run, *needles: str) -> None:
    """Bad input: exactly one `error:` line and one `hint:` line on stderr, exit 1."""
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 2, result.err
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.err
    for needle in needles:
        assert needle in result.err, (needle, result.err)


# --- --help shows the help text of arguments ------------------------------------------------


def test_help_shows_argument_help(tmp_path: Path) -> None:
    # click 8.5 silently dropped typer's argument help; pyproject pins a compatible click.
    add = mlgit(tmp_path, "add", "--help")
    assert "Files, folders or glob patterns." in add.out
    config = mlgit(tmp_path, "config", "--help")
    assert "Setting name, e.g. cache.link." in config.out
    assert "New value; omit to read." in config.out


# --- pointers -------------------------------------------------------------------------------


def test_a_renamed_pointer_is_refused_not_followed(repo: Path) -> None:
    write(repo / "a.bin", "the real a")
    mlgit(repo, "add", "a.bin")
    (repo / "a.bin.mlgit").rename(repo / "b.bin.mlgit")
    write(repo / "b.bin", "something else")
    result = mlgit(repo, "status", "b.bin", code=None)
    assert_clean_error(result, 'b.bin.mlgit: path is "a.bin"', 'can only describe "b.bin"',
                       'set its path to "b.bin"')
    before = (repo / "b.bin").read_bytes()
    mlgit(repo, "checkout", "--force", code=1)
    assert (repo / "b.bin").read_bytes() == before
    # re-adding writes a correct pointer
    mlgit(repo, "add", "b.bin")
    assert b'path: "b.bin"' in (repo / "b.bin.mlgit").read_bytes()
    mlgit(repo, "status", code=0)


def test_written_pointers_start_with_the_plain_header(repo: Path) -> None:
    write(repo / "m.bin", "x")
    mlgit(repo, "add", "m.bin")
    first = (repo / "m.bin.mlgit").read_text().splitlines()[0]
    assert first == "# mlgit pointer: names the content of the data beside it;" \
                    " get the data with 'mlgit checkout'"
