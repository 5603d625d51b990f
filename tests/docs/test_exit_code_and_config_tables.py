"""The exit code table and the config key table match the code."""

from __future__ import annotations

import re

from mlgit.cli import exit_codes
from mlgit.config import KEYS
from tests.docs.markdown import read_doc


def test_exit_code_table_matches_entry_point() -> None:
    table = re.findall(r"^\| `(\d+)` \|", read_doc("exit-codes.md"), re.MULTILINE)
    codes = {exit_codes.EXIT_OK, exit_codes.EXIT_FAILED, exit_codes.EXIT_USAGE,
             exit_codes.EXIT_BUG, exit_codes.EXIT_INTERRUPTED}
    assert sorted(int(c) for c in table) == sorted(codes)


def test_config_table_lists_exactly_the_known_keys() -> None:
    text = read_doc("formats.md")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+\.[a-z_.]+)` \|", section, re.MULTILINE)
    assert sorted(documented) == sorted(KEYS)
