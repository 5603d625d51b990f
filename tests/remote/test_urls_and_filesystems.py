"""mlgit.remote.schemes: remote URL parsing, option checks, install hints, and real filesystems."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgit.errors import MlgitError
from mlgit.remote import filesystems
from mlgit.remote.filesystems import open_fs
from mlgit.remote.schemes import fs_kwargs, parse_url
from mlgit.remote.urls import RemoteURL, describe

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("url", "expected"), [
    ("/srv/store", RemoteURL("local", "/srv/store")),
    ("../store", RemoteURL("local", "../store")),
    ("store", RemoteURL("local", "store")),
    ("odd:name", RemoteURL("local", "odd:name")),
    ("file:///srv/store", RemoteURL("local", "/srv/store")),
    ("file://localhost/srv/my%20store", RemoteURL("local", "/srv/my store")),
    ("memory://test", RemoteURL("memory", "/test")),
    ("memory://test/a/b/", RemoteURL("memory", "/test/a/b")),
    ("gs://bucket", RemoteURL("gs", "bucket")),
    ("gs://bucket/", RemoteURL("gs", "bucket")),
    ("gs://bucket/data/v1", RemoteURL("gs", "bucket/data/v1")),
    ("gcs://bucket//data/", RemoteURL("gs", "bucket/data")),
    ("GS://bucket/x", RemoteURL("gs", "bucket/x")),
    ("s3://my.bucket-1/pre", RemoteURL("s3", "my.bucket-1/pre")),
    ("ssh://host/srv/store", RemoteURL("ssh", "/srv/store", host="host")),
    ("ssh://me@host:2222/srv/store",
     RemoteURL("ssh", "/srv/store", host="host", user="me", port=2222)),
    ("ssh://me@[::1]:22/srv", RemoteURL("ssh", "/srv", host="::1", user="me", port=22)),
])
def test_parse_url(url: str, expected: RemoteURL) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(("url", "needle"), [
    ("", "empty"),
    ("   ", "empty"),
    (" /srv/store", "whitespace"),
    ("ftp://host/x", "unsupported remote URL scheme 'ftp'"),
    ("http://host/x", "unsupported"),
    ("gs://", "needs a bucket"),
    ("gs:///prefix", "needs a bucket"),
    ("s3://", "needs a bucket"),
    ("memory://", "needs a name"),
    ("s3://bad bucket/x", "may only contain"),
    ("gs://bucket/a/../b", "'..'"),
    ("s3://bucket/./b", "'.'"),
    ("gs://bucket/x?alt=1", "query"),
    ("s3://key:secret@bucket/x", "credentials do not belong"),
    ("file://otherhost/x", "file://"),
    ("file://", "file://"),
    ("ssh://host", "needs a path"),
    ("ssh://host/", "needs a path"),
    ("ssh:///srv", "needs a host"),
    ("ssh://host:99999/srv", "port"),
    ("ssh://host:0/srv", "port"),
    ("ssh://host:abc/srv", "port"),
    ("ssh://me:hunter2@host/srv", "passwords do not belong"),
    ("ssh://host/srv/../etc", "'..'"),
])
def test_parse_url_refusals(url: str, needle: str) -> None:
    with pytest.raises(MlgitError) as info:
        parse_url(url)
    err = info.value
    assert needle in err.message
    assert "\n" not in err.message
    assert err.hint
    assert "secret" not in err.message + err.hint
    assert "hunter2" not in err.message + err.hint


def test_unknown_scheme_hint_lists_supported_schemes() -> None:
    with pytest.raises(MlgitError) as info:
        parse_url("azure://container/x")
    for scheme in ("file://", "memory://", "gs://", "gcs://", "s3://", "ssh://"):
        assert scheme in info.value.hint


@pytest.mark.parametrize(("url", "expected"), [
    ("/srv/store", "/srv/store"),
    ("gs://bucket/p", "gs://bucket/p"),
    ("s3://key:secret@bucket/p", "s3://bucket/p"),
    ("s3://key@bucket/p", "s3://bucket/p"),
    ("ssh://me:pw@host:22/srv", "ssh://me@host:22/srv"),
    ("ssh://me@host/srv", "ssh://me@host/srv"),
    ("gs://bucket/p?token=abc#frag", "gs://bucket/p"),
    ("https://u:p@example.com/a@b", "https://example.com/a@b"),
])
def test_describe(url: str, expected: str) -> None:
    assert describe(url) == expected


@given(st.text(alphabet=st.characters(blacklist_characters="/@?#"), min_size=1))
def test_describe_never_shows_a_password(password: str) -> None:
    assert describe(f"ssh://me:{password}@host.example/srv") == "ssh://me@host.example/srv"
    assert describe(f"s3://{password}@bucket/p") == "s3://bucket/p"


def test_bad_url_message_does_not_leak_password() -> None:
    with pytest.raises(MlgitError) as info:
        parse_url("ssh://me:hunter2@host")
    assert "hunter2" not in info.value.message


# --- options -------------------------------------------------------------------------


def test_gs_options_map_to_gcsfs_kwargs(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text("{}")
    remote = parse_url("gs://b/p")
    assert fs_kwargs(remote, {"project": "p1", "endpoint_url": "http://127.0.0.1:9",
                              "anonymous": "True"}) == {
        "project": "p1", "endpoint_url": "http://127.0.0.1:9", "token": "anon"}
    assert fs_kwargs(remote, {"credentials": str(creds)}) == {"token": str(creds)}
    assert fs_kwargs(remote, {"anonymous": "no"}) == {}
    assert fs_kwargs(remote, {}) == {}


def test_s3_options_map_to_s3fs_kwargs() -> None:
    remote = parse_url("s3://b/p")
    once = {"retries": {"total_max_attempts": 1}, "connect_timeout": 10}
    assert fs_kwargs(remote, {"access_key_id": "AK", "secret_access_key": "SK",
                              "profile": "dev", "region": "eu-west-1",
                              "endpoint_url": "http://127.0.0.1:9"}) == {
        "key": "AK", "secret": "SK", "profile": "dev", "config_kwargs": once,
        "client_kwargs": {"region_name": "eu-west-1", "endpoint_url": "http://127.0.0.1:9"}}
    assert fs_kwargs(remote, {}) == {"config_kwargs": once}


def test_s3_requests_are_made_once_so_a_dead_server_fails_fast() -> None:
    """s3fs and botocore would each retry, ~8 s per request against a dead server."""
    filesystem, _ = open_fs("s3://bucket/data", {
        "access_key_id": "x", "secret_access_key": "y",
        "endpoint_url": f"http://127.0.0.1:{_closed_port()}"})
    assert filesystem.retries == 1
    started = time.monotonic()
    with pytest.raises(Exception, match="Could not connect"):
        filesystem.ls("bucket/data")
    assert time.monotonic() - started < 3


def test_ssh_options_map_to_sshfs_kwargs(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("k")
    known = tmp_path / "known_hosts"
    known.write_text("")
    assert fs_kwargs(parse_url("ssh://h/srv"), {
        "key_file": str(key), "port": "2222", "user": "me", "known_hosts": "none"}) == {
        "host": "h", "port": 2222, "username": "me", "client_keys": [str(key)],
        "known_hosts": None}
    assert fs_kwargs(parse_url("ssh://me@h:2222/srv"), {
        "known_hosts": str(known), "port": "2222"}) == {
        "host": "h", "port": 2222, "username": "me", "known_hosts": str(known)}
    # no known_hosts option: the server's key is checked against ~/.ssh/known_hosts
    assert fs_kwargs(parse_url("ssh://h/srv"), {}) == {"host": "h", "known_hosts": ()}


@pytest.mark.parametrize(("url", "options", "needle"), [
    ("gs://b", {"region": "SECRETVALUE"}, "unknown option 'region' for a gs remote"),
    ("s3://b", {"project": "SECRETVALUE"}, "unknown option 'project' for a s3 remote"),
    ("ssh://h/p", {"password": "SECRETVALUE"}, "unknown option 'password'"),
    ("memory://m", {"anonymous": "SECRETVALUE"}, "unknown option 'anonymous'"),
    ("/srv/x", {"user": "SECRETVALUE"}, "unknown option 'user' for a local remote"),
    ("gs://b", {"anonymous": "SECRETVALUE"}, "'anonymous' must be true or false"),
    ("gs://b", {"anonymous": "true", "credentials": "SECRETVALUE"}, "exclude each other"),
    ("gs://b", {"credentials": "/no/such/SECRETVALUE"}, "does not exist"),
    ("s3://b", {"access_key_id": "SECRETVALUE"}, "go together"),
    ("s3://b", {"secret_access_key": "SECRETVALUE"}, "go together"),
    ("ssh://h/p", {"port": "SECRETVALUE"}, "'port' must be a number"),
    ("ssh://h/p", {"port": "70000"}, "'port' must be a number"),
    ("ssh://h/p", {"port": "²"}, "'port' must be a number"),
    ("ssh://h:22/p", {"port": "2222"}, "port is given both"),
    ("ssh://a@h/p", {"user": "b"}, "user is given both"),
    ("ssh://h/p", {"key_file": "/no/such/SECRETVALUE"}, "does not exist"),
    ("ssh://h/p", {"known_hosts": "/no/such/SECRETVALUE"}, "does not exist"),
])
def test_option_refusals_never_show_values(url: str, options: dict[str, str],
                                           needle: str) -> None:
    with pytest.raises(MlgitError) as info:
        open_fs(url, options)
    err = info.value
    assert needle in err.message
    assert err.hint
    assert "SECRETVALUE" not in err.message + err.hint


def test_unknown_option_hint_lists_valid_keys() -> None:
    with pytest.raises(MlgitError) as info:
        open_fs("s3://b", {"secret": "x"})
    assert info.value.hint == ("valid options for s3: profile, region, endpoint_url, "
                               "access_key_id, secret_access_key")
    with pytest.raises(MlgitError) as info:
        open_fs("memory://m", {"x": "y"})
    assert info.value.hint == "valid options for memory: none"


# --- missing packages ----------------------------------------------------------------


def _hide(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name in names else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize(("url", "package", "hint"), [
    ("s3://b/p", "s3fs", "pip install 'mlgit[s3]'"),
    ("ssh://h/p", "sshfs", "pip install 'mlgit[ssh]'"),
    ("gs://b/p", "gcsfs", "pip install 'gcsfs>=2024.6'"),
    ("memory://m", "fsspec", "pip install fsspec"),
])
def test_missing_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch, url: str,
                                               package: str, hint: str) -> None:
    _hide(monkeypatch, package)
    with pytest.raises(MlgitError) as info:
        open_fs(url, {})
    assert f"'{package}'" in info.value.message
    assert "not installed" in info.value.message
    assert info.value.hint == hint


def test_options_are_checked_before_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "s3fs")
    with pytest.raises(MlgitError, match="unknown option"):
        open_fs("s3://b", {"nope": "x"})


def test_broken_package_import_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(scheme: str) -> Any:
        raise ImportError("libfoo.so missing")

    monkeypatch.setattr(filesystems, "import_class", broken)
    with pytest.raises(MlgitError, match="cannot load") as info:
        open_fs("gs://b", {})
    assert info.value.hint == "pip install 'gcsfs>=2024.6'"


# --- imports and real filesystems ----------------------------------------------------


def _run_python(code: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=env, check=True)
    return proc.stdout.strip()


def test_importing_mlgit_fs_does_not_import_fsspec() -> None:
    code = ("import mlgit.remote.schemes, sys;"
            " print('fsspec' in sys.modules, 'gcsfs' in sys.modules)")
    assert _run_python(code) == "False False"


def test_local_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    filesystem, root = open_fs("store/objects", {})
    assert root == str(tmp_path / "store" / "objects")
    with filesystem.open(f"{root}/ab/cdef", "wb") as f:  # auto_mkdir makes ab/
        f.write(b"hello")
    assert (tmp_path / "store" / "objects" / "ab" / "cdef").read_bytes() == b"hello"
    assert filesystem.cat_file(f"{root}/ab/cdef") == b"hello"


def test_file_url_round_trip(tmp_path: Path) -> None:
    filesystem, root = open_fs(f"file://{tmp_path}/remote", {})
    assert root == f"{tmp_path}/remote"
    filesystem.pipe_file(f"{root}/x/y", b"data")
    assert (tmp_path / "remote" / "x" / "y").read_bytes() == b"data"


def test_memory_round_trip() -> None:
    filesystem, root = open_fs("memory://test-fs-roundtrip/prefix", {})
    assert root == "/test-fs-roundtrip/prefix"
    with filesystem.open(f"{root}/ab/cdef", "wb") as f:
        f.write(b"hello")
    other, _ = open_fs("memory://test-fs-roundtrip/prefix", {})
    assert other.cat_file(f"{root}/ab/cdef") == b"hello"
    assert other.ls(f"{root}/ab", detail=False) == [f"{root}/ab/cdef"]
    filesystem.rm(root, recursive=True)


def test_gs_uses_plain_gcsfs_class_with_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "true")
    filesystem, root = open_fs("gs://bucket/data", {
        "project": "proj-x", "anonymous": "true", "endpoint_url": "http://127.0.0.1:1"})
    import gcsfs.core

    assert type(filesystem).__mro__[1] is gcsfs.core.GCSFileSystem
    assert root == "bucket/data"
    assert filesystem.project == "proj-x"
    assert filesystem.credentials.method == "anon"
    assert filesystem._location == "http://127.0.0.1:1"
    assert os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] == "true"  # restored


def test_gs_requests_are_made_once_so_a_dead_server_fails_fast() -> None:
    """gcsfs would retry each request 6 times with up to 32 s between tries."""
    filesystem, _ = open_fs("gs://bucket/data", {
        "project": "p", "anonymous": "true", "endpoint_url": f"http://127.0.0.1:{_closed_port()}"})
    started = time.monotonic()
    with pytest.raises(OSError):
        filesystem.ls("bucket/data")
    assert time.monotonic() - started < 5


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gs_in_a_fresh_process_avoids_the_extended_class() -> None:
    """gcsfs's own default (the env var unset) would pick ExtendedGcsFileSystem."""
    code = (
        "import os\n"
        "from mlgit.remote.filesystems import open_fs\n"
        "f, _ = open_fs('gs://b/p', {'anonymous': 'true', 'project': 'p'})\n"
        "import gcsfs\n"
        "print(type(f).__mro__[1].__name__, gcsfs.GCSFileSystem.__name__,\n"
        "      'extended_gcsfs' in str(type(f)),\n"
        "      'GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT' in os.environ)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"}
    assert _run_python(code, env) == "GCSFileSystem GCSFileSystem False False"
