"""docs/exit-codes.md documents each message once, with the hint the code gives."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from mlgit.config import _known_hint

DOC = Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md"


def _rows() -> list[tuple[str, str, str]]:
    """(table heading, message, hint) of every table row."""
    rows, heading = [], ""
    for line in DOC.read_text().splitlines():
        if line.startswith("#"):
            heading = line
        elif line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows.append((heading, cells[0], cells[-1]))
    return rows


def test_no_message_is_documented_twice_in_one_table() -> None:
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for heading, message, hint in _rows():
        seen[heading, message].append(hint)
    twice = {key: hints for key, hints in seen.items() if len(hints) > 1}
    assert not twice, twice


def test_unknown_config_key_hint_is_what_the_code_says() -> None:
    hints = [hint for _, message, hint in _rows() if message == "`unknown config key 'KEY'`"]
    assert hints == [f"`{_known_hint()}`"]


def test_no_merge_conflict_markers() -> None:
    assert not re.search(r"^(<{7}|={7}|>{7})( |$)", DOC.read_text(), re.MULTILINE)
