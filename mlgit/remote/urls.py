"""Remote URLs: splitting one into scheme, root path and (for ssh) host, user and port, and
showing one safely. Which URL prefixes exist, and which parser each uses, is the scheme
registry's (schemes.py).

Relative local paths are kept as written: callers that read them from a config file resolve
them against the repo root (settings.RemoteSpec.resolved_url).
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from mlgit.errors import MlgitError

URL_FORMS = ("a local path, file://, memory://, gs:// (or gcs://), s3://, "
             "ssh://[user@]host[:port]/path")
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class RemoteURL(NamedTuple):
    """A parsed remote URL. `root` is the path in the filesystem's own terms."""

    scheme: str  # a name in schemes.SCHEMES
    root: str
    host: str = ""
    user: str = ""
    port: int | None = None


def bad_url(url: str, why: str) -> MlgitError:
    return MlgitError(f"bad remote URL {describe(url)!r}: {why}",
                      hint=f"a remote URL is {URL_FORMS}")


def describe(url: str) -> str:
    """`url` safe to print: no password, no userinfo except an ssh user, no query/fragment."""
    match = SCHEME_RE.match(url)
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


def parse_file(url: str, scheme: str, rest: str) -> RemoteURL:
    """file:///abs/path (`rest` is what follows `file://`)."""
    host, slash, path = rest.partition("/")
    if host not in ("", "localhost") or not slash:
        raise bad_url(url, "a file:// URL needs an absolute path, e.g. file:///data/store")
    return RemoteURL(scheme, "/" + unquote(path))


def _check_segments(url: str, path: str) -> str:
    """Drop empty segments of a remote path; refuse `.` and `..` (ambiguous on object stores)."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise bad_url(url, "'.' and '..' are not allowed in a remote path")
    return "/".join(parts)


def parse_bucket(url: str, scheme: str, rest: str) -> RemoteURL:
    """BUCKET/prefix (or for memory://, NAME/prefix)."""
    name, _, prefix = rest.partition("/")
    what = "a name" if scheme == "memory" else "a bucket"
    if "@" in name:
        raise bad_url(url, "credentials do not belong in a URL; use the remote's options")
    if not name:
        raise bad_url(url, f"{scheme}:// needs {what}, e.g. {scheme}://{what[2:]}/prefix")
    if not _BUCKET_RE.match(name):
        raise bad_url(url, f"{what[2:]} may only contain letters, digits, '.', '-', '_'")
    prefix = _check_segments(url, prefix)
    root = f"{name}/{prefix}" if prefix else name
    return RemoteURL(scheme, "/" + root if scheme == "memory" else root)


def parse_ssh(url: str, scheme: str, rest: str) -> RemoteURL:
    """[user@]host[:port]/path."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise bad_url(url, "the port must be a number from 1 to 65535") from None
    if parts.password is not None:
        raise bad_url(url, "passwords do not belong in a URL; use the key_file option")
    if not parts.hostname:
        raise bad_url(url, "ssh:// needs a host, e.g. ssh://user@host/path")
    path = _check_segments(url, parts.path)
    if not path:
        raise bad_url(url, "ssh:// needs a path on the host, e.g. ssh://host/srv/store")
    if port == 0:
        raise bad_url(url, "the port must be a number from 1 to 65535")
    return RemoteURL(scheme, "/" + path, host=parts.hostname, user=parts.username or "",
                     port=port)
