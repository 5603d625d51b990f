from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgit.errors import BadManifest
from mlgit.storage import manifests

SEG = st.text(alphabet="abc xyz_-.é日", min_size=1, max_size=6).filter(
    lambda s: s not in (".", "..", ".git", ".mlgit"))
PATHS = st.lists(st.lists(SEG, min_size=1, max_size=3).map("/".join), max_size=30, unique=True)


@given(PATHS, st.data())
def test_round_trip(paths: list[str], data: st.DataObject) -> None:
    # drop paths that are also folders of other paths
    folders = {p.rsplit("/", i)[0] for p in paths for i in range(1, p.count("/") + 1)}
    paths = [p for p in paths if p not in folders]
    entries = [manifests.Entry(p, data.draw(st.text("0123456789abcdef", min_size=32, max_size=32)),
                          data.draw(st.integers(0, 10**12)), data.draw(st.booleans()))
               for p in paths]
    m = manifests.Manifest.from_entries(entries)
    raw = manifests.dumps(m)
    back = manifests.loads(raw, "m")
    assert list(back.entries()) == sorted(entries, key=lambda e: e.path)
    assert manifests.dumps(back) == raw  # canonical


def test_order_does_not_change_the_oid() -> None:
    a = manifests.Entry("a", "0" * 32, 1)
    b = manifests.Entry("b", "1" * 32, 2)
    one = manifests.dumps(manifests.Manifest.from_entries([a, b]))
    two = manifests.dumps(manifests.Manifest.from_entries([b, a]))
    assert one == two


def _doc(paths: list[object], **over: object) -> bytes:
    n = len(paths)
    doc = {"version": 1, "paths": paths, "oids": ["0" * 32] * n, "sizes": [1] * n,
           "exec": [False] * n}
    doc.update(over)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("raw", [
    _doc(["../x"]), _doc(["/abs"]), _doc(["a/../../b"]), _doc([".git/hooks/pre-commit"]),
    _doc(["a//b"]), _doc([""]), _doc([5]), _doc(["a", "a"]), _doc(["a", "a/b"]),
    _doc(["a"], oids=["zz"]), _doc(["a"], sizes=[-1]), _doc(["a"], sizes=[True]),
    _doc(["a"], exec=[1]), _doc(["a"], oids=[]), _doc(["a"], version=2), b"[]", b"{",
    _doc(["a\0b"]),
])
def test_unsafe_or_malformed_manifests_are_refused(raw: bytes) -> None:
    with pytest.raises(BadManifest):
        manifests.loads(raw, "m")
