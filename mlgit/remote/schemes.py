"""The registry of remote kinds: for each scheme, the URL prefixes that select it, how its
URL is parsed, the options it accepts and how they become filesystem arguments, the Python
package it needs (and the pip command that installs it), how it is opened, and the backend's
properties (atomic rename, a bucket that must exist, ranged reads, a connection per open,
default parallelism).

Supported URLs:
    /abs/path, rel/path, file:///abs/path    a local folder
    memory://name/prefix                     fsspec's in-process memory filesystem (tests)
    gs://bucket/prefix  (or gcs://)          Google Cloud Storage via gcsfs
    s3://bucket/prefix                       S3 (or compatible) via s3fs   (mlgit[s3])
    ssh://[user@]host[:port]/path            SFTP via sshfs                 (mlgit[ssh])

Nothing here imports fsspec or a backend (importing them costs 65-1300 ms, and most commands
never touch a remote): filesystems.py does, when a remote is opened (open.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlgit.errors import MlgitError
from mlgit.remote import options as opts
from mlgit.remote import urls
from mlgit.remote.urls import RemoteURL

_FSSPEC = ("fsspec", "pip install fsspec")


@dataclass(frozen=True)
class Scheme:
    name: str
    prefixes: tuple[str, ...]
    """URL prefixes (before `://`) that select this scheme."""
    parse: Callable[[str, str, str], RemoteURL]
    """(url, scheme name, the rest after `://`) -> RemoteURL."""
    options: tuple[str, ...]
    fs_kwargs: Callable[[RemoteURL, dict[str, str]], dict[str, Any]]
    """Checked options -> keyword arguments for the filesystem class."""
    fs_class: str
    """`module:Class` of its fsspec filesystem (filesystems.py may subclass it)."""
    package: str
    """The Python package the filesystem class needs."""
    install: str
    """The pip command that installs `package`."""
    jobs: int
    """Default number of parallel requests (`--jobs` overrides it)."""
    plain_os: bool = False
    """Served with plain os calls (LocalBackend), not through fsspec."""
    atomic_rename: bool = False
    """Writes go to a temp name and are renamed into place. Without it, an upload is
    written to its final name: object stores publish an object only when it is complete."""
    bucket: bool = False
    """The root's first segment is a bucket, which must exist."""
    ranged_cat: bool = True
    """The filesystem's cat_file honours start/end (sshfs's returns the whole file)."""
    connects: bool = False
    """Opening it connects to a server: each open makes a new connection, as fsspec's cached
    instance would keep a connection that may have dropped since (and never reconnect)."""


SCHEMES: dict[str, Scheme] = {s.name: s for s in (
    Scheme("local", ("file",), urls.parse_file, (), opts.local_kwargs,
           "fsspec.implementations.local:LocalFileSystem", *_FSSPEC, jobs=4,
           plain_os=True, atomic_rename=True),
    Scheme("memory", ("memory",), urls.parse_bucket, (), opts.memory_kwargs,
           "fsspec.implementations.memory:MemoryFileSystem", *_FSSPEC, jobs=4),
    Scheme("gs", ("gs", "gcs"), urls.parse_bucket,
           ("project", "credentials", "anonymous", "endpoint_url"), opts.gs_kwargs,
           "gcsfs.core:GCSFileSystem", "gcsfs", "pip install 'gcsfs>=2024.6'", jobs=16,
           bucket=True),
    Scheme("s3", ("s3",), urls.parse_bucket,
           ("profile", "region", "endpoint_url", "access_key_id", "secret_access_key"),
           opts.s3_kwargs, "s3fs:S3FileSystem", "s3fs", "pip install 'mlgit[s3]'", jobs=16,
           bucket=True),
    Scheme("ssh", ("ssh",), urls.parse_ssh, ("key_file", "port", "user", "known_hosts"),
           opts.ssh_kwargs, "sshfs:SSHFileSystem", "sshfs", "pip install 'mlgit[ssh]'",
           jobs=8, atomic_rename=True, ranged_cat=False, connects=True),
)}
_BY_PREFIX = {prefix: s for s in SCHEMES.values() for prefix in s.prefixes}


def parse_url(url: str) -> RemoteURL:
    """Split a remote URL into scheme, root path and (for ssh) host, user and port."""
    if not url.strip():
        raise MlgitError("the remote URL is empty", hint=f"a remote URL is {urls.URL_FORMS}")
    if url != url.strip():
        raise urls.bad_url(url, "leading or trailing whitespace")
    match = urls.SCHEME_RE.match(url)
    if match is None:
        return RemoteURL("local", url)
    scheme = _BY_PREFIX.get(match.group(1).lower())
    if scheme is None:
        raise MlgitError(f"unsupported remote URL scheme {match.group(1)!r}",
                         hint=f"supported: {urls.URL_FORMS}")
    rest = url[match.end():]
    if "?" in rest or "#" in rest:
        raise urls.bad_url(url, "query strings and fragments are not supported")
    return scheme.parse(url, scheme.name, rest)


def check_options(scheme: str, options: dict[str, str]) -> None:
    """Refuse option keys the scheme does not know (the values are never shown)."""
    valid = SCHEMES[scheme].options
    for key in sorted(options):
        if key not in valid:
            listed = ", ".join(valid) if valid else "none"
            raise MlgitError(f"unknown option {key!r} for a {scheme} remote",
                             hint=f"valid options for {scheme}: {listed}")


def fs_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments for the scheme's filesystem class (validates `options`)."""
    check_options(remote.scheme, options)
    return SCHEMES[remote.scheme].fs_kwargs(remote, options)
