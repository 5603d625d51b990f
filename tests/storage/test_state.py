from __future__ import annotations

import os
import time
from pathlib import Path

from mlgit.storage.state import State
from mlgit.storage.state_entries import RACY_NS, fresh_oid


def test_unchanged_file_is_trusted_and_changes_are_seen(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"one")
    old = time.time_ns() - 10 * RACY_NS
    os.utime(f, ns=(old, old))
    state = State(str(tmp_path / "state.db"))
    state.remember("f", f.stat(), "a" * 32)
    state.flush()
    again = State(str(tmp_path / "state.db"))
    assert fresh_oid(again.get("f"), f.stat()) == "a" * 32
    f.write_bytes(b"two")
    assert fresh_oid(again.get("f"), f.stat()) is None


def test_racy_entries_are_not_trusted(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"one")
    state = State(str(tmp_path / "state.db"))
    st = f.stat()
    # recorded in the same clock tick as the file's mtime: a same-size write could hide
    state.remember("f", st, "a" * 32, now_ns=st.st_mtime_ns + 1)
    state.flush()
    assert fresh_oid(state.get("f"), f.stat()) is None


def test_entries_live_per_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    f = tmp_path / "d" / "x"
    f.write_bytes(b"x")
    state = State(str(tmp_path / "state.db"))
    state.remember("d/x", f.stat(), "b" * 32)
    state.remember("d2/y", f.stat(), "c" * 32)
    state.flush()
    under = state.under("d")
    assert set(under) == {"d"} and set(under["d"]) == {"x"}
