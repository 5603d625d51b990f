"""Retries and giving up (retry.py); packing batches and read spans (transfer.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgit.remote import transfer
from mlgit.remote.retry import GIVE_UP_AFTER, RemoteDown, Retrier
from mlgit.remote.store import PackedAt
from mlgit.remote.transfer import Want


def test_transient_errors_are_retried_then_succeed() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionResetError("reset by peer")
        return "ok"

    assert Retrier(retries=3, backoff=0).call(flaky) == "ok"
    assert len(calls) == 3


class SFTPPermissionDenied(Exception):  # named as asyncssh names it
    pass


@pytest.mark.parametrize("error", [FileNotFoundError("gone"), PermissionError("denied"),
                                   SFTPPermissionDenied("denied")])
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    calls: list[int] = []

    def fails() -> None:
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        Retrier(retries=3, backoff=0).call(fails)
    assert len(calls) == 1


def test_a_remote_failing_again_and_again_is_deemed_down() -> None:
    retrier = Retrier(retries=1, backoff=0)

    def down() -> None:
        raise TimeoutError("timed out")

    for _ in range(GIVE_UP_AFTER):
        with pytest.raises(TimeoutError):
            retrier.call(down)
    assert retrier.down == "TimeoutError: timed out"
    with pytest.raises(RemoteDown):
        retrier.call(lambda: None)


def test_a_success_resets_the_count_of_failures_in_a_row() -> None:
    retrier = Retrier(retries=0, backoff=0)

    def down() -> None:
        raise TimeoutError("timed out")

    for _ in range(3):
        for _ in range(GIVE_UP_AFTER - 1):
            with pytest.raises(TimeoutError):
                retrier.call(down)
        retrier.call(lambda: None)
    assert retrier.down == ""


@given(st.lists(st.integers(min_value=0, max_value=3 << 20), max_size=60))
def test_batches_keep_every_object_once_and_stay_near_the_limit(sizes: list[int]) -> None:
    wants = [Want(f"{i:032x}", size, f"f{i}") for i, size in enumerate(sizes)]
    batches = transfer._batches(wants, 4 << 20)
    assert [w for batch in batches for w in batch] == wants
    for batch in batches:
        assert len(batch) == 1 or sum(w.size for w in batch) <= 4 << 20


@given(st.lists(st.tuples(st.integers(0, 1 << 26), st.integers(0, 1 << 21)), max_size=40,
                unique_by=lambda t: t[0]))
def test_spans_cover_each_wanted_object_within_bounds(places: list[tuple[int, int]]) -> None:
    items = [(Want(f"{i:032x}", size, f"f{i}"), PackedAt("packs/p.pack", offset, size))
             for i, (offset, size) in enumerate(places)]
    tasks = transfer._spans(items)
    seen = []
    for task in tasks:
        assert isinstance(task, transfer.ReadSpan)
        for _, at in task.items:
            assert task.start <= at.offset and at.offset + at.size <= task.end
        assert len(task.items) == 1 or task.end - task.start <= transfer.SPAN_BYTES
        seen += task.wants
    assert sorted(w.oid for w in seen) == sorted(w.oid for w, _ in items)
