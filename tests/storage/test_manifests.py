"""Loading a directory manifest from the store: one typed error for each way it can fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgit.errors import BadManifest, MlgitError
from mlgit.hashing import hash_bytes
from mlgit.storage import manifests
from mlgit.storage.manifests import (
    Entry,
    Manifest,
    ManifestCorrupt,
    ManifestMissing,
    ManifestUnavailable,
)
from mlgit.storage.objects import LocalODB

MANIFEST = Manifest.from_entries([Entry("b/c.txt", "1" * 32, 3, True), Entry("a", "2" * 32, 5)])


def test_a_stored_manifest_loads_as_it_was_written(tmp_path: Path) -> None:
    odb = LocalODB(str(tmp_path))
    oid = odb.put_bytes(manifests.dumps(MANIFEST))
    loaded = manifests.load(odb, oid, "d")
    assert list(loaded.entries()) == list(MANIFEST.entries())
    assert loaded.paths == ["a", "b/c.txt"]


def test_a_manifest_not_in_the_store(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissing) as caught:
        manifests.load(LocalODB(str(tmp_path)), "3" * 32, "data")
    assert isinstance(caught.value, ManifestUnavailable)
    assert caught.value.message.startswith("data: directory manifest 333333333333 ")


def test_a_corrupt_manifest_is_set_aside(tmp_path: Path) -> None:
    odb = LocalODB(str(tmp_path))
    oid = odb.put_bytes(manifests.dumps(MANIFEST))
    os.chmod(odb.path(oid), 0o644)
    Path(odb.path(oid)).write_bytes(b"{}")
    with pytest.raises(ManifestCorrupt) as caught:
        manifests.load(odb, oid, "data")
    assert caught.value.corrupt.oid == oid and caught.value.corrupt.set_aside
    assert not odb.has(oid)
    with pytest.raises(ManifestMissing):  # set aside: now it counts as missing
        manifests.load(odb, oid, "data")


@pytest.mark.parametrize("raw", [b"not json", b'{"version": 9}',
                                 b'{"version":1,"paths":["../x"],"oids":["' + b"1" * 32
                                 + b'"],"sizes":[1],"exec":[false]}'])
def test_an_invalid_or_unsafe_manifest_is_a_bad_manifest(tmp_path: Path, raw: bytes) -> None:
    odb = LocalODB(str(tmp_path))
    oid = odb.put_bytes(raw)
    with pytest.raises(BadManifest) as caught:
        manifests.load(odb, oid, "data")
    assert not isinstance(caught.value, ManifestUnavailable)
    assert isinstance(caught.value, MlgitError)
    assert odb.has(oid)  # intact bytes, only not usable: nothing is set aside
    assert hash_bytes(raw) == oid
