"""Real remote storage servers on 127.0.0.1 for the remote tests.

Each server can be stopped (made unreachable: the listening socket is closed AND every open
client connection is cut, as if the server process had died) and started again on the SAME
port with the SAME data:

- GcsServer: gcp-storage-emulator's request handler and in-memory Storage, served by our own
  single-threaded HTTPServer. The Storage object outlives the HTTP server, so a restart
  keeps every bucket and object.
- S3Server: moto's WSGI app on a threaded werkzeug server in this process. moto keeps its
  state in process-global backends, so a restart keeps every bucket and object. IAM
  authentication is switched on: only the keys this server hands out are accepted.
- SshServer: the system's OpenSSH sshd as a subprocess, with temporary host and client keys.
  Stopping kills sshd and its per-connection children; the data is the local filesystem.
"""

from __future__ import annotations

import contextlib
import ctypes
import getpass
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from functools import partial
from http.server import HTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
SSHD = "/usr/sbin/sshd"
START_TIMEOUT = 10.0


def unique_name(prefix: str) -> str:
    """A bucket-safe unique name: lowercase letters, digits and '-', at most 40 characters."""
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def _ephemeral_low() -> int:
    """Where the kernel starts picking local ports for outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free TCP port on 127.0.0.1, below the ephemeral range when there is room.

    A server restarts on the port it had; a port from the ephemeral range could meanwhile
    be the local end of some outgoing connection, and the restart would fail to bind.
    """
    low = _ephemeral_low()
    if low > 10_100:
        for _ in range(100):
            port = random.randrange(10_000, low)
            if _bindable(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    """Poll `check` every 10 ms until it is true; RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


def port_open(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def ssh_banner(port: int) -> bool:
    """Whether an SSH server answers on 127.0.0.1:port (not merely some listening socket)."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as sock:
            return sock.recv(8).startswith(b"SSH-")
    except OSError:
        return False


class _Connections:
    """The client sockets a threaded server holds open, so stop() can cut them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def cut_all(self) -> None:
        with self._lock:
            socks, self._open = list(self._open), set()
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _ThreadedHTTP:
    """Runs a socketserver in a daemon thread; stop() closes it and cuts its connections."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self._bound_once = False
        self.connections = _Connections()
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def _make_server(self, port: int) -> HTTPServer:
        raise NotImplementedError

    def start(self) -> None:
        """Listen (again), always on the same port."""
        if self._server is not None:
            return
        server = self._bind()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=self.name,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _bind(self) -> HTTPServer:
        """A server on self.port; if the very first bind loses a race, on a new free port."""
        for _ in range(5):
            try:
                server = self._make_server(self.port)
            except OSError:
                if self._bound_once:
                    raise
                self.port = free_port()
                continue
            self._bound_once = True
            return server
        return self._make_server(self.port)

    def stop(self) -> None:
        """Stop listening and cut every client connection; the data stays."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        self.connections.cut_all()  # first: a request in progress must not delay shutdown()
        server.shutdown()
        server.server_close()
        self.connections.cut_all()  # and any accepted meanwhile
        if thread is not None:
            thread.join(timeout=5)

    def close(self) -> None:
        """Stop for good (end of the test session)."""
        self.stop()


# --------------------------------------------------------------------------------------------
# Google Cloud Storage: gcp-storage-emulator


def _exact_multipart_uploads() -> None:
    """The emulator parses gcsfs's single-request (multipart) uploads with the email package,
    which drops a final "\r" of the content (about one object in 256 came back corrupt).
    Parse them exactly instead: gcsfs separates parts with "\n"."""
    import gcp_storage_emulator.server as emulator

    if getattr(emulator, "_mlgit_exact_multipart", False):
        return
    read_data = emulator._read_data

    def exact(handler: Any, query: Any) -> Any:
        content_type = handler.headers.get("Content-Type") or ""
        if not content_type.startswith("multipart/related"):
            return read_data(handler, query)
        raw = emulator._decode_raw_data(whole(handler), handler)
        boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
        parts = raw.split(b"--" + boundary)
        if len(parts) < 4:  # no closing boundary: the upload was cut short
            raise ConnectionError("multipart upload without its closing boundary")
        meta, content = (_split_part(p) for p in parts[1:3])
        return {"meta": json.loads(meta[1]), "content": content[1],
                "content-type": content[0].get("content-type", "application/octet-stream")}

    read_raw = emulator._read_raw_data

    def whole(handler: Any) -> Any:
        # A connection cut mid-request (the server stopped during an upload) gives a short
        # read, which the emulator would store as a truncated object; real GCS never
        # publishes an incomplete upload.
        data = read_raw(handler)
        expected = handler.headers.get("Content-Length")
        if expected and len(data) < int(expected):
            raise ConnectionError(f"upload cut short: {len(data)} of {expected} bytes")
        return data

    emulator._read_data = exact
    emulator._read_raw_data = whole
    emulator._mlgit_exact_multipart = True


def _split_part(part: bytes) -> tuple[dict[str, str], bytes]:
    """(headers, body) of one multipart part, with "\n" or "\r\n" line ends."""
    eol = b"\r\n" if part.startswith(b"\r\n") else b"\n"
    head, _, body = part[len(eol):].partition(eol + eol)
    headers = {}
    for line in head.split(eol):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers, body[: -len(eol)] if body.endswith(eol) else body


class GcsServer(_ThreadedHTTP):
    """gcp-storage-emulator, in memory, on http://127.0.0.1:PORT (anonymous access)."""

    project = "test"

    def __init__(self) -> None:
        super().__init__("gcs-emulator")
        self.storage = _memory_storage()
        self.requests: deque[str] = deque(maxlen=10_000)  # "POST /upload/...?uploadType=..."
        self._lock = threading.Lock()
        logging.getLogger("gcp_storage_emulator").addHandler(logging.NullHandler())

    def _make_server(self, port: int) -> HTTPServer:
        from gcp_storage_emulator.server import RequestHandler  # type: ignore[import-untyped]

        _exact_multipart_uploads()

        connections, requests, lock = self.connections, self.requests, self._lock

        class Handler(RequestHandler):  # type: ignore[misc]
            def handle_one_request(self) -> None:
                with lock:  # create_bucket() changes the storage from another thread
                    super().handle_one_request()

            def setup(self) -> None:
                super().setup()
                connections.add(self.connection)

            def finish(self) -> None:
                connections.discard(self.connection)
                super().finish()

            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                requests.append(f"{self.command} {self.path}")

        return _EmulatorHTTPServer((HOST, port), partial(Handler, self.storage))

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def options(self) -> dict[str, str]:
        """The gs remote options that reach this emulator."""
        return {"endpoint_url": self.endpoint_url, "anonymous": "true",
                "project": self.project}

    def create_bucket(self, name: str) -> None:
        """Create a bucket directly in the emulator's storage (no HTTP round trip)."""
        from gcp_storage_emulator.handlers.buckets import (  # type: ignore[import-untyped]
            create_bucket,
        )

        with self._lock:
            create_bucket(name, self.storage)


def _memory_storage() -> Any:
    """The emulator's in-memory Storage, minus its metadata journal.

    Storage rewrites ALL bucket and object metadata as one JSON document after every change,
    only so that a new Storage could reload it from disk: O(n) per upload, 1000 uploads
    18 s, 2000 uploads 130 s. We keep the same Storage object across restarts instead.
    """
    from gcp_storage_emulator.storage import Storage  # type: ignore[import-untyped]

    class MemoryStorage(Storage):  # type: ignore[misc]
        def _write_config_to_file(self) -> None:
            """Nothing to write: this storage lives exactly as long as the object."""

    return MemoryStorage(use_memory_fs=True)


class _EmulatorHTTPServer(HTTPServer):
    """The emulator's server is single-threaded; http.server's listen queue of 5 makes
    parallel clients overflow it and wait out TCP SYN retries (seconds each)."""

    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Cut connections (stop()) are expected: no traceback on stderr."""


# --------------------------------------------------------------------------------------------
# S3: moto


class S3Server(_ThreadedHTTP):
    """moto's S3 on http://127.0.0.1:PORT, checking keys and signatures like AWS.

    Do not POST /moto-api/reset: it would delete the IAM users, and with them every key.

    `access_key_id`/`secret_access_key` may do anything, `readonly_key_id`/`readonly_secret`
    may read and list, `denied_key_id`/`denied_secret` may do nothing (AccessDenied). Any
    other key is refused (InvalidAccessKeyId), and a right key with a wrong secret too
    (SignatureDoesNotMatch).
    """

    def __init__(self) -> None:
        super().__init__("moto-s3")
        self.access_key_id, self.secret_access_key = _moto_user("mlgit-test", ALLOW_ALL)
        self.readonly_key_id, self.readonly_secret = _moto_user("mlgit-readonly", READ_ONLY)
        self.denied_key_id, self.denied_secret = _moto_user("mlgit-denied", None)
        self._app = _moto_s3_app()
        _moto_require_auth()

    def _make_server(self, port: int) -> HTTPServer:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import ThreadedWSGIServer

        connections = self.connections

        class Handler(MotoRequestHandler):
            def setup(self) -> None:
                super().setup()
                connections.add(self.connection)

            def finish(self) -> None:
                connections.discard(self.connection)
                with contextlib.suppress(OSError):
                    super().finish()

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """No access log on stderr."""

        class Server(ThreadedWSGIServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                """Cut connections (stop()) are expected: no traceback on stderr."""

        return Server(HOST, port, self._app, handler=Handler)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def options(self) -> dict[str, str]:
        """The s3 remote options that reach this server with full rights."""
        return {"endpoint_url": self.endpoint_url, "access_key_id": self.access_key_id,
                "secret_access_key": self.secret_access_key}

    def readonly_options(self) -> dict[str, str]:
        """Valid keys of a user that may only read and list (writes: AccessDenied)."""
        return {**self.options(), "access_key_id": self.readonly_key_id,
                "secret_access_key": self.readonly_secret}

    def denied_options(self) -> dict[str, str]:
        """Valid keys of a user that may do nothing (every call: AccessDenied)."""
        return {**self.options(), "access_key_id": self.denied_key_id,
                "secret_access_key": self.denied_secret}

    def unknown_key_options(self) -> dict[str, str]:
        """Keys this server never issued (InvalidAccessKeyId)."""
        return {**self.options(), "access_key_id": "AKIAUNKNOWNKEY000000",
                "secret_access_key": "not-a-secret"}

    def wrong_secret_options(self) -> dict[str, str]:
        """The right key id with a wrong secret (SignatureDoesNotMatch)."""
        return {**self.options(), "secret_access_key": "wrong-" + self.secret_access_key}

    def create_bucket(self, name: str) -> None:
        """Create a bucket directly in moto's backend (no HTTP round trip)."""
        _moto_s3_backend().create_bucket(name, "us-east-1")


def _moto_account() -> str:
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return str(DEFAULT_ACCOUNT_ID)


def _moto_s3_backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[_moto_account()]["aws"]


def _moto_s3_app() -> Callable[[dict[str, Any], Any], Any]:
    """moto's S3 app (and its /moto-api), without moto's per-request service lookup.

    moto's DomainDispatcherApplication lists moto's ~175 module folders on disk for every
    request (~3 ms each); all our requests are path-style S3, so we dispatch directly.
    """
    from moto.moto_server.werkzeug_app import create_backend_app

    s3_app = create_backend_app("s3")
    api_app = create_backend_app("moto_api")

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        moto_api = str(environ.get("PATH_INFO", "")).startswith("/moto-api")
        return (api_app if moto_api else s3_app)(environ, start_response)

    return app


def _policy(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


ALLOW_ALL = _policy("*")
READ_ONLY = _policy("s3:Get*", "s3:List*")


def _moto_user(name: str, policy: str | None) -> tuple[str, str]:
    """Create an IAM user in moto with an inline `policy`; return its (key id, secret)."""
    from moto.iam.models import iam_backends

    iam = iam_backends[_moto_account()]["aws"]
    user = unique_name(name)
    iam.create_user(region_name="us-east-1", user_name=user, path="/", tags=[])
    if policy is not None:
        iam.put_user_policy(user, "policy", policy)
    key = iam.create_access_key(user, status="Active")
    return str(key.access_key_id), str(key.secret_access_key)


def _moto_require_auth() -> None:
    """From now on moto checks every request's key and signature against its IAM users.

    moto accepts any key unless INITIAL_NO_AUTH_ACTION_COUNT is finite; the setting is
    process-global and read on each request, which is fine: this process only runs tests.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0


# --------------------------------------------------------------------------------------------
# SSH: the system's OpenSSH sshd


def sshd_available() -> bool:
    return os.access(SSHD, os.X_OK)


class SshServer:
    """OpenSSH sshd on 127.0.0.1:PORT, serving SFTP to `user` with `key_file`.

    A second port, `readonly_port`, serves the same files read-only (writes: permission
    denied). `bad_key_file` is a valid key that sshd does not accept.
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mlgit-sshd-"))
        self.user = getpass.getuser()
        self.host_key = self._keygen("host_key")
        self.key_file = str(self._keygen("client_key"))
        self.bad_key_file = str(self._keygen("bad_client_key"))
        authorized = self.dir / "authorized_keys"
        authorized.write_text(Path(self.key_file + ".pub").read_text())
        authorized.chmod(0o600)
        self.authorized = authorized
        self.config = self.dir / "sshd_config"
        self.log = self.dir / "sshd.log"
        self._pick_ports()
        self._started_once = False
        self._proc: subprocess.Popen[bytes] | None = None

    def _pick_ports(self) -> None:
        self.port = free_port()
        self.readonly_port = free_port()
        while self.readonly_port == self.port:
            self.readonly_port = free_port()
        self.config.write_text(self._config_text(self.authorized))

    @property
    def running(self) -> bool:
        return self._proc is not None

    @property
    def pid(self) -> int | None:
        """The listening sshd's process id while it runs."""
        return None if self._proc is None else self._proc.pid

    def _keygen(self, name: str) -> Path:
        path = self.dir / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                        str(path)], check=True, capture_output=True)
        return path

    def _config_text(self, authorized: Path) -> str:
        return "\n".join([
            f"Port {self.port}",
            f"Port {self.readonly_port}",
            f"ListenAddress {HOST}",
            f"HostKey {self.host_key}",
            f"PidFile {self.dir / 'sshd.pid'}",
            f"AuthorizedKeysFile {authorized}",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            "PrintMotd no",
            "UseDNS no",
            "LogLevel ERROR",
            "MaxStartups 200",
            "MaxSessions 50",
            "Subsystem sftp internal-sftp",
            f"Match LocalPort {self.readonly_port}",
            "    ForceCommand internal-sftp -R",
            "",
        ])

    def options(self) -> dict[str, str]:
        """The ssh remote options that log in to this server."""
        return {"key_file": self.key_file, "known_hosts": "none"}

    def url(self, path: str, readonly: bool = False) -> str:
        port = self.readonly_port if readonly else self.port
        return f"ssh://{self.user}@{HOST}:{port}/{path.lstrip('/')}"

    def start(self) -> None:
        """Run sshd (again) on the same two ports, and wait until it accepts connections.

        Only if the very first start fails (a port taken meanwhile) are new ports picked.
        """
        if self._proc is not None:
            return
        for _ in range(2):
            try:
                self._run_sshd()
            except RuntimeError:
                if self._started_once:
                    raise
                self._pick_ports()
            else:
                self._started_once = True
                return
        self._run_sshd()
        self._started_once = True

    def _run_sshd(self) -> None:
        """Start sshd and wait until both ports answer; RuntimeError if it cannot."""
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)
        log_start = self.log.stat().st_size if self.log.exists() else 0
        proc = self._proc = self._spawn()

        def ready() -> bool:
            news = self.log.read_bytes()[log_start:].decode(errors="replace")
            if proc.poll() is not None or "Address already in use" in news:
                raise RuntimeError(f"sshd could not serve {HOST}:{self.port} and "
                                   f":{self.readonly_port}: {news[-2000:]}")
            return ssh_banner(self.port) and ssh_banner(self.readonly_port)

        try:
            wait_until(ready, f"sshd on {HOST}:{self.port}")
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> subprocess.Popen[bytes]:
        # The kernel sends the parent-death signal when the starting THREAD ends: only a
        # start from the main thread may ask for it (atexit and close() cover the rest).
        on_main = threading.current_thread() is threading.main_thread()
        with self.log.open("ab") as log:
            return subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    preexec_fn=_die_with_parent if on_main else None)

    def stop(self) -> None:
        """Kill sshd and every per-connection sshd it forked: all sessions drop."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for pid in reversed(descendants(proc.pid)):
            _kill_and_wait(pid)
        proc.kill()
        proc.wait()
        wait_until(lambda: not ssh_banner(self.port), "sshd to stop listening", timeout=5)

    def close(self) -> None:
        """Stop for good and delete the keys and config."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the test process dies (Linux only)."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _kill_and_wait(pid: int) -> None:
    """SIGKILL `pid` and give its (living) parent a moment to reap it: killing children
    before their parents leaves no orphan zombie behind."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(RuntimeError):
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), f"process {pid} to go",
                   timeout=1)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, parents before children (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(0), [])
        found.extend(children)
        todo.extend(children)
    return found
