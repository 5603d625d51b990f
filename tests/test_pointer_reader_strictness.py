"""The pointer reader is strict, and says in plain words what is wrong: version, keys that do
not belong to the kind, encodings, a path that is not the pointer's own artifact."""

from __future__ import annotations

import codecs

import pytest

from mlgit import pointer
from mlgit.errors import BadPointer
from mlgit.pointer import Pointer

OID = "0123456789abcdef0123456789abcdef"


def _file_pointer(**changes: str) -> bytes:
    keys = {"version": "1", "kind": "file", "path": '"m.bin"', "hash": "xxh3-128",
            "oid": f'"{OID}"', "size": "3", **changes}
    return "".join(f"{k}: {v}\n" for k, v in keys.items() if v).encode()


def _refused(raw: bytes, origin: str = "m.bin.mlgit") -> BadPointer:
    with pytest.raises(BadPointer) as info:
        pointer.loads(raw, origin)
    assert info.value.message.startswith(f"{origin}: "), info.value.message
    assert info.value.hint, info.value.message
    return info.value


def test_the_well_formed_pointer_used_below_is_accepted() -> None:
    assert pointer.loads(_file_pointer(), "m.bin.mlgit").size == 3


@pytest.mark.parametrize("version", ["1.0", "'1'", "true", "1e0"])
def test_version_must_be_the_integer_one(version: str) -> None:
    err = _refused(_file_pointer(version=version))
    assert "'version' must be the integer 1" in err.message


def test_exec_is_refused_in_a_dir_pointer() -> None:
    raw = _file_pointer(kind="dir", path='"data"') + b"files: 2\nexec: true\n"
    err = _refused(raw, "data.mlgit")
    assert "'exec' is not allowed in a dir pointer" in err.message


def test_files_is_refused_in_a_file_pointer() -> None:
    err = _refused(_file_pointer() + b"files: 2\n")
    assert "'files' is not allowed in a file pointer" in err.message


@pytest.mark.parametrize(("encode", "name"), [
    (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "UTF-8 with a byte-order mark"),
    (lambda t: t.encode("utf-16"), "UTF-16"),
    (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "UTF-16"),
    (lambda t: t.encode("utf-32"), "UTF-32"),
])
def test_byte_order_marks_say_what_is_wrong(encode, name: str) -> None:
    text = pointer.dumps(Pointer(kind="file", path="m.bin", oid=OID, size=3)).decode()
    err = _refused(encode(text))
    assert f"not UTF-8 text: it is saved as {name}" in err.message
    assert "UTF-8 without a byte-order mark" in err.hint


def test_latin1_text_is_not_utf8() -> None:
    err = _refused(_file_pointer() + "note: caf\u00e9\n".encode("latin-1"))
    assert "not UTF-8 text" in err.message


@pytest.mark.parametrize(("origin", "path"), [
    ("b.bin.mlgit", '"a.bin"'),        # renamed pointer
    ("sub/b.bin.mlgit", '"b.bin/x"'),  # a path into some other folder
    ("m.bin.mlgit", '"./other"'),
])
def test_path_must_name_the_pointers_own_artifact(origin: str, path: str) -> None:
    err = _refused(_file_pointer(path=path), origin)
    name = origin.rpartition("/")[2].removesuffix(".mlgit")
    assert f'this pointer can only describe "{name}"' in err.message
    assert f'set its path to "{name}"' in err.hint


def test_path_may_be_written_in_another_normal_form() -> None:
    assert pointer.loads(_file_pointer(path='"./m.bin"'), "d/m.bin.mlgit").path == "m.bin"


def test_type_errors_use_plain_english() -> None:
    err = _refused(_file_pointer(kind="dir", path='"d"') + b"files: '2'\n", "d.mlgit")
    assert "'files' must be an integer, got '2'" in err.message
    err = _refused(_file_pointer(oid="12"))
    assert "'oid' must be a string, got 12" in err.message


def test_header_explains_itself_without_a_doc_path() -> None:
    raw = pointer.dumps(Pointer(kind="file", path="m.bin", oid=OID, size=3))
    first = raw.decode().splitlines()[0]
    assert first == pointer.HEADER.rstrip("\n")
    assert first.startswith("# mlgit pointer: ") and "docs/" not in first
    assert "mlgit checkout" in first
