"""The scheme registry (mlgit.remote.schemes): every scheme's URLs, options, install hint and
backend properties, and how a remote is opened from it (mlgit.remote.open)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from mlgit.errors import MlgitError
from mlgit.remote import filesystems, schemes
from mlgit.remote.backends import FsspecBackend, LocalBackend
from mlgit.remote.open import jobs_for, open_backend
from mlgit.remote.settings import RemoteSpec

ROOT = Path(__file__).resolve().parents[2]

URLS = {
    "local": ["/srv/store", "rel/store", "file:///srv/store"],
    "memory": ["memory://name/prefix"],
    "gs": ["gs://bucket/prefix", "gcs://bucket/prefix"],
    "s3": ["s3://bucket/prefix"],
    "ssh": ["ssh://me@host:2222/srv/store"],
}


def test_every_scheme_has_urls_here() -> None:
    assert sorted(URLS) == sorted(schemes.SCHEMES)


@pytest.mark.parametrize(("scheme", "url"),
                         [(s, u) for s, urls in URLS.items() for u in urls])
def test_each_url_form_selects_its_scheme(scheme: str, url: str) -> None:
    assert schemes.parse_url(url).scheme == scheme


@pytest.mark.parametrize("scheme", sorted(URLS))
def test_every_option_a_scheme_lists_is_accepted(scheme: str) -> None:
    for option in schemes.SCHEMES[scheme].options:
        schemes.check_options(scheme, {option: "x"})


def _valid_options(scheme: str, a_file: str) -> dict[str, str]:
    return {"local": {}, "memory": {},
            "gs": {"project": "p", "credentials": a_file, "anonymous": "no",
                   "endpoint_url": "http://h:1"},
            "s3": {"profile": "p", "region": "r", "endpoint_url": "http://h:1",
                   "access_key_id": "k", "secret_access_key": "s"},
            "ssh": {"key_file": a_file, "port": "2222", "user": "me",
                    "known_hosts": a_file}}[scheme]


@pytest.mark.parametrize("scheme", sorted(URLS))
def test_options_become_the_filesystems_arguments(scheme: str, tmp_path: Path) -> None:
    a_file = tmp_path / "key"
    a_file.write_text("")
    options = _valid_options(scheme, str(a_file))
    assert set(options) == set(schemes.SCHEMES[scheme].options)
    kwargs = schemes.fs_kwargs(schemes.parse_url(URLS[scheme][0]), options)
    expected = {"local": {"auto_mkdir": True}, "memory": {},
                "gs": {"project": "p", "endpoint_url": "http://h:1", "token": str(a_file)},
                "ssh": {"host": "host", "port": 2222, "username": "me",
                        "client_keys": [str(a_file)], "known_hosts": str(a_file)}}
    if scheme == "s3":
        assert (kwargs["key"], kwargs["secret"], kwargs["profile"]) == ("k", "s", "p")
        assert kwargs["client_kwargs"] == {"region_name": "r", "endpoint_url": "http://h:1"}
    else:
        assert kwargs == expected[scheme]


@pytest.mark.parametrize("scheme", sorted(URLS))
def test_an_option_of_another_scheme_is_refused_with_the_valid_ones(scheme: str) -> None:
    foreign = next(o for s in schemes.SCHEMES.values() for o in s.options
                   if o not in schemes.SCHEMES[scheme].options)
    with pytest.raises(MlgitError) as info:
        schemes.fs_kwargs(schemes.parse_url(URLS[scheme][0]), {foreign: "secret-value"})
    assert info.value.message == f"unknown option {foreign!r} for a {scheme} remote"
    assert info.value.hint.endswith(", ".join(schemes.SCHEMES[scheme].options) or "none")
    assert "secret-value" not in info.value.message + info.value.hint


@pytest.mark.parametrize("scheme", sorted(URLS))
def test_a_missing_package_names_the_schemes_install_command(
        scheme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = schemes.SCHEMES[scheme]
    real = importlib.util.find_spec
    monkeypatch.setattr(filesystems.importlib.util, "find_spec",
                        lambda name, *a: None if name == spec.package else real(name, *a))
    with pytest.raises(MlgitError) as info:
        filesystems.filesystem_class(spec)
    assert info.value.message == (f"{scheme} remotes need the Python package"
                                  f" {spec.package!r}, which is not installed")
    assert info.value.hint == spec.install


def test_properties() -> None:
    table = {name: (s.jobs, s.atomic_rename, s.bucket, s.ranged_cat, s.plain_os, s.connects)
             for name, s in schemes.SCHEMES.items()}
    assert table == {
        "local": (4, True, False, True, True, False),
        "memory": (4, False, False, True, False, False),
        "gs": (16, False, True, True, False, False),
        "s3": (16, False, True, True, False, False),
        "ssh": (8, True, False, False, False, True),
    }


def test_jobs_default_to_the_schemes_and_an_explicit_number_wins() -> None:
    spec = RemoteSpec("origin", "ssh://host/srv", {}, frozenset())
    assert (jobs_for(spec, None), jobs_for(spec, 3)) == (8, 3)


def test_a_local_folder_opens_with_plain_os_calls_without_fsspec(tmp_path: Path) -> None:
    code = ("import sys; from mlgit.remote.open import open_backend;"
            f" b = open_backend({str(tmp_path)!r}, {{}});"
            " print(type(b).__name__, b.check_root(), 'fsspec' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert proc.stdout.split() == ["LocalBackend", "None", "False"]


def test_a_local_folder_refuses_options(tmp_path: Path) -> None:
    with pytest.raises(MlgitError, match="unknown option 'project' for a local remote"):
        open_backend(str(tmp_path), {"project": "p"})


def test_memory_opens_through_fsspec_and_writes_without_a_temp_name() -> None:
    backend = open_backend("memory://registry-test/prefix", {})
    assert isinstance(backend, FsspecBackend) and backend.scheme == "memory"
    backend.write_bytes("ab/cdef", b"hello world")
    assert backend.list_dir("ab") == ["cdef"]  # no rename: written under its final name
    assert backend.read("ab/cdef", 6, 11) == b"world"
    backend.fs.rm(backend.root, recursive=True)


def test_a_local_folder_publishes_by_rename(tmp_path: Path) -> None:
    backend = open_backend(str(tmp_path), {})
    assert isinstance(backend, LocalBackend)
    backend.write_bytes("ab/cdef", b"hello")
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == ["cdef"]
    assert (tmp_path / "ab" / "cdef").stat().st_mode & 0o777 == 0o444  # made, then renamed
