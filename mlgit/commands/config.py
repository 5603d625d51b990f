"""mlgit config: read or set a setting."""

from __future__ import annotations

from typing import Any

from mlgit.config import KEYS
from mlgit.repo import Repo


def get(repo: Repo, key: str) -> Any:
    return repo.config.get(key)


def set_value(repo: Repo, key: str, value: str, local: bool) -> Any:
    with repo.lock():
        return repo.config.set(key, value, local)


def known_keys() -> dict[str, str]:
    return {k: v.help for k, v in KEYS.items()}
