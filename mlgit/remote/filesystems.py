"""Opening a remote's fsspec filesystem: its class (named in the scheme registry) is
imported only when a remote is used (importing fsspec and a backend costs 65-1300 ms), with
the backends' own retries and log output turned off: mlgit retries each call itself
(retry.py) and reports errors itself.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

from mlgit.errors import MlgitError
from mlgit.remote import schemes
from mlgit.remote.schemes import Scheme

# gcsfs >= 2025 turns gcsfs.GCSFileSystem (and fsspec's "gs"/"gcs") into
# ExtendedGcsFileSystem, which asks for the bucket type over gRPC first: ~60 s per operation
# against emulators and GCS-compatible stores. We always use gcsfs.core.GCSFileSystem.
_GCS_EXPERIMENTAL_ENV = "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"
# gcsfs logs a full traceback at ERROR level each time a request runs out of retries (e.g.
# the server is down); with no logging configured Python prints it on stderr. mlgit reports
# the exception itself, so the backends' own loggers get a handler that drops records.
_LIBRARY_LOGGERS = ("fsspec", "gcsfs", "s3fs", "sshfs", "asyncssh", "asyncio")


def _require(scheme: str, package: str, hint: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise MlgitError(f"{scheme} remotes need the Python package {package!r}, "
                         "which is not installed", hint=hint)


def _import_gcs_class() -> Any:
    """A subclass of gcsfs.core.GCSFileSystem that makes each request once, importing gcsfs
    with its experimental (gRPC) layer off.

    The switch is read once, when gcsfs is imported; turning it off for that moment saves
    ~0.6 s of imports and keeps fsspec's "gs" name on the plain class. gcsfs retries every
    failed request 6 times with backoff up to 32 s (about a minute per request when the
    server is down); mlgit's transfers retry each object themselves with short backoff and
    notice a remote that stopped answering, so gcsfs's own retries are turned off.
    """
    if _GCS_CLASS:
        return _GCS_CLASS[0]
    if "gcsfs" not in sys.modules:
        saved = os.environ.get(_GCS_EXPERIMENTAL_ENV)
        os.environ[_GCS_EXPERIMENTAL_ENV] = "false"
        try:
            importlib.import_module("gcsfs.core")
        finally:
            if saved is None:
                del os.environ[_GCS_EXPERIMENTAL_ENV]
            else:
                os.environ[_GCS_EXPERIMENTAL_ENV] = saved
    from gcsfs.core import GCSFileSystem
    from gcsfs.retry import retry_request

    class OneAttemptGCSFileSystem(GCSFileSystem):  # type: ignore[misc]
        _request = retry_request(retries=1)(GCSFileSystem._request.__wrapped__)

    _GCS_CLASS.append(OneAttemptGCSFileSystem)
    return OneAttemptGCSFileSystem


_GCS_CLASS: list[Any] = []


def filesystem_class(scheme: Scheme) -> Any:
    """The class to build a `scheme` filesystem with; a clear error when its package is
    missing or broken."""
    _require(scheme.name, "fsspec", "pip install fsspec")
    _require(scheme.name, scheme.package, scheme.install)
    try:
        return import_class(scheme.name)
    except ImportError as exc:
        raise MlgitError(f"{scheme.name} remotes cannot load their Python package "
                         f"({type(exc).__name__}: {exc})", hint=scheme.install) from exc


def import_class(name: str) -> Any:
    if name == "gs":
        return _import_gcs_class()
    if name == "s3":
        from s3fs import S3FileSystem  # type: ignore[import-untyped]

        class OneAttemptS3FileSystem(S3FileSystem):  # type: ignore[misc]
            retries = 1

        return OneAttemptS3FileSystem
    module, _, cls = schemes.SCHEMES[name].fs_class.partition(":")
    return getattr(importlib.import_module(module), cls)


def quiet_library_logs() -> None:
    import logging

    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def open_fs(url: str, options: dict[str, str]) -> tuple[Any, str]:
    """(fsspec filesystem, root path in it) for a remote URL and its options. Relative local
    paths are resolved against the current directory.

    Options are validated before any package is imported. For ssh (the registry's
    `connects`) this connects, every time: fsspec would otherwise hand back a cached instance
    whose SSH connection may have dropped since (server restart, network), and that instance
    never reconnects.
    """
    remote = schemes.parse_url(url)
    kwargs = schemes.fs_kwargs(remote, options)
    scheme = schemes.SCHEMES[remote.scheme]
    cls = filesystem_class(scheme)
    quiet_library_logs()
    if scheme.connects:
        kwargs["skip_instance_cache"] = True
    root = remote.root
    if scheme.plain_os:
        root = os.path.abspath(os.path.expanduser(root))
    if remote.scheme != "gs" or not isinstance(kwargs.get("token"), str) \
            or kwargs["token"] == "anon":
        return cls(**kwargs), root
    try:
        return cls(**kwargs), root
    except Exception as exc:  # google-auth raises KeyError/ValueError/... for a bad file
        raise MlgitError("gs option 'credentials' names a file that is not usable"
                         f" credentials ({type(exc).__name__}: {_first_line(exc)})",
                         hint="use a service-account key or user credentials JSON file"
                              " ('gcloud auth application-default login' writes one)"
                         ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""
