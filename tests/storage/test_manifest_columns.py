"""storage/manifest_columns.py: a manifest read from the store holds compact columns; they
must read exactly as the lists the whole-document JSON parse gives, at a few thousand
entries, in any layout the format allows, and through the repository's memo."""

from __future__ import annotations

import json
import marshal
import random

import pytest

from mlgit.errors import BadManifest
from mlgit.storage import manifest_columns as columns
from mlgit.storage import manifests

N = 9000  # more than two slabs (columns.SLAB) of entries


def _states() -> dict[str, tuple[str, int, bool]]:
    rng = random.Random(7)
    names = ["a", "b-c", "b", "été", "日本", "x y", "z\tq", "ü/ß", "b/c"]
    states = {}
    for i in range(N):
        folder = "/".join(rng.choice(names) + str(rng.randrange(4)) for _ in range(i % 4))
        path = f"{folder}/f{i}.bin" if folder else f"f{i}.bin"
        states[path] = (f"{rng.getrandbits(128):032x}", rng.choice([0, 1, i, 1 << 40]),
                        i % 7 == 0)
    return states


def _plain(raw: bytes) -> tuple[list[str], list[str], list[int], list[bool]]:
    """The columns as the whole-document parse gives them, sorted by path."""
    doc = json.loads(raw)
    rows = sorted(zip(doc["paths"], doc["oids"], doc["sizes"], doc["exec"], strict=True))
    return ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
            [r[3] for r in rows])


def _same(m: manifests.Manifest, plain: tuple[list[str], list[str], list[int], list[bool]]
          ) -> None:
    paths, oids, sizes, execs = plain
    assert isinstance(m.paths, columns.Paths) and isinstance(m.oids, columns.Oids)
    assert list(m.paths) == paths and list(m.oids) == oids
    assert list(m.sizes) == sizes and list(m.execs) == execs
    assert m.paths == paths and m.oids == oids and m.sizes == sizes  # == against lists
    assert len(m) == len(m.paths) == len(m.oids) == len(m.sizes) == len(paths)
    for i in (0, 1, len(paths) // 2, len(paths) - 1, -1, -len(paths)):
        assert (m.paths[i], m.oids[i], m.sizes[i]) == (paths[i], oids[i], sizes[i])
    assert m.paths[5:9] == paths[5:9] and m.oids[::-500] == oids[::-500]
    with pytest.raises(IndexError):
        m.paths[len(paths)]
    with pytest.raises(IndexError):
        m.oids[-len(paths) - 1]
    assert m.oid_by_path() == dict(zip(paths, oids, strict=True))
    assert [e.path for e in m.entries()] == paths
    assert m.size == sum(sizes)


def test_the_compact_columns_read_as_the_lists_of_the_whole_document() -> None:
    raw = manifests.dumps(manifests.Manifest.from_states(_states()))
    _same(manifests.loads(raw, "d"), _plain(raw))


def test_other_layouts_and_orders_give_the_same_columns() -> None:
    raw = manifests.dumps(manifests.Manifest.from_states(_states()))
    doc = json.loads(raw)
    rows = list(zip(doc["paths"], doc["oids"], doc["sizes"], doc["exec"], strict=True))
    random.Random(3).shuffle(rows)
    shuffled = {"exec": [r[3] for r in rows], "sizes": [r[2] for r in rows],
                "oids": [r[1] for r in rows], "paths": [r[0] for r in rows], "version": 1,
                "other": {"paths": ["ignored"]}}
    for variant in (json.dumps(doc, indent=1).encode(), json.dumps(shuffled).encode(),
                    json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode()):
        _same(manifests.loads(variant, "d"), _plain(raw))


def test_the_memo_gives_the_same_columns_back() -> None:
    raw = manifests.dumps(manifests.Manifest.from_states(_states()))
    loaded = manifests.loads(raw, "d")
    back = columns.from_memo(marshal.loads(marshal.dumps(manifests.memo_of(loaded))))
    assert back is not None
    _same(manifests.Manifest(*back), _plain(raw))
    assert columns.from_memo(([], [], [], [])) is None  # the memo format of older versions


def test_an_empty_manifest() -> None:
    m = manifests.loads(manifests.dumps(manifests.Manifest([], [], [], [])), "d")
    assert (list(m.paths), list(m.oids), list(m.sizes), m.execs) == ([], [], [], [])
    assert m.paths == [] and m.size == 0


@pytest.mark.parametrize("paths, message", [
    (["a", "a"], "lists a path twice"),
    (["a", "a/b"], "'a' as both file and folder"),
    (["b", "a/../b"], "escapes its folder"),
    (["x/.git/config"], "enters .git/"),
    (["a//b"], "not in canonical form"),
    (["a", "b\u0000"], "NUL"),
])
def test_bad_paths_are_refused_in_canonical_layout_too(paths: list[str], message: str
                                                        ) -> None:
    n = len(paths)
    doc = {"version": 1, "paths": paths, "oids": ["0" * 32] * n, "sizes": [1] * n,
           "exec": [False] * n}
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    with pytest.raises(BadManifest, match=message):
        manifests.loads(raw, "d")


def test_a_separator_inside_a_path_is_only_text() -> None:
    """A path holding the text of the next column's key cannot cut the columns short."""
    paths = sorted(['a],"oids":["x', 'b\\"],"oids":[', "c"])
    doc = {"version": 1, "paths": paths, "oids": ["1" * 32] * 3, "sizes": [1, 2, 3],
           "exec": [False, True, False]}
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    m = manifests.loads(raw, "d")
    assert list(m.paths) == paths and list(m.sizes) == [1, 2, 3]
    assert m.execs == [False, True, False]
