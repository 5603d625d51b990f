"""A manifest spliced from a recorded one (an add after a few changes keeps the entries of
the parts that did not change) is the manifest a full add writes, byte for byte."""

from __future__ import annotations

import random

import pytest

from mlgit.storage import manifests
from mlgit.storage.manifest_splice import dumps, oids_under, spliced

NAMES = ["a", "a b", "a-", "a0", "é", "q", 'qu"o', "t\tab", "back\\slash", "z" * 50]


def random_files(rng: random.Random) -> dict[str, tuple[str, int, bool]]:
    files = {}
    for _ in range(rng.randint(0, 30)):
        path = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 3)))
        files[path] = (f"{rng.getrandbits(128):032x}", rng.randint(0, 10**12),
                       rng.random() < 0.3)
    paths = sorted(files)
    return {p: v for p, v in files.items() if not any(q.startswith(f"{p}/") for q in paths)}


@pytest.mark.parametrize("seed", range(40))
def test_a_spliced_manifest_is_the_one_written_from_all_its_entries(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        files = random_files(rng)
        old = manifests.loads(manifests.dumps(manifests.Manifest.from_states(files)), "t")
        folders = sorted({rng.choice(NAMES) for _ in range(rng.randint(0, 3))} - set(files))
        found = {folder: {f"{rng.choice(NAMES)}{i}": (f"{rng.getrandbits(128):032x}",
                                                      rng.randint(0, 99), rng.random() < 0.5)
                          for i in range(rng.randint(0, 4))}
                 for folder in folders if rng.random() < 0.8}
        kept = {p: v for p, v in files.items()
                if not any(p.startswith(f"{folder}/") for folder in folders)}
        assert oids_under(old, folders) == {p: v[0] for p, v in files.items()
                                            if p not in kept}
        for folder, inside in found.items():
            kept.update({f"{folder}/{key}": state for key, state in inside.items()})
        want = manifests.dumps(manifests.Manifest.from_states(kept))
        made = spliced(old, folders, found)
        assert dumps(made) == want
        assert manifests.dumps(made) == want
        assert list(made.paths) == sorted(kept)
