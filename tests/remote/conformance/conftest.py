"""Fixtures for the remote tests: real storage servers on 127.0.0.1, one set per pytest worker.

`remote` runs a test once per kind of remote (local, memory, gs, s3, ssh) on a fresh, empty
location; see RemoteStore for what it gives. To run a test on some kinds only:

    @pytest.mark.parametrize("remote", ["s3", "ssh"], indirect=True)

The per-kind servers (`gcs_server`, `s3_server`, `ssh_server`) start on first use, once per
worker (each on its own free port), and stop at the end of the session. A test that stops a
server (`remote.stop()`) need not restart it: the fixture starts it again afterwards.

sshd missing: ssh tests are skipped, except when the environment variable CI is "true",
where they fail (CI must run them). `sh tests/setup-system.sh` installs it.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from mlgit.remote.filesystems import open_fs
from tests.remote.conformance.servers import (
    SSHD,
    GcsServer,
    S3Server,
    SshServer,
    sshd_available,
    unique_name,
)

KINDS = ("local", "memory", "gs", "s3", "ssh")
SERVER_KINDS = ("gs", "s3", "ssh")


class Stoppable(Protocol):
    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class RemoteStore:
    """One fresh, empty remote location of one kind, and the server behind it.

    kind            "local", "memory", "gs", "s3" or "ssh"
    url             the remote URL, unique to this test (gs/s3: a new bucket, prefix "data";
                    local: an empty folder; ssh: ssh://USER@127.0.0.1:PORT/<empty folder>;
                    memory: memory://<unique>/data, visible in THIS process only)
    options         the remote options that reach it (what `mlgit remote modify NAME KEY
                    VALUE --local` is given): gs endpoint_url, anonymous, project; s3
                    endpoint_url, access_key_id, secret_access_key; ssh key_file, known_hosts
    open()          (fsspec filesystem, root) via mlgit.remote.filesystems.open_fs, to inspect
                    or damage what is stored
    can_stop        whether stop()/start() apply (gs, s3, ssh); on local and memory they
                    call pytest.skip
    stop()/start()  make the server unreachable (connections refused, open connections
                    cut) / reachable again on the same port with the same data
    local_path      for local and ssh: the folder on this machine that holds the data
    missing_bucket_url   gs/s3: the same kind of URL for a bucket that does not exist
    bad_credentials      s3/ssh: options the server refuses (s3 unknown key id:
                         PermissionError; ssh key not authorized: PermissionError)
    readonly_url, readonly_options   s3/ssh: the same location through an identity that
                         may read and list but not write or delete
    """

    kind: str
    url: str
    options: dict[str, str]
    server: Stoppable | None = None
    local_path: Path | None = None
    missing_bucket_url: str | None = None
    bad_credentials: dict[str, str] | None = None
    readonly_url: str | None = None
    readonly_options: dict[str, str] | None = None
    _cleanups: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def can_stop(self) -> bool:
        return self.server is not None

    @property
    def running(self) -> bool:
        return self.server is None or self.server.running

    def open(self) -> tuple[Any, str]:
        """(fsspec filesystem, root path) for this remote, through filesystems.open_fs."""
        return open_fs(self.url, self.options)

    def stop(self) -> None:
        """Make the server unreachable; its data stays."""
        self._server().stop()

    def start(self) -> None:
        """Bring the server back on the same port with the same data."""
        self._server().start()

    def _server(self) -> Stoppable:
        if self.server is None:
            pytest.skip(f"not applicable: a {self.kind} remote has no server to stop")
        return self.server

    def finish(self) -> None:
        """After the test: restart a stopped server, drop what only this test needs."""
        if self.server is not None and not self.server.running:
            self.server.start()
        for cleanup in self._cleanups:
            cleanup()


def _closed_at_exit(server: Any) -> None:
    """Close `server` at the end of the session, or at interpreter exit if pytest dies."""
    atexit.register(server.close)


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsServer]:
    """gcp-storage-emulator on http://127.0.0.1:PORT, in memory, anonymous access.

    `.options()` are the gs remote options that reach it; `.create_bucket(name)`.
    """
    server = GcsServer()
    server.start()
    _closed_at_exit(server)
    yield server
    server.close()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on http://127.0.0.1:PORT, checking keys and signatures.

    `.options()` (full rights), `.readonly_options()`, `.denied_options()` (no rights),
    `.unknown_key_options()`, `.wrong_secret_options()`; `.create_bucket(name)`.
    """
    server = S3Server()
    server.start()
    _closed_at_exit(server)
    yield server
    server.close()


@pytest.fixture(scope="session")
def ssh_server() -> Iterator[SshServer]:
    """OpenSSH sshd on 127.0.0.1:PORT serving SFTP to the current user.

    `.options()` (key_file, known_hosts none), `.url(path)`, `.url(path, readonly=True)`
    (a second port where every write is refused), `.bad_key_file` (not authorized).
    """
    require_sshd()
    server = SshServer()
    server.start()
    _closed_at_exit(server)
    yield server
    server.close()


def require_sshd() -> None:
    """Skip without sshd; on CI (CI=true) fail instead, loudly."""
    if sshd_available():
        return
    why = (f"{SSHD} is not installed: the ssh remote tests need an OpenSSH server "
           "(run `sh tests/setup-system.sh` as root, or `apt-get install openssh-server`)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the ssh remote tests, but {why}", pytrace=False)
    pytest.skip(why)


def _local(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    folder = tmp_path / "remote"
    folder.mkdir()
    return RemoteStore("local", str(folder), {}, local_path=folder)


def _memory(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    store = RemoteStore("memory", f"memory://{unique_name('mem')}/data", {})

    def forget() -> None:
        fs, root = store.open()
        if fs.exists(root):
            fs.rm(root, recursive=True)

    store._cleanups.append(forget)
    return store


def _gs(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    server: GcsServer = request.getfixturevalue("gcs_server")
    bucket = unique_name("gs")
    server.create_bucket(bucket)
    return RemoteStore("gs", f"gs://{bucket}/data", server.options(), server=server,
                       missing_bucket_url=f"gs://{unique_name('missing')}/data")


def _s3(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = unique_name("s3")
    server.create_bucket(bucket)
    url = f"s3://{bucket}/data"
    return RemoteStore("s3", url, server.options(), server=server,
                       missing_bucket_url=f"s3://{unique_name('missing')}/data",
                       bad_credentials=server.unknown_key_options(),
                       readonly_url=url, readonly_options=server.readonly_options())


def _ssh(request: pytest.FixtureRequest, tmp_path: Path) -> RemoteStore:
    server: SshServer = request.getfixturevalue("ssh_server")
    folder = tmp_path / "remote"
    folder.mkdir()
    options = server.options()
    return RemoteStore("ssh", server.url(str(folder)), options, server=server,
                       local_path=folder,
                       bad_credentials={**options, "key_file": server.bad_key_file},
                       readonly_url=server.url(str(folder), readonly=True),
                       readonly_options=options)


_MAKERS: dict[str, Callable[[pytest.FixtureRequest, Path], RemoteStore]] = {
    "local": _local, "memory": _memory, "gs": _gs, "s3": _s3, "ssh": _ssh,
}


@pytest.fixture(params=KINDS)
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RemoteStore]:
    """A fresh, empty remote of each kind in turn (see RemoteStore)."""
    store = _MAKERS[request.param](request, tmp_path)
    yield store
    store.finish()


@pytest.fixture(params=SERVER_KINDS)
def server_remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RemoteStore]:
    """Like `remote`, for the kinds with a server that can be stopped (gs, s3, ssh)."""
    store = _MAKERS[request.param](request, tmp_path)
    yield store
    store.finish()
