"""Running `git`, without the subprocess module: importing it (with the selectors, signal and
locale modules it pulls in) costs ~3 ms, a tenth of a no-op `mlgit status`.

Standard input and standard error go through anonymous in-memory files, so only standard
output is a pipe and no amount of output on one stream can block the other."""

from __future__ import annotations

import os

SCRUBBED = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE")
"""Set by Git for a hook; a nested git run on another repository must not inherit them."""


class GitFailed(Exception):
    def __init__(self, code: int, stderr: bytes) -> None:
        super().__init__(f"git exited with {code}")
        self.code, self.stderr = code, stderr


def run_git(root: str, args: list[str], stdin: bytes | None = None,
            ok: tuple[int, ...] = (0,), index_file: str | None = None) -> bytes:
    """git's standard output for `git -C root ARGS`. FileNotFoundError if git is missing;
    GitFailed if it exits with a code not in `ok`. `index_file`: the index to read instead
    of the repository's own (the one `git commit -a` is building for its pre-commit hook)."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    if index_file:
        env["GIT_INDEX_FILE"] = index_file
    with _ScratchFile(stdin or b"") as in_fd, _ScratchFile(b"") as err_fd:
        read_fd, write_fd = os.pipe()
        try:
            pid = os.posix_spawnp("git", ["git", "-C", root, *args], env, file_actions=[
                (os.POSIX_SPAWN_DUP2, in_fd, 0), (os.POSIX_SPAWN_DUP2, write_fd, 1),
                (os.POSIX_SPAWN_DUP2, err_fd, 2), (os.POSIX_SPAWN_CLOSE, read_fd)])
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        out = _read_all(read_fd)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if code not in ok:
            os.lseek(err_fd, 0, os.SEEK_SET)
            raise GitFailed(code, _read_all(err_fd, close=False))
    return out


def _read_all(fd: int, close: bool = True) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        if close:
            os.close(fd)
    return b"".join(chunks)


class _ScratchFile:
    """An anonymous file holding `data`, positioned at its start; closed on exit."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.fd = -1

    def __enter__(self) -> int:
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("mlgit-git")
        else:  # not Linux: an unlinked temp file does the same
            import tempfile

            self.fd = os.dup(tempfile.TemporaryFile().fileno())
        view = memoryview(self.data)
        while view:
            view = view[os.write(self.fd, view):]
        os.lseek(self.fd, 0, os.SEEK_SET)
        return self.fd

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)
