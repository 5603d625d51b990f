"""Opening a configured remote: its backend (through the scheme registry), wrapped with
retries, as a RemoteStore; and the errors that stop a whole transfer as one clear line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from mlgit.errors import MlgitError, describe_error
from mlgit.fileio import disk_full_error, is_disk_full
from mlgit.hashing import hash_bytes
from mlgit.remote import schemes, settings
from mlgit.remote.backends import Backend, FsspecBackend, LocalBackend
from mlgit.remote.retry import RetryingBackend
from mlgit.remote.settings import RemoteSpec
from mlgit.remote.store import RemoteStore
from mlgit.remote.transfer import Stopped
from mlgit.remote.urls import describe
from mlgit.repo import Repo


def open_backend(url: str, options: dict[str, str]) -> Backend:
    """The backend for a remote URL (relative local paths must already be absolute)."""
    parsed = schemes.parse_url(url)
    scheme = schemes.SCHEMES[parsed.scheme]
    if scheme.plain_os:
        schemes.check_options(scheme.name, options)
        return LocalBackend(os.path.abspath(parsed.root))
    from mlgit.remote.filesystems import open_fs

    filesystem, root = open_fs(url, options)
    return FsspecBackend(scheme, filesystem, root)


def jobs_for(spec: RemoteSpec, jobs: int | None) -> int:
    """`jobs` if given, else the scheme's default number of parallel requests."""
    return jobs or schemes.SCHEMES[spec.scheme].jobs


def misplaced_folder(repo: Repo, url: str) -> str:
    """What is wrong with a local remote folder that lies in the cache or the repository,
    or holds the repository ("" if nothing): push would put packs where Git sees them, gc
    would count the cache as its own backup and then delete the only copy, and a remote that
    holds other files can never be cleaned by gc -r."""
    parsed = schemes.parse_url(url)
    if parsed.scheme != "local":
        return ""
    folder = os.path.realpath(parsed.root)
    cache = os.path.realpath(repo.cache_dir)
    top = os.path.realpath(repo.root)
    places = [(cache, "mlgit's cache"), (os.path.join(top, ".git"), "Git's folder .git"),
              (os.path.join(top, ".mlgit"), "mlgit's folder .mlgit"), (top, "the work tree")]
    for place, what in places:
        if folder == place:
            return f"the folder is {what}"
        if folder.startswith(place.rstrip(os.sep) + os.sep):
            return f"the folder is inside {what}"
    if top.startswith(folder.rstrip(os.sep) + os.sep):  # push would write beside the repo
        return "the folder holds the repository"
    return ""


def refuse_misplaced_folder(repo: Repo, name: str, url: str, fix: str) -> None:
    """Refuse a local remote whose folder lies in the cache or the repository (`fix`: the
    command that sets a better one)."""
    problem = misplaced_folder(repo, url)
    if problem:
        raise MlgitError(f"remote {name!r} ({describe(url)}): {problem}; a remote must be a"
                         " folder of its own, outside the repository and its cache",
                         f"choose a folder elsewhere (e.g. beside the repository): {fix}")


def open_store(repo: Repo, name: str | None) -> tuple[RemoteSpec, RemoteStore]:
    """The remote `name` (None: the default remote) as a store, after checking that its
    root can be used at all."""
    spec = settings.resolve(repo.config, name)
    url = spec.resolved_url(repo.root)
    refuse_misplaced_folder(repo, spec.name, url, f"'mlgit remote modify {spec.name} url PATH'")
    with remote_errors(spec):
        backend = open_backend(url, spec.options)
        problem = backend.check_root()
    if problem:
        hint = _fix_hint(spec)
        if spec.scheme == "local":
            from shlex import quote

            root = os.path.abspath(schemes.parse_url(url).root)
            hint = f"fix the path with 'mlgit remote modify {spec.name} url PATH'"
            if not os.path.lexists(root):
                hint += (", or create the folder if it is meant to be new:"
                         f" mkdir -p {quote(root)}")
            else:
                hint += ", or move the file away"
        raise MlgitError(f"remote {spec.name!r} ({describe(spec.url)}): {problem}", hint)
    index_cache = os.path.join(repo.tmp_dir, "remote-index", hash_bytes(url.encode()))
    return spec, RemoteStore(RetryingBackend(backend), index_cache)


def _fix_hint(spec: RemoteSpec) -> str:
    return (f"check the URL and credentials: 'mlgit remote list', "
            f"'mlgit remote modify {spec.name} KEY VALUE --local'")


@contextmanager
def remote_errors(spec: RemoteSpec, disk: str = "") -> Iterator[None]:
    """Errors that stop a whole transfer (the remote cannot be reached or listed, refuses
    writes, or a disk is full: `disk` is where the objects are written) as one clear line."""
    try:
        yield
    except MlgitError:
        raise
    except Stopped as stop:
        if isinstance(stop.cause, OSError) and is_disk_full(stop.cause):
            raise disk_full_error(stop.cause, disk, stop.needed) from None
        raise MlgitError(f"remote {spec.name!r} ({describe(spec.url)}) refuses writes"
                         f" ({_refusal(stop.cause)}); the push stopped",
                         _read_only_hint(spec)) from None
    except Exception as exc:  # any backend's error type: fsspec does not unify them
        if disk and isinstance(exc, OSError) and is_disk_full(exc):
            raise disk_full_error(exc, disk) from None
        raise MlgitError(f"remote {spec.name!r} ({describe(spec.url)}):"
                         f" {describe_error(exc)}", _fix_hint(spec)) from None


def _refusal(cause: BaseException) -> str:
    """The refusal without the file it names: that is a temporary file of the upload,
    which means nothing to the user (the remote is already named)."""
    if isinstance(cause, OSError) and cause.strerror:
        number = f"[Errno {cause.errno}] " if cause.errno is not None else ""
        return f"{type(cause).__name__}: {number}{cause.strerror}"
    return describe_error(cause)


def _read_only_hint(spec: RemoteSpec) -> str:
    if spec.scheme == "local":  # a folder has no credentials to change
        return ("check that you may write in the remote's folder (its permissions, and that"
                " it is not on a read-only mount), or push to another remote (a read-only"
                " remote still serves fetch and pull)")
    return ("push to a remote you may write to, or with credentials that may write:"
            f" 'mlgit remote modify {spec.name} KEY VALUE --local' (a read-only remote still"
            " serves fetch and pull)")
