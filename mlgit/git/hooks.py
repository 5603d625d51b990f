"""Installing and removing mlgit's Git hook scripts (`mlgit install`, `mlgit uninstall`), and
what a hook needs to know about the state Git is in (a rebase under way, ORIG_HEAD).

Hooks go where Git looks for them: `git rev-parse --git-path hooks` honours `core.hooksPath`
and, in a linked worktree, names the common git dir's hooks. An installed script carries a
marker line and a version, so mlgit recognises (and upgrades) its own. A hook that was there
before (another tool's) is renamed to `NAME.mlgit-previous` and called first by mlgit's
script, with $0 set to the hook's own path when it is a shell script (hooks that dispatch on
`basename "$0"`, as husky's do, must see their own name); uninstall renames it back, so it
returns byte for byte with its mode.
"""

from __future__ import annotations

import os

from mlgit.errors import MlgitError
from mlgit.fileio import write_atomic
from mlgit.git.repository import _git

HOOK_NAMES = ("post-checkout", "post-merge", "post-rewrite", "pre-commit", "pre-push")
"""Every hook mlgit installs. post-rewrite is where data follows a finished rebase: Git runs
post-checkout only when a rebase starts, and mlgit skips that one."""

MARKER = "# mlgit-hook: installed by 'mlgit install'"
# 2: a kept shell hook runs with its own name as $0; 3: Ctrl-C while mlgit starts;
# 4: only POSIX shells are sourced, anything else is run as Git would
VERSION = 4
PREVIOUS_SUFFIX = ".mlgit-previous"
EDITED_SUFFIX = ".mlgit-edited"  # a copy of mlgit's script edited by hand, kept on reinstall
# The pre-commit framework's install keeps a hook it finds as NAME.legacy and runs it.
LEGACY_SUFFIX = ".legacy"

INSTALLED, UPGRADED, UNCHANGED, CHAINED = "installed", "upgraded", "unchanged", "chained"
REMOVED, RESTORED, NOT_OURS, ABSENT = "removed", "restored", "not ours", "absent"
STILL_RUN_AS_LEGACY = "still run as legacy"
EDITED_KEPT = "edited copy kept"

_SCRIPT = """#!/bin/sh
{marker}
# mlgit-hook-version: {version}
# Runs 'mlgit hook {name}'. MLGIT_SKIP_HOOKS=1 skips it; 'mlgit uninstall' removes it and puts
# back the hook that was here before, if any ({name}{previous}, which runs first).
{read_stdin}previous="$0{previous}"
if [ -x "$previous" ]; then
    # A shell script runs with $0 this hook's own path, as if Git had run it: hooks that
    # dispatch on their name (husky, 'basename "$0"') would otherwise run nothing.
    # Only POSIX shells known by name: pwsh, xonsh, fish... end in "sh" too but speak
    # another language, and run as Git would run them (the file itself).
    run=$(head -n 1 "$previous")
    case "$run" in
        "#!"*) run=${{run#??}} ;;
        *) run="" ;;
    esac
    run=${{run#"${{run%%[! ]*}}"}}
    case "$run" in
        /usr/bin/env" "*|/bin/env" "*) shell=${{run#* }}; shell=${{shell#"${{shell%%[! ]*}}"}} ;;
        *) shell=$run ;;
    esac
    shell=${{shell%% *}}
    case "${{shell##*/}}" in
        sh|bash|dash|ash|ksh|ksh93|mksh|pdksh|posh|yash|zsh) ;;
        *) run="" ;;
    esac
    case "$run" in
        *" -"|*" --") run=${{run% *}} ;;  # `#!/bin/sh -` ends sh's options: -c must go first
    esac
    if [ -n "$run" ]; then
        {feed}MLGIT_PREVIOUS_HOOK="$previous" $run -c 'mlgit_previous_hook=$MLGIT_PREVIOUS_HOOK
unset MLGIT_PREVIOUS_HOOK; . "$mlgit_previous_hook"' "$0" "$@" || exit $?
    else
        {feed}"$previous" "$@" || exit $?
    fi
fi
[ "${{MLGIT_SKIP_HOOKS:-}}" = 1 ] && exit 0
[ -d .mlgit ] || exit 0
if ! command -v mlgit >/dev/null 2>&1; then
    echo "mlgit: the {name} hook {not_found}: 'mlgit' is not on PATH; install mlgit or\
 activate its environment (MLGIT_SKIP_HOOKS=1 skips mlgit's hooks, 'mlgit uninstall'\
 removes them)" >&2
    exit {missing_code}
fi
# Ctrl-C is ignored from here until mlgit takes it back: pressed while Python starts, it
# would end in Python's own traceback. MLGIT_HOOK_PARENT tells mlgit whether it stopped Git.
trap '' INT
MLGIT_HOOK_PARENT=$PPID
export MLGIT_HOOK_PARENT
exec mlgit hook {name} "$@"{refs_to_mlgit}
"""


def hook_script(name: str) -> str:
    """The script mlgit installs as the hook `name`."""
    pre_push = name == "pre-push"
    return _SCRIPT.format(
        marker=MARKER, version=VERSION, name=name, previous=PREVIOUS_SUFFIX,
        # pre-push reads the pushed refs on stdin: both the previous hook and mlgit get them
        read_stdin='refs=$(cat)\n' if pre_push else "",
        feed='printf "%s\\n" "$refs" | ' if pre_push else "",
        # a here-document, not a pipe: mlgit must replace this shell, Git's child
        refs_to_mlgit=" <<MLGIT_PUSHED_REFS\n$refs\nMLGIT_PUSHED_REFS" if pre_push else "",
        not_found="stopped the push (no data was uploaded)" if pre_push else "did not run",
        missing_code=1 if pre_push else 0)


def _version_line() -> str:
    return f"# mlgit-hook-version: {VERSION}\n"


def hooks_dir(root: str) -> str:
    """The folder Git runs hooks from for the repository at `root`."""
    out = _git(root, "rev-parse", "--git-path", "hooks").decode("utf-8", "surrogateescape")
    return os.path.normpath(os.path.join(root, out.strip()))


def shared_hooks_config(root: str) -> str | None:
    """The config file that sets `core.hooksPath` when it is the user's or the system's
    (`--global`, `--system`): its hooks folder then serves every repository of the user."""
    out = _git(root, "config", "--show-scope", "--show-origin", "core.hooksPath",
               ok=(0, 1)).decode("utf-8", "surrogateescape").strip()
    scope, _, rest = out.partition("\t")
    if scope not in ("global", "system"):
        return None
    origin = rest.partition("\t")[0]
    return origin.removeprefix("file:")


def is_ours(path: str) -> bool:
    """Whether the file at `path` is a hook script mlgit installed (any version)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return MARKER.encode() in head


def install_hook(folder: str, name: str) -> str:
    """Install the hook `name` in `folder`: INSTALLED, UPGRADED (an older mlgit script
    replaced), UNCHANGED, or CHAINED (another hook was there: it now runs first)."""
    path = os.path.join(folder, name)
    previous = path + PREVIOUS_SUFFIX
    script = hook_script(name).encode()
    outcome = INSTALLED
    if os.path.lexists(path):
        if is_ours(path):
            with open(path, "rb") as f:
                current = f.read()
            if current == script and os.access(path, os.X_OK):
                return UNCHANGED
            outcome = UPGRADED
            if current != script and _version_line().encode() in current:
                # this version's script, edited by hand: keep the edits beside it
                write_atomic(path + EDITED_SUFFIX, current)
                outcome = EDITED_KEPT
        elif (refused := install_refusal(folder, name)) is not None:
            raise refused
        else:
            os.rename(path, previous)
            outcome = CHAINED
    elif os.path.lexists(previous):
        outcome = CHAINED  # our script was deleted by hand; the hook before it is still kept
    os.makedirs(folder, exist_ok=True)
    write_atomic(path, script)
    os.chmod(path, 0o755)
    return outcome


HookFiles = dict[str, tuple[bool, bytes, int] | None]
"""Files of one hook as they were: path -> (a symbolic link?, its bytes or link target, its
mode), or None when absent."""


def hook_files(folder: str, name: str) -> HookFiles:
    """The files install_hook may change for the hook `name`, as they are now."""
    path = os.path.join(folder, name)
    return {p: _file_as_is(p) for p in (path, path + PREVIOUS_SUFFIX, path + EDITED_SUFFIX)}


def restore_hook_files(files: HookFiles) -> None:
    """Put the files of a hook back as hook_files found them (a failed install is undone)."""
    for path, was in files.items():
        if _file_as_is(path) == was:
            continue
        if os.path.lexists(path) and (was is None or was[0] or os.path.islink(path)):
            os.unlink(path)
        if was is None:
            continue
        is_link, data, mode = was
        if is_link:
            os.symlink(os.fsdecode(data), path)
        else:
            write_atomic(path, data)
            os.chmod(path, mode)


def _file_as_is(path: str) -> tuple[bool, bytes, int] | None:
    try:
        if os.path.islink(path):
            return True, os.fsencode(os.readlink(path)), 0
        with open(path, "rb") as f:
            return False, f.read(), os.fstat(f.fileno()).st_mode & 0o7777
    except FileNotFoundError:
        return None


def install_refusal(folder: str, name: str) -> MlgitError | None:
    """Why the hook `name` cannot be installed in `folder`: another hook is there while the
    one mlgit kept before is still beside it. None when it can."""
    path = os.path.join(folder, name)
    previous = path + PREVIOUS_SUFFIX
    if not os.path.lexists(path) or is_ours(path) or not os.path.lexists(previous):
        return None
    legacy = path + LEGACY_SUFFIX
    still = (f"; mlgit's own script still runs, as {os.path.basename(legacy)} (kept by the"
             " pre-commit framework's install)" if is_ours(legacy) else "")
    return MlgitError(
        f"{path}: another hook is installed, and {os.path.basename(previous)} (the hook mlgit"
        f" found there before) is still beside it{still}; nothing was changed",
        f"merge the two by hand, or remove {previous}, then run 'mlgit install' again")


def uninstall_hook(folder: str, name: str) -> str:
    """Remove mlgit's hook `name` from `folder`: REMOVED, RESTORED (the hook that was there
    before is back), NOT_OURS (another program's hook: left alone) or ABSENT."""
    path = os.path.join(folder, name)
    previous = path + PREVIOUS_SUFFIX
    if not os.path.lexists(path):
        if os.path.lexists(previous):
            os.rename(previous, path)
            return RESTORED
        return ABSENT
    if not is_ours(path):
        # under the pre-commit framework's install, mlgit's script lives on as NAME.legacy
        return STILL_RUN_AS_LEGACY if is_ours(path + LEGACY_SUFFIX) else NOT_OURS
    if os.path.lexists(previous):
        os.replace(previous, path)
        return RESTORED
    os.unlink(path)
    return REMOVED


def rebase_in_progress(root: str) -> bool:
    """Whether a rebase is under way in this work tree (Git keeps its state in rebase-merge
    or rebase-apply of the work tree's own git dir)."""
    git_dir = _git_dir(root)
    return any(os.path.isdir(os.path.join(git_dir, d)) for d in ("rebase-merge", "rebase-apply"))


_NO_OP_COMMANDS = (b"noop", b"drop", b"d")


def rebase_has_nothing_left(root: str) -> bool:
    """Whether the rebase under way has no command left to run: its todo list (in
    rebase-merge) holds only comments, `noop` and `drop` lines. Git writes the list before
    it checks out the commit the rebase starts from, so a rebase whose every commit is
    already upstream (dropped as already applied, or by `git pull --rebase`'s fork-point
    after a force-push) holds an empty list there: that checkout is where the rebase ends,
    and no post-rewrite follows."""
    try:
        with open(os.path.join(_git_dir(root), "rebase-merge", "git-rebase-todo"), "rb") as f:
            lines = [line.lstrip(b" \t") for line in f.read().splitlines()]
    except OSError:
        return False
    left = [line for line in lines
            if (words := line.split()) and words[0] not in _NO_OP_COMMANDS]
    if not left:
        return True
    comment = comment_prefix(root)  # asked only now: a git call
    return all(line.startswith(comment) for line in left)


def comment_prefix(root: str) -> bytes:
    """What starts a comment line in the files Git writes for the user to edit (the rebase
    todo list): `core.commentChar` or `core.commentString`, whichever Git reads last; `#`
    when neither is set, and for `auto` (Git picks a character per commit message only)."""
    out = _git(root, "config", "--get-regexp", r"^core\.comment(char|string)$", ok=(0, 1))
    settings = out.splitlines()
    value = settings[-1].partition(b" ")[2] if settings else b""
    return b"#" if not value or value.lower() == b"auto" else value


def rebase_start(root: str) -> str | None:
    """The commit a rebase under way (or just finished) started from: rebase-merge's
    orig-head, else ORIG_HEAD; None when neither is there."""
    git_dir = _git_dir(root)
    for folder in ("rebase-merge", "rebase-apply"):
        try:
            with open(os.path.join(git_dir, folder, "orig-head"), encoding="ascii") as f:
                return f.read().strip() or None
        except (OSError, UnicodeDecodeError):
            continue
    return orig_head(root)


def merge_heads(root: str) -> list[str]:
    """The commits a merge under way (one whose commit is still to be made) merges in:
    MERGE_HEAD's lines; none when no merge is under way."""
    try:
        with open(os.path.join(_git_dir(root), "MERGE_HEAD"), encoding="ascii") as f:
            return [line.strip() for line in f if line.strip()]
    except (OSError, UnicodeDecodeError):
        return []


def orig_head(root: str) -> str | None:
    """The commit ORIG_HEAD names (where HEAD was before a merge, reset or rebase)."""
    out = _git(root, "rev-parse", "--verify", "--quiet", "ORIG_HEAD^{commit}", ok=(0, 1))
    return out.decode().strip() or None


def _git_dir(root: str) -> str:
    own = os.path.join(root, ".git")
    if os.path.isdir(own):  # no need to ask git (a linked worktree's .git is a file)
        return own
    out = _git(root, "rev-parse", "--git-dir").decode("utf-8", "surrogateescape")
    return os.path.normpath(os.path.join(root, out.strip()))
