"""The fsspec filesystem class for each remote kind, imported only when a remote is used
(importing fsspec and a backend costs 65-1300 ms), with the backends' own retries and log
output turned off: mlgit retries per object and reports errors itself.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

from mlgit.errors import MlgitError
from mlgit.remote.schemes import PACKAGES

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


def filesystem_class(scheme: str) -> Any:
    """The class to build a `scheme` filesystem with; a clear error when its package is
    missing or broken."""
    _require(scheme, "fsspec", "pip install fsspec")
    if scheme in PACKAGES:
        package, hint = PACKAGES[scheme]
        _require(scheme, package, hint)
    try:
        return import_class(scheme)
    except ImportError as exc:
        hint = PACKAGES.get(scheme, ("fsspec", "pip install fsspec"))[1]
        raise MlgitError(f"{scheme} remotes cannot load their Python package "
                         f"({type(exc).__name__}: {exc})", hint=hint) from exc


_CLASSES = {
    "s3": ("s3fs", "S3FileSystem"),
    "ssh": ("sshfs", "SSHFileSystem"),
    "memory": ("fsspec.implementations.memory", "MemoryFileSystem"),
    "local": ("fsspec.implementations.local", "LocalFileSystem"),
}


def import_class(scheme: str) -> Any:
    if scheme == "gs":
        return _import_gcs_class()
    if scheme == "s3":
        from s3fs import S3FileSystem  # type: ignore[import-untyped]

        class OneAttemptS3FileSystem(S3FileSystem):  # type: ignore[misc]
            retries = 1

        return OneAttemptS3FileSystem
    module, name = _CLASSES[scheme]
    return getattr(importlib.import_module(module), name)


def quiet_library_logs() -> None:
    import logging

    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
