"""Regression tests for reported bugs in pure modules: each one failed before its fix."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from mlgit import pointer
from mlgit.commands import init as init_cmd
from mlgit.config import CONFIG_FILE, HEADERS, Config
from mlgit.errors import BadPath, BadPointer, ConfigError
from mlgit.paths import resolve_user_path
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


# --- pointer reader strictness ---------------------------------------------------------------


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


# --- paths typed by the user -----------------------------------------------------------------


@pytest.mark.parametrize(("arg", "says"), [
    ("sub/.git/f", "path is inside sub/.git/, which mlgit never tracks"),
    ("a/b/.mlgit/c/d", "path is inside a/b/.mlgit/,"),
    (".git/config", "path is inside .git/,"),
    ("sub/.git", "path is a .git folder,"),
    (".mlgit", "path is the .mlgit folder,"),
])
def test_reserved_folders_are_named_in_full(tmp_path: Path, arg: str, says: str) -> None:
    with pytest.raises(BadPath) as info:
        resolve_user_path(str(tmp_path), arg, cwd=str(tmp_path))
    assert info.value.message.startswith(f"{arg}: {says}"), info.value.message
    assert info.value.hint


# --- configuration -----------------------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Config:
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return Config(str(tmp_path))


@pytest.mark.parametrize(("text", "says"), [
    ("core:\n  jobs: true\n", "expected a whole number, got True"),
    ("core:\n  jobs: 2.5\n", "expected a whole number, got 2.5"),
    ("core:\n  jobs: [2]\n", "expected a whole number, got [2]"),
    ("core:\n  jobs: 0\n", "must be at least 1"),
    ("core:\n  lock_timeout: .nan\n", "expected a number of seconds"),
    ("core:\n  lock_timeout: false\n", "expected a number of seconds, got False"),
    ("core:\n  lock_timeout: -1\n", "must not be negative"),
])
def test_bad_values_in_a_file(tmp_path: Path, text: str, says: str) -> None:
    key = "core.jobs" if "jobs" in text else "core.lock_timeout"
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, text).get(key)
    assert info.value.message.startswith(f".mlgit/config.yaml: {key}: {says}")
    assert f"'mlgit config {key} VALUE'" in info.value.hint


@pytest.mark.parametrize(("text", "key", "value"), [
    ("core:\n  jobs: 3\n", "core.jobs", 3),
    ("core:\n  jobs: ' 7 '\n", "core.jobs", 7),
    ("core:\n  lock_timeout: 1\n", "core.lock_timeout", 1.0),
    ("core:\n  lock_timeout: '0.5'\n", "core.lock_timeout", 0.5),
])
def test_good_values_in_a_file(tmp_path: Path, text: str, key: str, value: object) -> None:
    assert _config(tmp_path, text).get(key) == value


def test_the_standard_header_is_the_one_init_writes() -> None:
    assert HEADERS[CONFIG_FILE] == init_cmd.CONFIG
