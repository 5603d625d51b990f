"""Packing batches and read spans (mlgit.remote.transfer)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mlgit.remote import download, transfer
from mlgit.remote.store import PackedAt
from mlgit.workspace.wants import Wanted


@given(st.lists(st.integers(min_value=0, max_value=3 << 20), max_size=60))
def test_batches_keep_every_object_once_and_stay_near_the_limit(sizes: list[int]) -> None:
    wants = [Wanted(f"{i:032x}", size, f"f{i}") for i, size in enumerate(sizes)]
    batches = transfer._batches(wants, 4 << 20)
    assert [w for batch in batches for w in batch] == wants
    for batch in batches:
        assert len(batch) == 1 or sum(w.size for w in batch) <= 4 << 20


@given(st.lists(st.tuples(st.integers(0, 1 << 26), st.integers(0, 1 << 21)), max_size=40,
                unique_by=lambda t: t[0]))
def test_spans_cover_each_wanted_object_within_bounds(places: list[tuple[int, int]]) -> None:
    items = [(Wanted(f"{i:032x}", size, f"f{i}"), PackedAt("packs/p.pack", offset, size))
             for i, (offset, size) in enumerate(places)]
    tasks = download._spans(items)
    seen = []
    for task in tasks:
        assert isinstance(task, download.ReadSpan)
        for _, at in task.items:
            assert task.start <= at.offset and at.offset + at.size <= task.end
        assert len(task.items) == 1 or task.end - task.start <= download.SPAN_BYTES
        seen += task.wants
    assert sorted(w.oid for w in seen) == sorted(w.oid for w, _ in items)
