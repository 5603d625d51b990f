from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.action.fake_github import FakeGitHub, serve


@pytest.fixture
def fake_github() -> Iterator[tuple[FakeGitHub, str]]:
    api = FakeGitHub()
    with serve(api) as url:
        yield api, url
