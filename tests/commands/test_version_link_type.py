"""`mlgit version` reports the link type checkout really uses: with the cache on another file
system a hard link is impossible, and it says so."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import mlgit, write
from tests.mounts import make_read_only, small_disk  # noqa: F401  (a fixture)


def test_hardlink_to_a_cache_on_another_file_system(repo: Path,
                                                    small_disk: Callable[[str], Path]  # noqa: F811
                                                    ) -> None:
    cache = small_disk("4m")
    mlgit(repo, "config", "--local", "cache.dir", str(cache))
    mlgit(repo, "config", "cache.link", "hardlink,copy")
    version = mlgit(repo, "version").out
    assert ("cache link type              copy (hardlink not possible: the cache is on another"
            " file system)") in version, version
    info = json.loads(mlgit(repo, "version", "--json").out)
    assert info["cache link type"].startswith("copy (hardlink not possible")
    # ... which is what checkout does
    write(repo / "m.bin", "model")
    mlgit(repo, "add", "m.bin")
    (repo / "m.bin").unlink()
    mlgit(repo, "checkout")
    assert (repo / "m.bin").stat().st_nlink == 1
    assert not list((cache / "tmp").iterdir())  # the probe left nothing behind


def test_symlink_works_across_file_systems(repo: Path,
                                           small_disk: Callable[[str], Path]  # noqa: F811
                                           ) -> None:
    cache = small_disk("4m")
    mlgit(repo, "config", "--local", "cache.dir", str(cache))
    mlgit(repo, "config", "cache.link", "symlink,copy")
    assert "cache link type              symlink\n" in mlgit(repo, "version").out


def test_a_read_only_cache(repo: Path, small_disk: Callable[[str], Path]  # noqa: F811
                           ) -> None:
    cache = small_disk("4m")
    mlgit(repo, "config", "--local", "cache.dir", str(cache))
    make_read_only(cache)
    version = mlgit(repo, "version").out
    assert "cache link type              unknown (cannot write in the cache:" in version
