"""The test servers behave like the real services, through mlgit.remote.filesystems.open_fs.

These also pin down what each backend raises (server down, missing object or bucket, bad
credentials, no write permission): mlgit's transfer code decides on retry or abort by them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mlgit.remote.filesystems import open_fs
from tests.remote.conformance.conftest import RemoteStore, require_sshd
from tests.remote.conformance.servers import GcsServer, S3Server, SshServer, descendants, port_open

MIB = 1 << 20


def _down_errors(kind: str) -> tuple[type[BaseException], ...]:
    """What an operation raises while the server is down (all wrap ConnectionRefusedError).

    gs: aiohttp.ClientConnectorError (an OSError), after gcsfs's attempts.
    s3: botocore.exceptions.EndpointConnectionError (NOT an OSError) after s3fs's retries.
    ssh: a filesystem opened before: asyncssh.sftp.SFTPNoConnection (NOT an OSError);
         open_fs while down: ConnectionRefusedError.
    """
    if kind == "gs":
        import aiohttp

        return (aiohttp.ClientConnectorError,)
    if kind == "s3":
        import botocore.exceptions  # type: ignore[import-untyped]

        return (botocore.exceptions.EndpointConnectionError,)
    import asyncssh

    return (asyncssh.sftp.SFTPNoConnection, ConnectionRefusedError)


def _fast_gcsfs_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """gcsfs.core.GCSFileSystem makes 6 attempts with ~1+2+4+8+16 s between them: a stopped
    emulator fails after ~33 s (measured). Shorten those sleeps here, whatever number of
    attempts open_fs's class makes (same final error)."""
    import gcsfs.retry

    monkeypatch.setattr(gcsfs.retry, "min", lambda *args: 0.01, raising=False)


def test_round_trip(remote: RemoteStore) -> None:
    fs, root = remote.open()
    fs.pipe(f"{root}/ab/one", b"1")
    fs.pipe({f"{root}/ab/two": b"22", f"{root}/cd/three": b"333"})
    assert fs.cat(f"{root}/ab/two") == b"22"
    assert sorted(p.rsplit("/", 1)[1] for p in fs.find(root)) == ["one", "three", "two"]
    assert fs.size(f"{root}/cd/three") == 3
    fs.rm(f"{root}/ab/one")
    assert not fs.exists(f"{root}/ab/one")
    assert fs.exists(f"{root}/ab/two")
    other, other_root = remote.open()
    assert other_root == root and other.cat(f"{root}/cd/three") == b"333"


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n", b"\r\r", b""])
def test_bytes_come_back_exactly_whatever_they_end_with(remote: RemoteStore,
                                                       ending: bytes) -> None:
    """The GCS emulator used to drop a final "\r" of single-request uploads."""
    fs, root = remote.open()
    for size in (0, 300, 2_000_000):
        data = os.urandom(size) + ending
        fs.pipe_file(f"{root}/ab/x{size}", data)
        assert fs.cat_file(f"{root}/ab/x{size}") == data


def test_location_is_fresh_and_empty(remote: RemoteStore) -> None:
    fs, root = remote.open()
    assert not fs.exists(root) or fs.find(root) == []
    fs.pipe(f"{root}/marker", b"x")


def test_missing_object_is_file_not_found(remote: RemoteStore) -> None:
    fs, root = remote.open()
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{root}/no/such/object")
    with pytest.raises(FileNotFoundError):
        fs.info(f"{root}/no/such/object")
    assert not fs.exists(f"{root}/no/such/object")


@pytest.mark.parametrize("remote", ["gs", "s3"], indirect=True)
def test_missing_bucket_is_file_not_found(remote: RemoteStore) -> None:
    assert remote.missing_bucket_url is not None
    fs, root = open_fs(remote.missing_bucket_url, remote.options)
    with pytest.raises(FileNotFoundError):
        fs.pipe(f"{root}/x", b"x")
    with pytest.raises(FileNotFoundError):
        fs.ls(root)
    assert not fs.exists(f"{root}/x")


@pytest.mark.parametrize("remote", ["s3", "ssh"], indirect=True)
def test_bad_credentials_are_permission_errors(remote: RemoteStore) -> None:
    """s3: botocore ClientError InvalidAccessKeyId, raised as PermissionError by s3fs.
    ssh: asyncssh PermissionDenied, raised as PermissionError by open_fs (it connects)."""
    assert remote.bad_credentials is not None
    with pytest.raises(PermissionError):
        fs, root = open_fs(remote.url, remote.bad_credentials)
        fs.pipe(f"{root}/x", b"x")


@pytest.mark.parametrize("remote", ["s3"], indirect=True)
def test_s3_refuses_wrong_secret_and_unpermitted_user(s3_server: S3Server,
                                                      remote: RemoteStore) -> None:
    for options in (s3_server.wrong_secret_options(), s3_server.denied_options()):
        fs, root = open_fs(remote.url, options)
        with pytest.raises(PermissionError):
            fs.pipe(f"{root}/x", b"x")
        with pytest.raises(PermissionError):
            fs.ls(root)


@pytest.mark.parametrize("remote", ["s3", "ssh"], indirect=True)
def test_readonly_identity_reads_but_cannot_write(remote: RemoteStore) -> None:
    """Write refused: s3 PermissionError (AccessDenied); ssh asyncssh.sftp.SFTPPermissionDenied,
    which sshfs does NOT turn into PermissionError (it is not an OSError).

    s3fs's rm() deletes through DeleteObjects and ignores the per-key errors in its answer:
    a refused delete raises nothing. rm_file() (DeleteObject) raises PermissionError.
    """
    import asyncssh

    fs, root = remote.open()
    fs.pipe(f"{root}/kept", b"data")
    assert remote.readonly_url is not None and remote.readonly_options is not None
    ro, ro_root = open_fs(remote.readonly_url, remote.readonly_options)
    assert ro.cat(f"{ro_root}/kept") == b"data"
    assert ro.ls(ro_root, detail=False)
    with pytest.raises((PermissionError, asyncssh.sftp.SFTPPermissionDenied)):
        ro.pipe(f"{ro_root}/new", b"x")
    with pytest.raises((PermissionError, asyncssh.sftp.SFTPPermissionDenied)):
        ro.rm_file(f"{ro_root}/kept")
    if remote.kind == "s3":
        ro.rm(f"{ro_root}/kept")  # s3fs's bulk delete drops per-key errors: no exception,
    assert fs.cat(f"{root}/kept") == b"data"  # and the object is still there


@pytest.mark.parametrize("remote", ["local", "ssh"], indirect=True)
def test_mv_is_an_atomic_rename(remote: RemoteStore) -> None:
    """local: os.rename via shutil.move; ssh: SFTP posix-rename@openssh.com. Both replace
    an existing target and keep the inode (no copy). gs and s3 mv is copy + delete."""
    fs, root = remote.open()
    fs.pipe({f"{root}/tmp/part": b"new", f"{root}/final": b"old"})
    assert remote.local_path is not None
    inode = (remote.local_path / "tmp" / "part").stat().st_ino
    fs.mv(f"{root}/tmp/part", f"{root}/final")
    assert fs.cat(f"{root}/final") == b"new"
    assert not fs.exists(f"{root}/tmp/part")
    assert (remote.local_path / "final").stat().st_ino == inode


def _upload_types(server: GcsServer) -> set[str]:
    return {r.split("uploadType=")[1].split("&")[0] for r in server.requests
            if "uploadType=" in r}


@pytest.mark.parametrize("remote", ["gs"], indirect=True)
def test_gcs_simple_and_resumable_uploads(gcs_server: GcsServer, remote: RemoteStore) -> None:
    """gcsfs (2026.10): pipe/put_file send up to 50 MiB in one request (uploadType=multipart);
    a file written through fs.open(..., "wb") is always a resumable upload, in 5 MiB chunks.
    """
    fs, root = remote.open()
    small, large = os.urandom(MIB), os.urandom(6 * MIB)
    cases = [("piped-small", small, "pipe"), ("piped-large", large, "pipe"),
             ("written-small", small, "open"), ("written-large", large, "open")]
    for name, data, how in cases:
        gcs_server.requests.clear()
        if how == "pipe":
            fs.pipe(f"{root}/{name}", data)
        else:
            with fs.open(f"{root}/{name}", "wb") as f:
                f.write(data)
        expected = {"multipart"} if how == "pipe" else {"resumable"}
        assert _upload_types(gcs_server) == expected, name
        assert fs.cat(f"{root}/{name}") == data, name
    resumable_chunks = [r for r in gcs_server.requests if r.startswith("POST /upload/")]
    assert len(resumable_chunks) >= 2  # the initiation and more than one 5 MiB chunk
    assert fs.size(f"{root}/written-large") == 6 * MIB


@pytest.mark.parametrize("remote", ["s3"], indirect=True)
def test_s3_multipart_upload(remote: RemoteStore) -> None:
    fs, root = remote.open()
    data = os.urandom(6 * MIB)
    with fs.open(f"{root}/large", "wb", block_size=5 * MIB) as f:
        f.write(data)
    assert fs.cat(f"{root}/large") == data


def test_stop_fails_fast_and_start_brings_the_same_data_back(
        server_remote: RemoteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = server_remote
    if remote.kind == "gs":
        _fast_gcsfs_retries(monkeypatch)
    fs, root = remote.open()
    fs.pipe(f"{root}/before", b"kept")
    port = urlsplit(remote.url).port if remote.kind == "ssh" else None
    remote.stop()
    assert not remote.running
    if port is not None:
        assert not port_open(port)
    started = time.monotonic()
    with pytest.raises(_down_errors(remote.kind)):
        fs.cat(f"{root}/before")
    assert time.monotonic() - started < 30
    if remote.kind == "ssh":
        with pytest.raises(ConnectionRefusedError):
            remote.open()
    remote.start()
    fresh, _ = remote.open()
    assert fresh.cat(f"{root}/before") == b"kept"
    fresh.pipe(f"{root}/after", b"new")
    if remote.kind != "ssh":  # an sshfs instance never reconnects; open_fs makes a new one
        assert fs.cat(f"{root}/after") == b"new"


def test_stop_and_start_are_not_applicable_without_a_server(tmp_path: Path) -> None:
    local = RemoteStore("local", str(tmp_path), {})
    assert not local.can_stop and local.running
    with pytest.raises(pytest.skip.Exception, match="not applicable"):
        local.stop()


def test_a_stopped_server_is_running_again_for_the_next_test(server_remote: RemoteStore
                                                             ) -> None:
    server_remote.stop()
    server_remote.finish()
    assert server_remote.running
    fs, root = server_remote.open()
    fs.pipe(f"{root}/x", b"x")


def test_sshd_leaves_no_process_behind() -> None:
    """close() kills sshd and the per-connection processes of open sessions."""
    require_sshd()
    server = SshServer()
    server.start()
    try:
        fs, root = open_fs(server.url(str(server.dir)), server.options())
        assert fs.exists(f"{root}/sshd_config")
        sshd = server.pid
        assert sshd is not None and descendants(sshd)  # the session's sshd
        family = [sshd, *descendants(sshd)]
    finally:
        server.close()
    assert not port_open(server.port) and not port_open(server.readonly_port)
    assert not server.dir.exists()
    for pid in family:
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for init to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
