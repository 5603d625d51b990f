from __future__ import annotations

import contextlib

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mlgit import pointer
from mlgit.errors import BadPointer
from mlgit.pointer import Pointer

NAMES = st.text(alphabet=st.characters(blacklist_characters="/\0",
                                        blacklist_categories=("Cs", "Cc")),
                min_size=1, max_size=30).filter(lambda s: s not in (".", "..", ".git", ".mlgit"))
OIDS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(NAMES, OIDS, st.integers(min_value=0, max_value=2**63), st.booleans(),
       st.integers(min_value=0, max_value=10**6))
def test_round_trip_and_yaml_agrees(name: str, oid: str, size: int, is_dir: bool,
                                    files: int) -> None:
    ptr = Pointer(kind="dir" if is_dir else "file", path=name, oid=oid, size=size,
                  files=files if is_dir else None)
    raw = pointer.dumps(ptr)
    assert pointer.loads(raw, f"some/folder/{name}.mlgit") == ptr
    # the canonical form is plain YAML: a YAML parser reads the same values
    data = yaml.safe_load(raw)
    assert data["path"] == name and data["oid"] == oid and data["size"] == size
    assert pointer._parse_canonical(raw) is not None  # the fast path handles it


def test_unknown_keys_are_preserved() -> None:
    raw = pointer.dumps(Pointer(kind="file", path="m.bin", oid="a" * 32, size=3))
    raw += b"desc: my model\nmeta:\n  owner: me\n"
    ptr = pointer.loads(raw, "m.bin.mlgit")
    assert ptr.extra == {"desc": "my model", "meta": {"owner": "me"}}
    again = pointer.loads(pointer.dumps(ptr), "m.bin.mlgit")
    assert again == ptr


def test_hand_written_yaml_is_accepted() -> None:
    raw = b"version: 1\nkind: file\npath: m.bin\nhash: xxh3-128\noid: " + b"b" * 32 + b"\nsize: 7\n"
    ptr = pointer.loads(raw, "m.bin.mlgit")
    assert ptr.path == "m.bin" and ptr.size == 7


@pytest.mark.parametrize("raw", [
    b"", b"null", b"version: 1", b"version: '1'\n", b"version: 1\nkind: link\n",
    b'version: 1\nkind: file\npath: "x"\nhash: md5\noid: "' + b"a" * 32 + b'"\nsize: 1\n',
    b'version: 1\nkind: file\npath: "x"\nhash: xxh3-128\noid: "' + b"A" * 32 + b'"\nsize: 1\n',
    b'version: 1\nkind: file\npath: "x"\nhash: xxh3-128\noid: "' + b"a" * 32 + b'"\nsize: -1\n',
    b'version: 1\nkind: dir\npath: "x"\nhash: xxh3-128\noid: "' + b"a" * 32 + b'"\nsize: 1\n',
    b'version: 1\nkind: file\npath: "x"\nhash: xxh3-128\noid: "' + b"a" * 32
    + b'"\nsize: 1\nexec: 1\n',
])
def test_invalid_pointers_raise_bad_pointer(raw: bytes) -> None:
    with pytest.raises(BadPointer):
        pointer.loads(raw, "x.mlgit")


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    with contextlib.suppress(BadPointer):
        pointer.loads(raw, "p")
