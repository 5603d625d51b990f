from __future__ import annotations

import pytest

from mlgit.cli.fastparse import parse, parse_status


@pytest.mark.parametrize(("args", "expected"), [
    (["status"], ([], False, False)),
    (["status", "-q"], ([], True, False)),
    (["status", "--quiet", "--json", "a", "b"], (["a", "b"], True, True)),
    (["status", "--", "-weird"], (["-weird"], False, False)),
    (["status", "--help"], None),
    (["status", "-x"], None),
    (["add", "x"], None),
    ([], None),
])
def test_parse_status(args: list[str], expected: object) -> None:
    assert parse_status(args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    (["checkout"], ("checkout", [], {"force": False, "json": False})),
    (["checkout", "-f", "a"], ("checkout", ["a"], {"force": True, "json": False})),
    (["checkout", "--force", "--json"], ("checkout", [], {"force": True, "json": True})),
    (["checkout", "--help"], None),
    (["checkout", "-q"], None),
])
def test_parse_checkout(args: list[str], expected: object) -> None:
    assert parse(args) == expected
