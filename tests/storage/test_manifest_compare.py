"""Finding the entries whose oid changed between two manifests from their bytes
(manifest_compare.changed_oids): exactly those, or None when the bytes cannot tell."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit.storage import manifest_compare, manifests

hexes = st.binary(min_size=16, max_size=16).map(bytes.hex)
names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                min_size=1, max_size=8).filter(lambda n: n not in (".", "..", ".git", ".mlgit"))
trees = st.dictionaries(names, st.tuples(hexes, st.integers(0, 1 << 40), st.booleans()),
                        min_size=1, max_size=60)


def _dumps(files: dict[str, tuple[str, int, bool]]) -> bytes:
    return manifests.dumps(manifests.Manifest.from_states(files))


@settings(max_examples=300, deadline=None)
@given(trees, st.data())
def test_the_changed_oids_are_those_at_entries_that_differ(
        old: dict[str, tuple[str, int, bool]], data: st.DataObject) -> None:
    new = dict(old)
    for path in data.draw(st.lists(st.sampled_from(sorted(old)), max_size=5)):
        oid = data.draw(st.one_of(hexes, st.sampled_from([v[0] for v in old.values()])))
        new[path] = (oid, data.draw(st.integers(0, 1 << 40)), data.draw(st.booleans()))
    found = manifest_compare.changed_oids(_dumps(new), _dumps(old))
    assert found == {new[p][0] for p in new if new[p][0] != old[p][0]}


@settings(deadline=None)
@given(trees, trees)
def test_other_paths_cannot_be_told(old: dict[str, tuple[str, int, bool]],
                                    new: dict[str, tuple[str, int, bool]]) -> None:
    found = manifest_compare.changed_oids(_dumps(new), _dumps(old))
    if sorted(new) != sorted(old):
        assert found is None
    else:
        assert found == {new[p][0] for p in new if new[p][0] != old[p][0]}


def test_an_old_manifest_in_another_layout_cannot_be_told() -> None:
    files = {f"f{i}": (f"{i:032x}", i, False) for i in range(5000)}
    new = _dumps(files)
    doc = json.loads(new)
    spaced = json.dumps(doc, separators=(",", ":")).replace('","', '", "').encode()
    assert manifest_compare.changed_oids(new, spaced) is None
    assert manifest_compare.changed_oids(new, new) == set()


def test_many_changes_cannot_be_told_cheaply() -> None:
    """Past MAX_BLOCKS differing blocks, looking at every entry costs less."""
    count = 2048 * (manifest_compare.MAX_BLOCKS + 2)
    old = {f"f{i:07d}": (f"{i:032x}", 1, False) for i in range(count)}
    new = {p: (f"{i + 1:032x}" if i % 2048 == 0 else v[0], 1, False)
           for i, (p, v) in enumerate(old.items())}
    assert manifest_compare.changed_oids(_dumps(new), _dumps(old)) is None
    few = {p: (f"{i + 1:032x}" if i in (5, 70000) else v[0], 1, False)
           for i, (p, v) in enumerate(old.items())}
    assert manifest_compare.changed_oids(_dumps(few), _dumps(old)) == {f"{6:032x}",
                                                                        f"{70001:032x}"}
