"""Which hint a checkout failure gets (also when the tests run as root, where a folder
without write permission cannot make a checkout fail)."""

from __future__ import annotations

from mlgit.cli.render.checkout import MISSING_HINT, OTHER_HINT, _failure_hints
from mlgit.workspace.checkout_result import NOT_IN_CACHE, CheckoutResult


def test_a_failure_of_the_operating_system_gets_the_fix_the_cause_hint() -> None:
    r = CheckoutResult("a")
    r.failed.append(("a/x", "Permission denied"))
    assert _failure_hints(r, frozenset()) == [OTHER_HINT]


def test_a_failure_with_its_own_hint_gets_no_other() -> None:
    r = CheckoutResult("a")
    r.failed.append(("a", "a file stands where the tracked folder must be; left as is"))
    r.hints.append("move the file a away")
    assert _failure_hints(r, frozenset()) == []


def test_a_missing_object_the_fetch_reported_gets_no_second_hint() -> None:
    r = CheckoutResult("a")
    r.failed.append(("a", NOT_IN_CACHE))
    assert _failure_hints(r, frozenset()) == [MISSING_HINT]
    assert _failure_hints(r, frozenset({"a"})) == []
