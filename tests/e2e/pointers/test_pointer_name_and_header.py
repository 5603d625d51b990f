"""A pointer names its own artifact (a renamed one is refused, never followed), and the pointers
mlgit writes start with the plain header."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import assert_clean_error, mlgit, write


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
