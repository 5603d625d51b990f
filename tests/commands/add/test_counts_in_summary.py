"""The line add prints for each artifact counts its files in plain English."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_tree, mlgit


def test_add_counts_files_in_good_english(repo: Path) -> None:
    make_tree(repo, {"one/a": "a", "two/a": "a", "two/b": "b"})
    assert mlgit(repo, "add", "one", "two").lines[:2] == ["added one (1 file, 1 B)",
                                                          "added two (2 files, 2 B)"]
