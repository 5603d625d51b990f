"""docs/formats.md: its pointer, manifest, gitignore and pack examples are what mlgit writes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mlgit import pointer
from mlgit.hashing import hash_bytes
from mlgit.storage import manifests
from mlgit.workspace import gitignore
from tests.docs.markdown import code_blocks, read_doc


def _pointer_examples() -> list[bytes]:
    blocks = code_blocks(read_doc("formats.md"), "yaml")
    return [b.encode() for b in blocks if b.startswith("# mlgit pointer:")]


def _origin(raw: bytes) -> str:
    """The pointer file an example belongs in: its artifact's name plus .mlgit."""
    found = re.search(rb'^path: "([^"]+)"$', raw, re.MULTILINE)
    assert found, raw
    return found.group(1).decode() + ".mlgit"


def test_pointer_examples_are_canonical() -> None:
    examples = _pointer_examples()
    assert len(examples) >= 2
    for raw in examples:
        ptr = pointer.loads(raw, _origin(raw))
        assert pointer.dumps(ptr) == raw


def test_unknown_keys_example_survives_a_rewrite() -> None:
    with_extra = [raw for raw in _pointer_examples() if b"owner:" in raw]
    assert with_extra
    ptr = pointer.loads(with_extra[0], _origin(with_extra[0]))
    assert ptr.extra["owner"] == "vision-team"
    assert b"owner: vision-team" in pointer.dumps(ptr)


def test_manifest_example_is_canonical_and_matches_its_pointer() -> None:
    [raw] = [b.rstrip("\n").encode() for b in code_blocks(read_doc("formats.md"), "json")]
    manifest = manifests.loads(raw, "example")
    assert manifests.dumps(manifest) == raw
    assert manifest.oids[:2] == [hash_bytes(b"meow\n"), hash_bytes(b"purr\n")]
    dirs = [pointer.loads(p, _origin(p)) for p in _pointer_examples()]
    dir_ptr = next(p for p in dirs if p.is_dir)
    assert dir_ptr.oid == hash_bytes(raw)
    assert (dir_ptr.size, dir_ptr.files) == (manifest.size, len(manifest))


def test_gitignore_escaping_table() -> None:
    section = read_doc("formats.md").split("## .gitignore entries", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)`[^|]* \| `([^`]+)` \|$", section, re.MULTILINE)
    assert len(rows) >= 6
    for name, line in rows:
        assert gitignore.escape(name.replace("␣", " ").replace("␍", "\r")) \
            == line.replace("␍", "\r")


def test_pack_files_follow_the_documented_layout(tmp_path: Path) -> None:
    """Build a pack with the real CLI and read it back with only what formats.md says."""
    text = read_doc("formats.md")
    assert "`MLGIT-PACK-INDEX 1\\n`" in text and "32-byte record" in text
    magic, record = b"MLGIT-PACK-INDEX 1\n", 32

    def run(*args: str) -> None:
        subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)

    run("git", "init", "-q")
    run(sys.executable, "-m", "mlgit", "init")
    (tmp_path / "d").mkdir()
    contents = [b"meow\n", b"purr\n", b"x" * 5000]
    for i, data in enumerate(contents):
        (tmp_path / "d" / f"f{i}").write_bytes(data)
    run(sys.executable, "-m", "mlgit", "add", "d")

    [idx] = (tmp_path / ".mlgit" / "cache" / "packs").glob("*.idx")
    raw = idx.read_bytes()
    body, digest = raw[:-16], raw[-16:]
    assert len(magic) == 19 and body.startswith(magic)
    assert bytes.fromhex(hash_bytes(body)) == digest and idx.stem == digest.hex()
    records = body[len(magic):]
    assert len(records) == record * len(contents)
    pack = idx.with_suffix(".pack").read_bytes()
    oids = []
    for i in range(0, len(records), record):
        oid = records[i:i + 16].hex()
        offset = int.from_bytes(records[i + 16:i + 24], "little")
        size = int.from_bytes(records[i + 24:i + 32], "little")
        assert hash_bytes(pack[offset:offset + size]) == oid
        oids.append(oid)
    assert oids == sorted(oids) == sorted(hash_bytes(c) for c in contents)
    assert len(pack) == sum(len(c) for c in contents)
    # The manifest is a loose object at XX/YYYY..., named by the pointer's oid.
    ptr = pointer.loads((tmp_path / "d.mlgit").read_bytes(), "d.mlgit")
    loose = tmp_path / ".mlgit" / "cache" / ptr.oid[:2] / ptr.oid[2:]
    assert manifests.loads(loose.read_bytes(), "d").paths == ["f0", "f1", "f2"]
