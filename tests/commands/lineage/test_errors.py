"""mlgit lineage of a path mlgit knows nothing of: one error line, one hint, exit 1."""

from __future__ import annotations

from pathlib import Path

from tests.commands.lineage.pipeline import commit
from tests.conftest import assert_clean_error, mlgit, write

PIPELINE = "stages:\n  s: {cmd: mkdir -p out && touch out/a out/b, outs: [out/x, out/y]}\n"


def test_a_path_nothing_makes_or_tracks(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "lineage", "nothing.txt", code=1),
                       "error: nothing.txt: not an output of a stage and not tracked by mlgit",
                       "'mlgit dag --json' lists them")
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "here.txt", "x")
    assert_clean_error(mlgit(repo, "lineage", "here.txt", code=1),
                       "here.txt: not an output of a stage and not tracked by mlgit")


def test_a_plain_git_file(repo: Path) -> None:
    write(repo / "code.py", "print()")
    commit(repo, "code")
    assert_clean_error(mlgit(repo, "lineage", "code.py", code=1),
                       "code.py: not an output of a stage and not tracked by mlgit",
                       "hint: it is a plain Git file: 'git log -- code.py' shows its history")


def test_a_folder_that_holds_outputs(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    assert_clean_error(mlgit(repo, "lineage", "out", code=1),
                       "out: not an output of a stage",
                       "it holds outputs of stages: name one of them (out/x, out/y)")


def test_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    write(tmp_path / "elsewhere.txt", "x")
    assert_clean_error(mlgit(repo, "lineage", str(tmp_path / "elsewhere.txt"), code=1),
                       "path is outside the repository")
    assert_clean_error(mlgit(repo, "lineage", "../elsewhere.txt", code=1),
                       "path is outside the repository")


def test_not_in_the_tracked_folder(repo: Path) -> None:
    write(repo / "images" / "a.png", "aaa")
    mlgit(repo, "add", "images")
    assert_clean_error(mlgit(repo, "lineage", "images/nope.png", code=1),
                       "images/nope.png: no such file or folder in the tracked folder images")


def test_usage(repo: Path) -> None:
    assert mlgit(repo, "lineage", code=2).code == 2


def test_not_in_the_output_folder(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  s: {cmd: mkdir -p out && echo a > out/a, outs: [out]}\n")
    mlgit(repo, "repro")
    assert_clean_error(mlgit(repo, "lineage", "out/nope", code=1),
                       "error: out/nope: no such file or folder in out, the output of stage s",
                       "hint: run 'mlgit lineage out' for the whole output")
    (repo / "out" / "a").unlink()  # deleted since the run: still recorded
    assert mlgit(repo, "lineage", "out/a").lines[4].endswith("; workspace missing")
