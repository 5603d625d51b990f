"""The exit code table and the config key table match the code."""

from __future__ import annotations

import re
from pathlib import Path

from mlgit.cli import exit_codes
from mlgit.config import KEYS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_exit_code_table_matches_entry_point() -> None:
    table = re.findall(r"^\| `(\d+)` \|", _read("exit-codes.md"), re.MULTILINE)
    codes = {exit_codes.EXIT_OK, exit_codes.EXIT_FAILED, exit_codes.EXIT_USAGE,
             exit_codes.EXIT_BUG, exit_codes.EXIT_INTERRUPTED}
    assert sorted(int(c) for c in table) == sorted(codes)


def test_config_table_lists_exactly_the_known_keys() -> None:
    text = _read("formats.md")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+\.[a-z_.]+)` \|", section, re.MULTILINE)
    assert sorted(documented) == sorted(KEYS)
