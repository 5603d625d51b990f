"""Setting a value rewrites the settings file but keeps its comment header."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mlgit


def test_setting_a_value_keeps_the_comment_header(repo: Path) -> None:
    config = repo / ".mlgit" / "config.yaml"
    header = config.read_text()
    assert header.startswith("# ")
    mlgit(repo, "config", "core.jobs", "3")
    assert config.read_text() == header + "core:\n  jobs: 3\n"
    config.write_text("# Team settings: ask #data before changing.\n#\n\ncore:\n  jobs: 3\n")
    mlgit(repo, "config", "cache.link", "hardlink,copy")
    assert config.read_text().startswith("# Team settings: ask #data before changing.\n#\n")
    mlgit(repo, "config", "--local", "core.jobs", "2")
    local = (repo / ".mlgit" / "config.local.yaml").read_text()
    assert local.startswith("# mlgit settings for this machine only")
    assert local.endswith("core:\n  jobs: 2\n")
    assert mlgit(repo, "config", "cache.link").out == "hardlink,copy\n"
