"""Property tests of gc -r's plan: over random remotes (loose objects, chunk lists, packs of
any ages) and random kept sets, nothing kept loses its last copy, nothing recent goes, and
only garbage is deleted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit.remote.backends import Stat
from mlgit.remote.gc_plan import cutoff_of, plan
from mlgit.remote.gc_survey import PackInfo, Survey

NOW = 1_000_000.0
OIDS = [f"{i:032x}" for i in range(1, 25)]

ages = st.one_of(st.none(), st.floats(min_value=0, max_value=10_000))
stats = st.builds(lambda age, size: Stat(None if age is None else NOW - age, size),
                  ages, st.integers(min_value=1, max_value=1000))


@st.composite
def surveys(draw: st.DrawFn) -> Survey:
    found = Survey(now=NOW)
    found.loose = draw(st.dictionaries(st.sampled_from(OIDS), stats, max_size=8))
    found.lists = draw(st.dictionaries(st.sampled_from(OIDS), stats, max_size=4))
    for n in range(draw(st.integers(min_value=0, max_value=5))):
        oids = draw(st.lists(st.sampled_from(OIDS), min_size=1, max_size=10, unique=True))
        sizes = draw(st.lists(st.integers(min_value=1, max_value=500), min_size=len(oids),
                              max_size=len(oids)))
        offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        age = draw(ages)
        name = f"{n:032x}"
        found.packs[name] = PackInfo(name, list(zip(oids, offsets, sizes, strict=True)),
                                     None if age is None else NOW - age, sum(sizes))
    found.orphan_packs = {f"{9:032x}": draw(stats)}
    return found


@settings(max_examples=150, deadline=None)
@given(surveys(), st.sets(st.sampled_from(OIDS)), st.floats(min_value=0, max_value=8000))
def test_plan_keeps_a_copy_of_everything_kept_and_everything_recent(
        found: Survey, keep: set[str], grace: float) -> None:
    todo = plan(found, keep, [], grace)
    cutoff = cutoff_of(NOW, grace)
    going = {*todo.drop_packs, *todo.repack}
    copied = {oid for live in todo.repack.values() for oid, _, _ in live}
    every = set(found.loose) | set(found.lists) | {
        oid for info in found.packs.values() for oid, _, _ in info.records}

    def survives(oid: str) -> bool:
        return ((oid in found.loose and oid not in todo.loose)
                or (oid in found.lists and oid not in todo.lists)
                or oid in copied
                or any(oid in {r[0] for r in info.records}
                       for name, info in found.packs.items() if name not in going))

    for oid in keep & every:
        assert survives(oid), oid
    for oid in todo.loose:
        assert oid not in keep and found.loose[oid].time is not None
        assert found.loose[oid].time < cutoff
    for oid in todo.lists:
        assert oid not in keep and found.lists[oid].time is not None
        assert found.lists[oid].time < cutoff
    for name in going:
        when = found.packs[name].time
        assert when is not None and when < cutoff
    for name in todo.drop_packs:
        assert not {r[0] for r in found.packs[name].records} & keep
    for name, live in todo.repack.items():
        assert {r[0] for r in live} == {r[0] for r in found.packs[name].records} & keep
    for name in todo.orphan_packs:
        when = found.orphan_packs[name].time
        assert when is not None and when < min(cutoff, NOW - 3600)
    assert todo.objects_gone + todo.kept == len(every)
    assert todo.objects_gone == len({oid for oid in every if not survives(oid)})
