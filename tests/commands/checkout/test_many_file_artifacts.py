"""A checkout of many artifacts, each a file with a pointer of its own, asks Git once (not
once per artifact) which files it tracks, and still leaves those files to Git."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write

COUNT = 120  # more than mlgit names on one git command line


def _edited_back(repo: Path, trace: Path) -> dict[str, str]:
    """COUNT files added twice (v1, then v2, committed); then each holds v1 again, content
    the cache has, so a checkout must ask whether Git tracks any of them. One more,
    data/in-git.txt, is committed to Git too, holding its first version (cached) while its
    pointer names the second."""
    git(repo, "add", ".mlgit")
    git(repo, "commit", "-qm", "init")
    names = [f"data/{i // 50}/f{i}.txt" for i in range(COUNT)]
    for version in ("v1", "v2"):
        for rel in [*names, "data/in-git.txt"]:
            write(repo / rel, f"{rel} {version}\n")
        mlgit(repo, "add", *names, "data/in-git.txt")
    for rel in [*names, "data/in-git.txt"]:
        write(repo / rel, f"{rel} v1\n")
    git(repo, "add", "-A")
    git(repo, "add", "-f", "data/in-git.txt")
    git(repo, "commit", "-qm", "data")
    trace.unlink(missing_ok=True)
    return {rel: f"{rel} v2\n" for rel in names}


def test_one_git_listing_for_all_the_artifacts(repo: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    expected = _edited_back(repo, trace)
    mlgit(repo, "checkout", code=None, env={"GIT_TRACE": str(trace)})
    assert {rel: (repo / rel).read_text() for rel in expected} == expected
    asked = [line for line in trace.read_text().splitlines()
             if "built-in: git ls-files" in line and "--others" not in line]
    assert len(asked) == 1, asked  # (the other listing is of the pointer files)


def test_a_file_git_tracks_stays_as_it_is(repo: Path, tmp_path: Path) -> None:
    expected = _edited_back(repo, tmp_path / "trace")
    out = mlgit(repo, "checkout", code=None)
    assert (repo / "data/in-git.txt").read_text() == "data/in-git.txt v1\n"
    assert "tracked by Git too" in out.out + out.err
    assert {rel: (repo / rel).read_text() for rel in expected} == expected
