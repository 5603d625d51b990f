"""Run a function over many items on a few threads.

chunked_map is for many cheap items: one future per item costs ~100 us of locking in
CPython, more than creating a small file, so it works in chunks. run_all is for fewer, slow
items (uploads, downloads) whose outcomes are wanted one by one as they complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL = 64


def chunked_map(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """[fn(x) for x in items], computed on up to `jobs` threads; order is kept and the first
    exception raised by fn propagates."""
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor  # 15 ms of imports: only when used

    n_chunks = jobs * 4
    size = -(-len(items) // n_chunks)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        parts = list(pool.map(lambda chunk: [fn(x) for x in chunk], chunks))
    return [r for part in parts for r in part]


Completed = tuple[T, R | None, BaseException | None]


def run_all(fn: Callable[[T], R], items: list[T], jobs: int) -> Iterator[Completed[T, R]]:
    """(item, result, error) for each item as it completes, on up to `jobs` threads."""
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            try:
                yield item, fn(item), None
            except Exception as exc:  # reported per item
                yield item, None, exc
        return
    from concurrent.futures import ThreadPoolExecutor, as_completed

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(fn, item): item for item in items}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], (None if error else future.result()), error
    except BaseException:
        # Ctrl-C: do not wait for uploads in flight (the process is about to exit); the
        # caller deletes the temp files they are writing (LocalBackend.abort, LocalODB.close).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
