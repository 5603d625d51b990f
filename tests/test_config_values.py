"""Values in the settings files: bad ones say what is expected and how to fix them; the standard
header is the one init writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.commands import init as init_cmd
from mlgit.config import CONFIG_FILE, HEADERS, Config
from mlgit.errors import ConfigError


def _config(tmp_path: Path, text: str) -> Config:
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return Config(str(tmp_path))


@pytest.mark.parametrize(("text", "says"), [
    ("core:\n  jobs: true\n", "expected a whole number, got True"),
    ("core:\n  jobs: 2.5\n", "expected a whole number, got 2.5"),
    ("core:\n  jobs: [2]\n", "expected a whole number, got [2]"),
    ("core:\n  jobs: 0\n", "must be at least 1"),
    ("core:\n  lock_timeout: .nan\n", "expected a number of seconds"),
    ("core:\n  lock_timeout: false\n", "expected a number of seconds, got False"),
    ("core:\n  lock_timeout: -1\n", "must not be negative"),
])
def test_bad_values_in_a_file(tmp_path: Path, text: str, says: str) -> None:
    key = "core.jobs" if "jobs" in text else "core.lock_timeout"
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, text).get(key)
    assert info.value.message.startswith(f".mlgit/config.yaml: {key}: {says}")
    assert f"'mlgit config {key} VALUE'" in info.value.hint


@pytest.mark.parametrize(("text", "key", "value"), [
    ("core:\n  jobs: 3\n", "core.jobs", 3),
    ("core:\n  jobs: ' 7 '\n", "core.jobs", 7),
    ("core:\n  lock_timeout: 1\n", "core.lock_timeout", 1.0),
    ("core:\n  lock_timeout: '0.5'\n", "core.lock_timeout", 0.5),
])
def test_good_values_in_a_file(tmp_path: Path, text: str, key: str, value: object) -> None:
    assert _config(tmp_path, text).get(key) == value


def test_the_standard_header_is_the_one_init_writes() -> None:
    assert HEADERS[CONFIG_FILE] == init_cmd.CONFIG
