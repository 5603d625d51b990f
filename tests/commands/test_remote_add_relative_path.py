"""`mlgit remote add` with a relative local path, run from a subfolder: what the command
reference says is what happens."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mlgit

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _remote_add_details() -> str:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    start = text.index("## mlgit remote add")
    return text[start:text.index("\n## ", start + 1)]


def test_relative_path_from_a_subfolder(repo: Path, tmp_path: Path) -> None:
    (repo / "sub").mkdir()
    mlgit(repo / "sub", "remote", "add", "store", "../../store")
    # relative to the current folder, stored relative to the top, and created
    assert (tmp_path / "store").is_dir()
    assert "url: ../store" in (repo / ".mlgit" / "config.yaml").read_text()
    assert "../store" in mlgit(repo, "remote", "list").out

    details = _remote_add_details()
    assert "relative to the current folder" in details
    assert "stored relative to the top of the repository" in details
    assert "taken relative to the top of the repository" not in details
    assert "not contacted" not in details or "folder is created" in details
