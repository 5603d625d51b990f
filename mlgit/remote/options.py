"""A remote's options (from the config files) -> keyword arguments for its fsspec filesystem
class, one function per scheme (the registry in schemes.py names which).

Option values may be credentials: they never appear in error messages.
"""

from __future__ import annotations

import os
from typing import Any

from mlgit.errors import MlgitError
from mlgit.remote.urls import RemoteURL

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def _flag(scheme: str, key: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise MlgitError(f"{scheme} option {key!r} must be true or false",
                     hint=f"use one of: {', '.join(_TRUE + _FALSE)}")


def _port(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise MlgitError("ssh option 'port' must be a number from 1 to 65535",
                         hint="e.g. port: 2222")
    return int(text)


def _existing_file(scheme: str, key: str, value: str) -> str:
    path = os.path.expanduser(value)
    if not os.path.isfile(path):
        raise MlgitError(f"{scheme} option {key!r} names a file that does not exist",
                         hint=f"check the {key!r} option in .mlgit/config.local.yaml")
    return path


def local_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    return {"auto_mkdir": True}


def memory_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    return {}


def gs_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "project" in options:
        kwargs["project"] = options["project"]
    if "endpoint_url" in options:
        kwargs["endpoint_url"] = options["endpoint_url"]
    anonymous = _flag("gs", "anonymous", options.get("anonymous", "false"))
    if anonymous and "credentials" in options:
        raise MlgitError("gs options 'anonymous' and 'credentials' exclude each other",
                         hint="remove one of them")
    if anonymous:
        kwargs["token"] = "anon"
    elif "credentials" in options:
        kwargs["token"] = _existing_file("gs", "credentials", options["credentials"])
    return kwargs


def s3_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if ("access_key_id" in options) != ("secret_access_key" in options):
        raise MlgitError("s3 options 'access_key_id' and 'secret_access_key' go together",
                         hint="set both in .mlgit/config.local.yaml, or neither")
    if "access_key_id" in options:
        kwargs["key"] = options["access_key_id"]
        kwargs["secret"] = options["secret_access_key"]
    if "profile" in options:
        kwargs["profile"] = options["profile"]
    client: dict[str, str] = {}
    if "region" in options:
        client["region_name"] = options["region"]
    if "endpoint_url" in options:
        client["endpoint_url"] = options["endpoint_url"]
    if client:
        kwargs["client_kwargs"] = client
    # One attempt per request (mlgit retries each object itself, briefly; s3fs x botocore
    # retries took ~8 s per request against a server that is down), and no minute-long
    # wait for a host that does not answer.
    kwargs["config_kwargs"] = {"retries": {"total_max_attempts": 1}, "connect_timeout": 10}
    return kwargs


def _one_of(key: str, from_url: str | int | None, from_option: str | int | None) -> Any:
    if from_url and from_option and from_url != from_option:
        raise MlgitError(f"ssh {key} is given both in the URL and as option {key!r}, "
                         "and they differ", hint=f"keep only one {key}")
    return from_url or from_option


def ssh_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"host": remote.host}
    option_port = _port(options["port"]) if "port" in options else None
    port = _one_of("port", remote.port, option_port)
    if port:
        kwargs["port"] = port
    user = _one_of("user", remote.user, options.get("user"))
    if user:
        kwargs["username"] = user
    if "key_file" in options:
        kwargs["client_keys"] = [_existing_file("ssh", "key_file", options["key_file"])]
    if "known_hosts" in options:
        value = options["known_hosts"]
        kwargs["known_hosts"] = (None if value.strip().lower() == "none"
                                 else _existing_file("ssh", "known_hosts", value))
    else:
        # sshfs turns host key checking off by default; check against ~/.ssh/known_hosts
        # as ssh does (asyncssh's default).
        kwargs["known_hosts"] = ()
    return kwargs
