"""Remote URL + options -> (fsspec filesystem, root path). With filesystems.py, the only
modules that import fsspec.

fsspec and its backends are imported lazily inside functions: importing them costs
65-1300 ms, and most commands never touch a remote.

Supported URLs:
    /abs/path, rel/path, file:///abs/path    a local folder
    memory://name/prefix                     fsspec's in-process memory filesystem (tests)
    gs://bucket/prefix  (or gcs://)          Google Cloud Storage via gcsfs
    s3://bucket/prefix                       S3 (or compatible) via s3fs   (mlgit[s3])
    ssh://[user@]host[:port]/path            SFTP via sshfs                 (mlgit[ssh])

Relative local paths are resolved against the current directory by open_fs; callers that
read them from a config file should resolve them against the repo root first.

Option values may be credentials: they never appear in error messages.
"""

from __future__ import annotations

import os
import re
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from mlgit.errors import MlgitError

SCHEMES = ("local", "memory", "gs", "s3", "ssh")
_URL_FORMS = ("a local path, file://, memory://, gs:// (or gcs://), s3://, "
              "ssh://[user@]host[:port]/path")
_ALIASES = {"file": "local", "memory": "memory", "gs": "gs", "gcs": "gs", "s3": "s3",
            "ssh": "ssh"}
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

OPTIONS: dict[str, tuple[str, ...]] = {
    "local": (),
    "memory": (),
    "gs": ("project", "credentials", "anonymous", "endpoint_url"),
    "s3": ("profile", "region", "endpoint_url", "access_key_id", "secret_access_key"),
    "ssh": ("key_file", "port", "user", "known_hosts"),
}

# scheme -> (importable package, pip command that installs it)
PACKAGES: dict[str, tuple[str, str]] = {
    "gs": ("gcsfs", "pip install 'gcsfs>=2024.6'"),
    "s3": ("s3fs", "pip install 'mlgit[s3]'"),
    "ssh": ("sshfs", "pip install 'mlgit[ssh]'"),
}

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


class RemoteURL(NamedTuple):
    """A parsed remote URL. `root` is the path in the filesystem's own terms."""

    scheme: str  # one of SCHEMES
    root: str
    host: str = ""
    user: str = ""
    port: int | None = None


def _bad_url(url: str, why: str) -> MlgitError:
    return MlgitError(f"bad remote URL {describe(url)!r}: {why}",
                      hint=f"a remote URL is {_URL_FORMS}")


def describe(url: str) -> str:
    """`url` safe to print: no password, no userinfo except an ssh user, no query/fragment."""
    match = _SCHEME_RE.match(url)
    if match is None:
        return url
    rest = re.split(r"[?#]", url[match.end():], maxsplit=1)[0]
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user = userinfo.split(":", 1)[0]
        keep = f"{user}@" if match.group(1).lower() == "ssh" and user else ""
        authority = keep + host
    return f"{url[:match.end()]}{authority}{slash}{path}"


def parse_url(url: str) -> RemoteURL:
    """Split a remote URL into scheme, root path and (for ssh) host, user and port."""
    if not url.strip():
        raise MlgitError("the remote URL is empty", hint=f"a remote URL is {_URL_FORMS}")
    if url != url.strip():
        raise _bad_url(url, "leading or trailing whitespace")
    match = _SCHEME_RE.match(url)
    if match is None:
        return RemoteURL("local", url)
    scheme = _ALIASES.get(match.group(1).lower())
    if scheme is None:
        raise MlgitError(f"unsupported remote URL scheme {match.group(1)!r}",
                         hint=f"supported: {_URL_FORMS}")
    rest = url[match.end():]
    if "?" in rest or "#" in rest:
        raise _bad_url(url, "query strings and fragments are not supported")
    if scheme == "local":
        return _parse_file(url, rest)
    if scheme == "ssh":
        return _parse_ssh(url)
    return _parse_bucket(url, scheme, rest)


def _parse_file(url: str, rest: str) -> RemoteURL:
    host, slash, path = rest.partition("/")
    if host not in ("", "localhost") or not slash:
        raise _bad_url(url, "a file:// URL needs an absolute path, e.g. file:///data/store")
    return RemoteURL("local", "/" + unquote(path))


def _check_segments(url: str, path: str) -> str:
    """Drop empty segments of a remote path; refuse `.` and `..` (ambiguous on object stores)."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise _bad_url(url, "'.' and '..' are not allowed in a remote path")
    return "/".join(parts)


def _parse_bucket(url: str, scheme: str, rest: str) -> RemoteURL:
    name, _, prefix = rest.partition("/")
    what = "a name" if scheme == "memory" else "a bucket"
    if "@" in name:
        raise _bad_url(url, "credentials do not belong in a URL; use the remote's options")
    if not name:
        raise _bad_url(url, f"{scheme}:// needs {what}, e.g. {scheme}://{what[2:]}/prefix")
    if not _BUCKET_RE.match(name):
        raise _bad_url(url, f"{what[2:]} may only contain letters, digits, '.', '-', '_'")
    prefix = _check_segments(url, prefix)
    root = f"{name}/{prefix}" if prefix else name
    return RemoteURL(scheme, "/" + root if scheme == "memory" else root)


def _parse_ssh(url: str) -> RemoteURL:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad_url(url, "the port must be a number from 1 to 65535") from None
    if parts.password is not None:
        raise _bad_url(url, "passwords do not belong in a URL; use the key_file option")
    if not parts.hostname:
        raise _bad_url(url, "ssh:// needs a host, e.g. ssh://user@host/path")
    path = _check_segments(url, parts.path)
    if not path:
        raise _bad_url(url, "ssh:// needs a path on the host, e.g. ssh://host/srv/store")
    if port == 0:
        raise _bad_url(url, "the port must be a number from 1 to 65535")
    return RemoteURL("ssh", "/" + path, host=parts.hostname, user=parts.username or "",
                     port=port)


def check_options(scheme: str, options: dict[str, str]) -> None:
    """Refuse option keys the scheme does not know (the values are never shown)."""
    valid = OPTIONS[scheme]
    for key in sorted(options):
        if key not in valid:
            listed = ", ".join(valid) if valid else "none"
            raise MlgitError(f"unknown option {key!r} for a {scheme} remote",
                             hint=f"valid options for {scheme}: {listed}")


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


def _gs_kwargs(options: dict[str, str]) -> dict[str, Any]:
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


def _s3_kwargs(options: dict[str, str]) -> dict[str, Any]:
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


def _ssh_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
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


def fs_kwargs(remote: RemoteURL, options: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments for the scheme's filesystem class (validates `options`)."""
    check_options(remote.scheme, options)
    if remote.scheme == "gs":
        return _gs_kwargs(options)
    if remote.scheme == "s3":
        return _s3_kwargs(options)
    if remote.scheme == "ssh":
        return _ssh_kwargs(remote, options)
    return {"auto_mkdir": True} if remote.scheme == "local" else {}


def open_fs(url: str, options: dict[str, str]) -> tuple[Any, str]:
    """(fsspec filesystem, root path in it) for a remote URL and its options.

    Options are validated before any package is imported. For ssh this connects, every
    time: fsspec would otherwise hand back a cached instance whose SSH connection may have
    dropped since (server restart, network), and that instance never reconnects.
    """
    remote = parse_url(url)
    kwargs = fs_kwargs(remote, options)
    from mlgit.remote.filesystems import filesystem_class, quiet_library_logs

    cls = filesystem_class(remote.scheme)
    quiet_library_logs()
    if remote.scheme == "ssh":
        kwargs["skip_instance_cache"] = True
    root = remote.root
    if remote.scheme == "local":
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
