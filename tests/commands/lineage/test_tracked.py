"""mlgit lineage of what `mlgit add` tracks: the commit that last changed its pointer, its
oid and size, and whether the work tree still matches; a file inside a tracked folder."""

from __future__ import annotations

import json
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.commands.lineage.pipeline import commit
from tests.conftest import mlgit, write


def test_a_tracked_file(repo: Path) -> None:
    write(repo / "data.bin", "version one")
    mlgit(repo, "add", "data.bin")
    first = commit(repo, "track the data")
    oid = hash_bytes(b"version one")
    lines = mlgit(repo, "lineage", "data.bin").lines
    assert lines[0].startswith("data.bin: tracked by mlgit (data.bin.mlgit), pointer committed"
                               f" in {first[:10]} (")
    assert lines[0].endswith(", Test Author): track the data")
    assert lines[1:] == [f"  recorded {oid[:8]}, 11 B; workspace matches"]
    assert mlgit(repo, "lineage", "data.bin.mlgit").lines == lines  # named by its pointer
    data = json.loads(mlgit(repo, "lineage", "--json", "data.bin").out)
    assert data == {"kind": "tracked", "path": "data.bin", "artifact": "data.bin",
                    "pointer": "data.bin.mlgit", "commit": data["commit"],
                    "recorded": {"path": "data.bin", "oid": oid, "size": 11, "nfiles": None},
                    "workspace": "matches"}
    assert data["commit"]["sha"] == first and data["commit"]["subject"] == "track the data"


def test_changed_and_re_added_but_not_committed(repo: Path) -> None:
    write(repo / "data.bin", "version one")
    mlgit(repo, "add", "data.bin")
    commit(repo, "track the data")
    write(repo / "data.bin", "version two!")
    lines = mlgit(repo, "lineage", "data.bin").lines
    assert lines[1].endswith("; workspace modified since recorded")
    mlgit(repo, "add", "data.bin")
    lines = mlgit(repo, "lineage", "data.bin").lines
    assert lines == ["data.bin: tracked by mlgit (data.bin.mlgit), pointer not committed",
                     f"  recorded {hash_bytes(b'version two!')[:8]}, 12 B; workspace matches"]
    second = commit(repo, "new data")
    assert second[:10] in mlgit(repo, "lineage", "data.bin").lines[0]
    (repo / "data.bin").unlink()
    assert mlgit(repo, "lineage", "data.bin").lines[1].endswith("; workspace missing")


def test_a_file_inside_a_tracked_folder(repo: Path) -> None:
    write(repo / "images" / "a.png", "aaa")
    write(repo / "images" / "sub" / "b.png", "bb")
    mlgit(repo, "add", "images")
    sha = commit(repo, "add images")
    lines = mlgit(repo, "lineage", "images/sub/b.png").lines
    assert lines[0].startswith("images/sub/b.png: tracked by mlgit (in images) (images.mlgit),"
                               f" pointer committed in {sha[:10]}")
    assert lines[1] == f"  recorded {hash_bytes(b'bb')[:8]}, 2 B; workspace matches"
    data = json.loads(mlgit(repo, "lineage", "images/sub/b.png", "--json").out)
    assert data["artifact"] == "images" and data["pointer"] == "images.mlgit"
    assert data["recorded"] == {"path": "images/sub/b.png", "oid": hash_bytes(b"bb"),
                                "size": 2, "nfiles": None}
    write(repo / "images" / "a.png", "changed")
    assert mlgit(repo, "lineage", "images/sub/b.png").lines[1].endswith("workspace matches")
    assert mlgit(repo, "lineage", "images/a.png").lines[1].endswith(
        "workspace modified since recorded")
    # a folder inside: compared as part of the whole tracked folder
    lines = mlgit(repo, "lineage", "images/sub").lines
    assert "2 files (of images); workspace modified since recorded" in lines[1]
    whole = mlgit(repo, "lineage", "images").lines
    assert whole[0].startswith("images: tracked by mlgit (images.mlgit), pointer committed")


def test_a_folder_of_one_file_says_file(repo: Path) -> None:
    write(repo / "data" / "only.csv", "a\n")
    mlgit(repo, "add", "data")
    lines = mlgit(repo, "lineage", "data").lines
    assert lines[1].endswith(", 2 B, 1 file; workspace matches"), lines
