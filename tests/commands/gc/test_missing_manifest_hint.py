"""gc over a tracked folder whose manifest is not in the cache (a fresh clone that has not
fetched yet): the hint says how to get it back, with a path that can be pasted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import assert_clean_error, delete_object, mlgit, write


def test_the_hint_fetches_the_manifest_of_a_folder_named_with_a_space(repo: Path) -> None:
    write(repo / "data dir" / "a.txt", "a")
    mlgit(repo, "add", "data dir")
    oid = (repo / "data dir.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    delete_object(repo, oid)
    result = mlgit(repo, "gc", "-n", code=None)
    assert_clean_error(result, "data dir: its directory manifest",
                       "\"mlgit fetch 'data dir'\"")
