"""cache.link symlink: a workspace file is a link to its cache object, so an in-place edit
(root ignores the read-only bit) writes into the cache object. status calls that damaged; add
stores the edited bytes as new content (never the link's old oid); setting the link type warns;
a link whose object was set aside is named, and checkout puts it back once the object is."""

from __future__ import annotations

import os
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.conftest import assert_clean_error, make_tree, mlgit

BIG = bytes(range(256)) * 4096  # 1 MiB: a loose object
SMALL = b"alpha\n"  # packed


def _edit_through_link(path: Path, extra: bytes) -> None:
    """Append through the link into the cache object, as root (or an editor) would."""
    target = Path(os.path.realpath(path))
    if not os.access(target, os.W_OK):  # not root: the read-only bit is all that stops it
        target.chmod(0o644)
    with open(path, "ab") as f:
        f.write(extra)


def _symlinked(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "symlink")
    make_tree(repo, {"m.bin": BIG, "d/a.txt": SMALL, "d/b.txt": b"beta\n"})
    mlgit(repo, "add", "m.bin", "d")
    assert (repo / "m.bin").is_symlink() and (repo / "d" / "a.txt").is_symlink()


def _pointer_field(repo: Path, name: str, key: str) -> str:
    for line in (repo / f"{name}.mlgit").read_text().splitlines():
        if line.startswith(f"{key}: "):
            return line.split(": ", 1)[1].strip('"')
    raise AssertionError(f"no {key} in {name}.mlgit")


def test_setting_symlink_warns_about_in_place_edits(repo: Path) -> None:
    result = mlgit(repo, "config", "cache.link", "symlink")
    assert result.err.startswith("warning: with cache.link symlink")
    assert "damages the cache" in result.err and "mlgit unprotect" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_status_reports_an_edit_through_a_symlink_as_damaged(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    _edit_through_link(repo / "d" / "a.txt", b"x\n")
    result = mlgit(repo, "status", code=1)
    assert "m.bin: damaged" in result.out, result
    assert "d: damaged" in result.out and "    damaged: a.txt" in result.out
    assert "damaged pointer" not in result.err and "git checkout" not in result.err
    assert "mlgit unprotect" in result.err


def test_add_after_an_edit_through_a_symlink_stores_the_new_content(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    _edit_through_link(repo / "d" / "a.txt", b"x\n")
    mlgit(repo, "add", "m.bin", "d")
    assert _pointer_field(repo, "m.bin", "oid") == hash_bytes(BIG + b"x\n")
    assert _pointer_field(repo, "m.bin", "size") == str(len(BIG) + 2)
    assert (repo / "m.bin").read_bytes() == BIG + b"x\n"
    assert (repo / "d" / "a.txt").read_bytes() == SMALL + b"x\n"
    assert mlgit(repo, "status").out == "d: unchanged\nm.bin: unchanged\n"
    # what the pointers name is intact; only the old, edited objects are damaged
    fsck = mlgit(repo, "fsck", code=1).out
    assert f"damaged object {hash_bytes(BIG)}" in fsck
    assert f"damaged object {hash_bytes(BIG + b'x' + bytes([10]))}" not in fsck
    assert "used by m.bin" not in fsck


def test_add_of_an_intact_symlink_keeps_its_oid(repo: Path) -> None:
    _symlinked(repo)
    result = mlgit(repo, "add", "m.bin", "d")
    assert "unchanged" in result.out
    assert _pointer_field(repo, "m.bin", "oid") == hash_bytes(BIG)
    assert os.path.realpath(repo / "m.bin").endswith(hash_bytes(BIG)[2:])


def test_a_link_whose_object_is_set_aside_is_named_then_restored(repo: Path,
                                                                  tmp_path: Path) -> None:
    _symlinked(repo)
    mlgit(repo, "remote", "add", "o", str(tmp_path / "remote"), "--default")
    mlgit(repo, "push")
    _edit_through_link(repo / "m.bin", b"x\n")
    result = mlgit(repo, "fsck", "--repair", code=1)
    assert "m.bin" in result.err and "points nowhere" in result.err, result
    mlgit(repo, "fetch")
    mlgit(repo, "checkout")
    assert (repo / "m.bin").read_bytes() == BIG
    assert mlgit(repo, "status").out == "d: unchanged\nm.bin: unchanged\n"


def test_unprotect_goes_on_after_a_damaged_file(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    result = mlgit(repo, "unprotect", "m.bin", "d", code=1)
    assert "error: m.bin:" in result.err
    assert not (repo / "d" / "a.txt").is_symlink() and not (repo / "d" / "b.txt").is_symlink()
    assert (repo / "d" / "a.txt").read_bytes() == SMALL
    assert "warning: m.bin: points nowhere now" in result.err


def test_a_link_that_points_nowhere_is_a_clean_error(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    mlgit(repo, "unprotect", "m.bin", code=1)  # sets the damaged object aside
    assert (repo / "m.bin").is_symlink() and not (repo / "m.bin").exists()
    assert_clean_error(mlgit(repo, "unprotect", "m.bin", code=1), "m.bin: points nowhere",
                       "mlgit fetch")
    assert_clean_error(mlgit(repo, "add", "m.bin", code=1), "m.bin: points nowhere")


def test_status_says_deleted_for_a_link_that_points_nowhere(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    _edit_through_link(repo / "d" / "a.txt", b"x\n")
    mlgit(repo, "fsck", "--repair", code=1)  # sets both damaged objects aside
    out = mlgit(repo, "status").out
    assert "m.bin: deleted (not in cache: 1 object(s))" in out, out
    assert "d: deleted" not in out and "    deleted: a.txt" in out, out
    assert "d/a.txt: deleted" in mlgit(repo, "status", "d/a.txt").out


def test_checkout_leaves_an_edited_link_as_damaged(repo: Path) -> None:
    _symlinked(repo)
    _edit_through_link(repo / "m.bin", b"x\n")
    result = mlgit(repo, "checkout", code=1)
    assert "error: m.bin: damaged: edited in place through a link into the cache" in result.err
    assert (repo / "m.bin").read_bytes() == BIG + b"x\n"
    forced = mlgit(repo, "checkout", "--force", code=1)
    assert "warning: m.bin: points nowhere now" in forced.err
