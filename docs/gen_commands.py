"""Generate docs/commands.md from the mlgit CLI itself.

    python docs/gen_commands.py > docs/commands.md    # regenerate
    python docs/gen_commands.py --check               # exit 1 if docs/commands.md is stale

The reference is built by walking the typer app as click sees it
(`typer.main.get_command(mlgit.cli.app.app)`): every command, its usage line, its help text and
its parameters. A sub-group (`mlgit remote`) gets a section listing its commands, and each of
its commands a section of its own (`mlgit remote add`). Nothing here depends on the terminal
width, so the output is stable.
"""

from __future__ import annotations

import difflib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import click
import typer
import typer.main
import typer.utils

import mlgit.cli.app

PROG = "mlgit"
COMMANDS_MD = Path(__file__).resolve().parent / "commands.md"
REGENERATE = "python docs/gen_commands.py > docs/commands.md"
_UNSET = getattr(click.core, "UNSET", None)  # click >= 8.3 marks "no default" with it


WORKSPACE_WORD = (
    "The word `workspace` in place of A or B names the work tree (it is the work tree's"
    " name in the output, `\"new\": \"workspace\"` in `--json`): `diff v1 workspace`"
    " is `diff v1`, and `diff workspace v1` compares the other way."
    " When Git also knows a revision by that name (a branch or tag `workspace`), which one"
    " is meant cannot be told, and it is refused, as `git diff` refuses an ambiguous"
    " argument: `error: ambiguous argument 'workspace': both a Git revision (...) and the"
    " work tree`, exit 1; write the revision as `heads/workspace`, `tags/workspace` or its"
    " commit id, or leave B out for the work tree.")

# Behaviour the help text has no room for, one list per command, keyed by the words after
# `mlgit` ("add", "remote add"); a sub-group's own entry ("remote") is optional. Kept here so
# the reference stays one generated file; tests/docs/test_commands_md.py fails when a command has no
# entry.
NOTES: dict[str, list[str]] = {
    "init": [
        "Creates `.mlgit/` (`cache/`, `tmp/`, `.gitignore`, `config.yaml`) at the top of the"
        " Git work tree that contains the current folder; outside a Git work tree it fails.",
        "Never overwrites existing files. Run again, it prints `Already initialised: ...`.",
        "Adds `.*.mlgit-tmp` to the clone's `.git/info/exclude` (as `mlgit install` and the"
        " post-checkout hook do): the temp files mlgit writes data through before renaming it"
        " into place, which a command killed outright (`kill -9`) leaves behind, stay out of"
        " `git add -A`. The pre-commit hook refuses them where that line is missing.",
        "Prints the `git add` command for the files it created (commit them).",
        "`--json`: `{\"root\", \"created\", \"git_add\"}`.",
    ],
    "add": [
        "An argument that does not exist as typed and contains `*`, `?` or `[` is a glob"
        " pattern, expanded relative to the current folder (`**` matches any depth, wildcards"
        " do not match names starting with `.`, `*.mlgit` files are skipped). A pattern that"
        " matches nothing is an error.",
        "Refused: a path that does not exist, a symbolic link (except mlgit's own link into"
        " the cache, which stands for its object), a `.mlgit` pointer file, the"
        " repository root, anything under `.git/` or `.mlgit/` or outside the repository, a"
        " path Git already tracks (`git rm -r --cached PATH` first), or a folder that contains"
        " a separately tracked artifact.",
        "A path inside a tracked folder DIR updates DIR's pointer: the entries of DIR's"
        " manifest at or under the path are replaced by what is on disk there now (files"
        " deleted from disk under it are dropped); the rest of the manifest stays as recorded,"
        " even where the disk differs. Several such paths (or a glob) update DIR once; with"
        " DIR itself among the arguments, DIR is added whole. The path must be on disk or in"
        " the manifest, and the manifest must be in the cache. See"
        " [getting-started.md](getting-started.md#part-of-a-tracked-folder).",
        "Re-adding a tracked folder whose disk holds fewer files than its pointer records is"
        " refused while the recorded manifest is not in the cache (a clone before `mlgit"
        " pull`): mlgit cannot tell which files were deleted on purpose. Run `mlgit pull DIR`"
        " first, or `--force` to record only what is on disk. It is refused too when the"
        " manifest is in the cache but none of its files is on disk (fetched, never checked"
        " out): run `mlgit checkout DIR` first, or `--force`.",
        "A folder is recorded as every regular file below it. Empty folders are not recorded."
        " Symbolic links inside it are refused unless they are mlgit's own links into the"
        " cache; sockets, FIFOs, devices and entries named `.git` or `.mlgit` are refused.",
        "Writes `PATH.mlgit` next to the data and adds `/NAME` to the `.gitignore` of the same"
        " folder. Prints `added`, `updated` or `unchanged` per artifact, then the `git add`"
        " command that records the change, ready to paste in the current folder: paths"
        " relative to it, quoted for the shell, after `--` when one starts with `-`"
        " (`--json`'s `git_add` paths are relative to the repository root).",
        "The pointer must be where Git sees it: a path whose pointer Git would ignore (a"
        " `.gitignore` rule for it or a folder above it) and a path inside a Git submodule or"
        " nested repository are refused before anything is written (run mlgit in the"
        " submodule instead).",
        "Names mlgit cannot record are refused before anything is written: an artifact whose"
        " name contains a newline (no `.gitignore` line can match it), and any path, or file"
        " inside a folder, whose name is not valid UTF-8 (see docs/formats.md).",
        "Files whose inode, mtime and size match what the state DB recorded are not read again.",
        "A file that changes while it is read (a checkpoint still being written: its size,"
        " mtime or inode differs afterwards; in a folder, its size differs or its mtime is"
        " later than the start of the add, by this machine's clock) is refused with"
        " `error: PATH: changed while it was being added ...`; nothing is recorded. Add it"
        " again once it is written completely.",
        "Re-adding an unchanged artifact writes its `.gitignore` line again when it is missing"
        " (after `git mv` of its pointer) and names that `.gitignore` in the `git add` command.",
        "When `cache.link` starts with `hardlink` or `symlink`, the workspace files are then"
        " replaced by read-only links into the cache (see `mlgit unprotect`).",
        "`--json`: `{\"items\": [{\"path\", \"pointer\", \"status\", \"kind\", \"oid\", \"size\","
        " \"files\"}], \"git_add\": [...]}`.",
    ],
    "dag": [
        "Reads the pipeline files only: nothing is hashed or run. The errors are those of"
        " `mlgit repro` about the pipeline (a cycle, two writers of one output...). See"
        " [pipelines.md](pipelines.md#running-stages).",
    ],
    "lineage": [
        "PATH is a stage output, a path inside one, what `mlgit add` tracks (named by its"
        " data path or its `.mlgit` pointer file), or a path inside a tracked folder.",
        "`--rev REV`: the lineage as revision REV recorded it, from that revision's"
        " `mlgit.yaml`, `mlgit.lock` and pointer files (read from Git's objects); commits"
        " are found in REV's history, nothing is compared with the work tree (`workspace`"
        " reads `not compared (lineage as of REV)`) and stages are not checked for"
        " staleness (`stale` is null in `--json`). See"
        " [history.md](history.md#mlgit-lineage---rev).",
        "For an output: the stage that made it, the `cmd`, dependency hashes and param"
        " values its `mlgit.lock` entry records, the commit that last changed that entry"
        " (`not committed` when HEAD's `mlgit.lock` does not hold it), then the same for"
        " each dependency another stage makes, down to the raw inputs: tracked by `mlgit"
        " add` (the commit that last changed its pointer), a Git file (its last commit) or"
        " neither. Each stage is `up to date` or `stale: REASONS`, as `mlgit status` says."
        " Each recorded hash is compared with the work tree: `matches`, `modified"
        " since recorded`, `missing`, or `not recorded` (the stage never ran). A stage"
        " reached twice is followed once (`deps: as shown above for stage NAME`).",
        "Reads only: nothing is run, written or locked; files are hashed through the state"
        " database, like `mlgit status`. Exit status: 1 for a path mlgit knows nothing of.",
        "`--json`: one nested node. An output: `{\"kind\": \"output\", \"path\", \"out\","
        " \"stage\", \"pipeline_file\", \"lock_file\", \"ran\", \"commit\", \"stale\", \"cmd\","
        " \"wdir\", \"recorded\","
        " \"workspace\", \"params\", \"deps\"}`, each dependency `{\"path\", \"recorded\","
        " \"workspace\", \"from\": [NODE, ...]}` (`deps` is null for a stage shown above); a"
        " raw input: `{\"kind\": \"tracked\", \"path\", \"artifact\", \"pointer\", \"commit\","
        " \"recorded\", \"workspace\"}` (also the answer for a tracked PATH), `{\"kind\":"
        " \"git\", \"path\", \"commit\", \"uncommitted_changes\"}` or `{\"kind\": \"untracked\","
        " \"path\"}`. A `commit` is `{\"sha\", \"date\", \"author\", \"subject\"}` or null (not"
        " committed), a `recorded` `{\"path\", \"oid\", \"size\", \"nfiles\"}` or null. See"
        " [pipelines.md](pipelines.md#lineage).",
    ],
    "repro": [
        "Before a stage runs, prints `running NAME: REASON; REASON` (why it is stale); then"
        " `NAME: done`, `NAME: up to date`, `NAME: frozen`, or `NAME: not run (WHY)`; a stage"
        " whose outputs come from the run-cache instead prints `restored NAME from the"
        " run-cache (...): REASONS`. With"
        " `--dry`, `would run NAME: REASONS` instead of running. With `-j N` the lines stages"
        " print are prefixed with `[NAME] `.",
        "Each stage's entry in `mlgit.lock` is written as soon as it finishes, under the"
        " repository lock; the stage itself runs without it. See"
        " [pipelines.md](pipelines.md#running-stages).",
        "Exit status: 1 if a stage failed (`error: NAME failed: 'CMD' exited with code N`),"
        " 130 on Ctrl-C (the running stages are stopped, finished ones stay recorded).",
    ],
    "status": [
        "Prints `PATH: unchanged`, `PATH: modified`, `PATH: damaged`, `PATH: deleted` or"
        " `PATH: typechange (replaced by a folder)` / `(replaced by a file)`, followed by"
        " `(not in cache: N object(s))` when cache objects are missing. `damaged`"
        " means a hard or symbolic link into the cache was edited in place, changing the"
        " cache object too (see [formats.md](formats.md#hard-links-edited-in-place))."
        " `typechange` (Git's word) means a folder holding files stands where the tracked"
        " file belongs, or a file where the tracked folder belongs (an empty folder where"
        " a file belongs counts as `deleted`); `mlgit add PATH` records it as it is now,"
        " `mlgit checkout PATH` puts the tracked version back (see checkout). For a"
        " folder it lists the `modified:`, `added:`, `deleted:` and `damaged:` files (paths"
        " inside the folder, at most 20 of each; `--json` lists all). Only content is"
        " compared: a change of the executable bit alone is not reported.",
        "A path inside a tracked folder reports just that part, as if it were an artifact: a"
        " file (`modified` also when the folder does not record it yet), or a folder whose"
        " changed files are listed relative to it. `--json`'s `pointer` is the folder's.",
        "A pointer file that cannot be read, or whose size disagrees with its content (a"
        " [damaged pointer](formats.md#size-against-content)), is left out of the list and"
        " named on stderr as `error: POINTER: MESSAGE`, followed by `hint: ...` (each"
        " distinct hint once; see [where output goes](exit-codes.md#where-output-goes)).",
        "A damaged pack index in the cache (its objects then count as not in the cache) is"
        " named once on stderr as `warning: the cache's pack index PATH is damaged: ...`.",
        "A `modified` artifact that another local branch commits to Git at the same path is"
        " named on stderr as `warning: PATH: branch NAME commits a file to Git at this path:"
        " switching there replaces your changes without a word ...`: Git overwrites what"
        " .gitignore lists, before any hook runs; `mlgit add PATH` first keeps the edit (see"
        " [hooks.md](hooks.md#switching-to-a-branch-where-git-tracks-a-file-at-an-artifacts-path))."
        " It does not change the exit status.",
        "An artifact whose data Git does not ignore (its `.gitignore` line is missing, as after"
        " `git mv` of its pointer: `git add -A` would commit the data) is named on stderr as"
        " `warning: PATH: Git does not ignore this data ...`; `mlgit add PATH` or `mlgit"
        " checkout` writes the line again. It does not change the exit status.",
        "Exit status: 1 if a pointer could not be read or is damaged, an artifact is"
        " damaged, or a pack index of the cache is damaged, else 0. With `--quiet`: 1 if any"
        " artifact is not unchanged, has objects missing from the cache, or has an error.",
        "Read-only: it does not take the repository lock.",
        "`--json`: a list of `{\"path\", \"pointer\", \"kind\", \"state\", \"in_cache\","
        " \"missing_objects\", \"added\", \"modified\", \"deleted\", \"damaged\"}`, or"
        " `{\"pointer\", \"error\", \"hint\"}` for an unreadable pointer. `state` is one of"
        " `unchanged`, `modified`, `damaged`, `deleted`, `typechange`; `kind` is the"
        " pointer's (`file` or `dir`), so a `typechange` of a `file` is a folder in its place.",
        "`--remote [NAME]` compares the cache with a remote instead of the workspace with the"
        " pointers. It prints one line per artifact (stage outputs mlgit.lock records"
        " included): `PATH: in cache and on NAME`, or"
        " `PATH: C of N objects in cache, R on NAME` followed by `; not all pushed` or"
        " `; MISSING M (in neither)`. N counts a folder's distinct file contents plus its"
        " manifest. A folder manifest that is not in the cache is fetched first (it says what"
        " the folder holds), so this form takes the repository lock.",
        "`--remote` alone, or followed by a word that is not the name of a remote, uses the"
        " default remote (the word is then a path). `--remote=NAME` is always a name.",
        "With a pipeline (an `mlgit.yaml` at the top of the repository, or one in a subfolder"
        " that Git's index holds) and no paths given, the stale"
        " stages follow under `stale stages (run 'mlgit repro'):`, one line each with its"
        " reasons (see [pipelines.md](pipelines.md#when-a-stage-is-stale)); `--quiet` then"
        " exits 1 when any stage is stale too. In `--json`, each stale stage is a row after the"
        " artifacts': `{\"stage\", \"file\", \"state\": \"stale\", \"reasons\": [{\"kind\","
        " \"subject\", \"old\", \"new\", \"text\"}]}`.",
        "Exit status with `--remote`: 1 if an artifact has objects in neither place or a"
        " pointer could not be read; with `--quiet` (prints nothing) also when anything is not"
        " on the remote. `--json`: `{\"remote\", \"url\", \"artifacts\": [{\"path\","
        " \"pointer_rel\", \"objects\", \"in_cache\", \"on_remote\", \"nowhere\", \"error\"}]}`.",
    ],
    "checkout": [
        "Places every file the pointer names that is missing or different, removes files"
        " inside a tracked folder that the pointer does not list (and folders left empty),"
        " and leaves identical files alone.",
        "A path inside a tracked folder restores just that file or subfolder (and removes"
        " files under it that the folder does not list); the rest of the folder is not"
        " touched. The path must be on disk or in the folder's manifest.",
        "A workspace file is replaced or removed only if its current content is in the cache;"
        " otherwise it is reported as `changed in the workspace and not in the cache; left as"
        " is`. `--force` replaces or removes it anyway.",
        "The same rule holds when the kind changed (`mlgit status` says `typechange`): a"
        " file standing where a tracked folder belongs, or a folder holding files where a"
        " tracked file belongs, is removed only if the cache holds all of its content;"
        " otherwise checkout leaves it as is with one line, `error: PATH: a file stands"
        " where the tracked folder must be; left as is` (or `a folder stands where the"
        " tracked file must be`), a hint to move it away, and exit status 1. `--force`"
        " removes it.",
        "Every object is verified against its hash before it reaches the workspace, and each"
        " file appears under its final name only when complete: a file in an existing folder"
        " is written under a temporary name and renamed; a folder that does not exist yet is"
        " built in `.mlgit/tmp/` and renamed into place whole. A missing object is reported"
        " as `object not in the cache`.",
        "Files are placed with the first `cache.link` type that works. A file that already"
        " has the right content is not touched, so changing `cache.link` does not convert"
        " files already in place.",
        "Exit status 1 if any file was left as is or could not be placed.",
        "`--json`: a list of `{\"path\", \"restored\", \"removed\", \"unchanged\","
        " \"conflicts\", \"failed\": [{\"path\", \"reason\"}]}`.",
        "An artifact checked out (or found in place) whose data Git does not ignore (its"
        " pointer was moved with `git mv`, which leaves the `.gitignore` line behind) gets its"
        " `.gitignore` line again; stderr names the `.gitignore` files to `git add`.",
        "Without PATHS, also removes artifacts that mlgit put in the workspace and that no"
        " pointer names any more (after `git checkout` of another branch): `PATH: no longer"
        " tracked; N removed`. Only files unchanged since mlgit put them there and whose"
        " content is in the cache are removed (then folders left empty); others stay, with"
        " `warning: PATH: no longer tracked and not removed: REASON; keep it with 'mlgit add"
        " PATH', or move it away`, and do not change the exit status. `--force` does not"
        " remove them. Files inside such a folder that mlgit did not put there stay, and so"
        " do files Git tracks (`PATH: no longer tracked; N tracked by Git left as is`: a"
        " branch moved them into Git, which owns them now). In"
        " `--json` these artifacts have `\"tracked\": false`, `\"kept\": [{\"path\","
        " \"reason\"}]`, `\"not_placed_by_mlgit\"` and `\"tracked_by_git\"` (paths). See"
        " [getting-started.md](getting-started.md#switch-branches).",
        "The outputs of pipeline stages that `mlgit.lock` records (those cached) are restored"
        " too, and can be named like artifacts; see"
        " [pipelines.md](pipelines.md#mlgitlock).",
        "`--rev REV` restores the data as revision REV has it (the PATHS, or all of it)"
        " instead, without moving Git: the pointers and `mlgit.lock` stay as they are (the"
        " output ends by saying so), nothing is removed, and the same protection of changed"
        " files holds. See [history.md](history.md#mlgit-checkout---rev).",
    ],
    "ls": [
        "Columns: `SIZE`, `FILES`, `HASH` (first 12 hex digits of the oid), `CACHE` (`yes`"
        " when the object, or for a folder its manifest and every file, is in the cache, else"
        " `missing`), `PATH`.",
        "Lists every `*.mlgit` pointer that Git tracks or would track (not ignored), sorted by"
        " path. An unreadable pointer is listed with `?` columns and its error; the exit"
        " status is then 1.",
        "`--json`: a list of `{\"path\", \"kind\", \"size\", \"files\", \"oid\", \"in_cache\","
        " \"error\"}`.",
    ],
    "rm": [
        "Deletes `PATH.mlgit` and the artifact's entry in its `.gitignore` (the `.gitignore`"
        " itself when it becomes empty). The data stays in the workspace and in the cache;"
        " `mlgit gc` reclaims the cache space.",
        "Prints the `git rm --cached` and `git add` commands that record the change (paths"
        " relative to the current folder, as for `mlgit add`).",
        "The data it leaves is not removed by a later `mlgit checkout` (mlgit forgets that it"
        " put it there).",
        "`--json`: a list of `{\"path\", \"pointer_path\", \"gitignore_path\"}`.",
    ],
    "mv": [
        "Moves the data (one rename), writes `DST.mlgit` (a copy of the pointer whose `path`"
        " names the new place; unknown keys are kept), adds `/NAME` to the `.gitignore` of"
        " DST's folder, and removes the old pointer and `.gitignore` entry (the `.gitignore`"
        " itself when it becomes empty). The state DB's records move too: nothing is hashed"
        " again, and a later branch switch that drops DST removes it as it would have removed"
        " SRC.",
        "DST is the new path, or an existing folder (or a path ending in `/`) to move SRC"
        " into; missing folders are created. SRC and DST may name pointer files.",
        "Refused, with nothing changed: DST exists (or `DST.mlgit` does), SRC is not tracked"
        " or is a path inside a tracked folder (move it with `mv`, then `mlgit add` both"
        " paths), DST is inside a tracked folder, outside the repository, inside SRC, or its"
        " pointer would be ignored by Git.",
        "If the data is not in the work tree, only the pointer and `.gitignore` entries move.",
        "Safe to interrupt: the new pointer and `.gitignore` entry are written before the"
        " data is renamed, and the old ones removed after; running the same command again"
        " finishes an interrupted move.",
        "Prints `moved SRC to DST`, then the `git add` command that records the move (the new"
        " pointer and `.gitignore`, and the old ones where Git tracks them or they still"
        " exist), with paths relative to the current folder.",
        "`--json`: `{\"src\", \"dst\", \"src_pointer\", \"dst_pointer\", \"data_moved\","
        " \"git_add\"}`.",
    ],
    "gc": [
        "Keeps every object named by a pointer file in the work tree or by a pointer file"
        " committed at `HEAD` or staged in Git's index, all merge stages (read from Git's"
        " objects, not checked out; for a folder: its"
        " manifest and all its files), and every object a Git stash refers to (`refs/stash`"
        " and its reflog: the work tree and index commits of each stash, as Git keeps them"
        " until `git stash drop`), and deletes every other object, including objects"
        " that only older commits or other branches refer to. A repository without commits"
        " has no `HEAD`: only the work tree, the index and the stashes count.",
        "On a terminal it first prints how many objects and bytes it will delete and how"
        " much of that is on no remote (each configured remote is asked; one that cannot be"
        " reached is named), then asks `Delete them? [y/N]`; any answer but `y` deletes"
        " nothing and exits 1. `-f` deletes without asking, then says how much of what it"
        " deleted was on no remote (`... on no remote (checked: NAME): those are lost for"
        " good`). When stdin is not a terminal, or"
        " with `--json`, it refuses (exit 1) without `-f`. `--dry-run` never asks and never"
        " deletes. Objects that became referenced while it asked are kept.",
        "Refuses to delete anything (exit 1) when a pointer (in the work tree, at `HEAD` or"
        " in the index)"
        " cannot be read or a folder's manifest is missing or corrupt, since it could not"
        " tell what is still needed.",
        "A pack that holds unreferenced objects is rewritten without them. Temporary files"
        " that killed commands left in the cache (`.mlgit/cache/tmp/`, unfinished packs and"
        " objects) are deleted whatever their age: gc holds the cache's lock exclusively, so"
        " no command is writing them.",
        "`--json`: `{\"removed\", \"freed_bytes\", \"kept\", \"dry_run\", \"remotes\","
        " \"set_aside\", \"set_aside_bytes\", \"quarantine\"}`;"
        " `remotes` is null when there was nothing to delete, else `{\"checked\","
        " \"problems\", \"unbacked\", \"unbacked_bytes\"}` (objects deleted, or to delete,"
        " that no remote checked has).",
        "`--tmp` (with `-r NAME`, or the default remote) does something else: it lists every"
        " object folder of the remote and deletes the temporary files interrupted pushes"
        " left there (`.NAME.mlgit-tmp-T-R`) whose upload started over an hour ago; younger"
        " ones are kept, as a push may still be writing them. With `--dry-run` it only lists"
        " them. Cache objects are not touched. `--json`: `{\"remote\", \"url\","
        " \"removed\", \"kept\", \"dry_run\"}` with remote-relative paths.",
        "`-r NAME` without `--tmp` cleans that remote instead of the cache: it keeps what the"
        " same references need (the work tree, `HEAD`, Git's index, the lock files' outputs"
        " and the revisions given; folders' manifests are read from the cache, else from the"
        " remote) and everything the remote received less than `--grace` hours ago (default"
        " 24), and deletes the rest: loose objects, chunk lists, packs of garbage only, and"
        " run-cache records whose outputs go; a pack at least half garbage is rewritten (its"
        " live objects copied into a new pack first). `--dry-run` lists what would go and"
        " changes nothing; without `-f` it asks on a terminal and refuses elsewhere. It"
        " deletes nothing when the remote holds files mlgit does not write, a damaged pack"
        " index or chunk list, or a tracked folder whose manifest it cannot read. Without"
        " `--all-commits` it says, as for the cache, how many of the objects it deletes some"
        " commit still needs (`N of them (SIZE) are needed by older commits or other"
        " branches; keep them with 'mlgit gc -r NAME --all-commits'`). `--json`:"
        " `{\"remote\", \"url\", \"dry_run\", \"grace_hours\", \"objects_gone\","
        " \"freed\", \"loose\", \"chunk_lists\", \"runs\", \"packs_deleted\","
        " \"packs_repacked\", \"new_packs\", \"leftovers\", \"kept\", \"young\","
        " \"left_in_packs\", \"unknown_folders\", \"unreadable_runs\", \"lone_indexes\","
        " \"corrupt\", \"paths\", \"requests\", \"history\"}` (`history` as for the"
        " cache). The rules, the crash-safe order and what"
        " gc cannot see: [formats.md](formats.md#remote-layout-after-gc).",
        "Git worktrees of one repository share one cache: gc keeps what the pointers of every"
        " worktree that uses it name, and waits for (or, after `core.lock_timeout`, refuses"
        " to run beside) commands writing to the cache from any of them. While a worktree"
        " Git knows is missing (moved, on a disk not mounted), gc and `gc -r` refuse to"
        " delete anything: its pointers cannot be read (mount it, or `git worktree prune`).",
        "A cache that `cache.dir` puts outside the repository's work trees may be shared with"
        " other repositories, whose pointers gc cannot see: gc then refuses to delete"
        " anything without `-f` (`--dry-run` works without it). See"
        " [formats.md](formats.md#where-the-cache-is).",
        "`--rev REV` (repeatable), `--all-branches`, `--all-tags` and `--all-commits` keep"
        " what those revisions reference too (read from Git's objects). Without"
        " `--all-commits`, gc says how many of the objects it deletes some commit still"
        " needs: `N of them (SIZE) are needed by older commits or other branches; keep them"
        " with 'mlgit gc --all-commits'`. `--json` adds `\"history\": {\"needed\","
        " \"needed_bytes\", \"flag\", \"unknown_folders\", \"unreadable\"}`. In a"
        " shallow clone the `--all-...` options are refused (the commits beyond the cut"
        " would lose their data): `git fetch --unshallow` first. See"
        " [history.md](history.md#mlgit-gc-and-the-history).",
        "Corrupt copies set aside in `.mlgit/cache/quarantine/` (see `mlgit fsck`) are never"
        " kept as objects and never deleted: gc prints `N damaged files set aside in"
        " .mlgit/cache/quarantine/ (SIZE), ...`; delete that folder yourself when you no"
        " longer need them. A pack holding a copy set aside is rewritten without it.",
    ],
    "fsck": [
        "Reads every pack index (its checksum; its pack must exist and be long enough) and"
        " hashes every object, loose or packed, on `-j` threads, with a progress bar on a"
        " terminal. Prints `checked N objects (SIZE) and K pack indexes in WHERE: D damaged`"
        " (or `no damage found`), then one line per damaged object or index with its reason"
        " and, indented, `used by` the artifacts and files inside tracked folders that need"
        " it (from the pointers in the work tree), at most 20 (`--json` lists all).",
        "`not in WHERE: N objects used by ...` names what the pointers need that has no copy"
        " there. That alone is not damage (a cache need not hold everything): `mlgit fetch`"
        " gets them.",
        "Without `--repair` nothing is changed. A damaged copy is also set aside when any"
        " command reads it (checkout, push, unprotect, a folder manifest read by status or"
        " fetch).",
        "`--repair` (local cache only, under the repository lock) sets each damaged copy aside"
        " in `.mlgit/cache/quarantine/` (a loose object is moved, a packed one copied and its"
        " pack entry marked; a damaged index is moved there with its pack), marks the line"
        " `-> set aside` and hints to run `mlgit fetch`, which then restores the objects from"
        " a remote. The format is in [formats.md](formats.md#corrupt-objects-are-set-aside).",
        "`-r NAME` checks the remote instead: every pack index is read and checked, every"
        " pack read in ranges of about 16 MiB and every object in it hashed, every loose"
        " object downloaded to a temporary file in the cache, hashed and deleted. The remote"
        " is only read; `--repair` with `-r` is refused. The hint names the files to delete"
        " on the remote by hand: a damaged object's loose file, or its whole pack (the"
        " `.pack` and its `.idx`); a damaged index and its pack; an index whose pack is"
        " missing. Then push again from a clone whose cache has the objects intact.",
        "With `-r`, each chunk list on the remote is read once and checked (its format, and"
        " that the chunks it names are there); a damaged chunk is `used by` the files made of"
        " it. Cost: one listing per folder, one read per pack index and chunk list, one ranged"
        " read per 16 MiB of packs and one download per loose object: every byte is read"
        " once.",
        "Exit status 1 if anything is damaged (also after `--repair` set it aside: the objects"
        " are missing until fetched), else 0.",
        "`--json`: `{\"remote\", \"url\", \"objects\", \"bytes\", \"pack_indexes\","
        " \"damaged\": [{\"kind\", \"name\", \"location\", \"size\", \"reason\","
        " \"artifacts\", \"set_aside\"}], \"missing\": [{\"oid\", \"artifacts\"}],"
        " \"repaired\", \"quarantine\", \"set_aside\", \"set_aside_bytes\","
        " \"unreadable_pointers\", \"remote_files\"}` (`remote_files`: with `-r`, the"
        " files the hint says to delete).",
    ],
    "unprotect": [
        "For every file of the named artifacts: a symbolic link into the cache, or a hard"
        " link to a cache object, is replaced by a private writable copy (verified against its"
        " hash); another file without the owner-write bit gets it; other files are left"
        " alone.",
        "A path inside a tracked folder makes just that file, or the files under that"
        " subfolder, editable.",
        "After editing, run `mlgit add` again. With `cache.link` set to `hardlink` or"
        " `symlink`, that turns the files back into read-only links.",
        "Every file is tried: one that cannot be made editable (its cache object is damaged,"
        " or it is a link that points nowhere) gets an `error:` line and the others are still"
        " done; the command then exits 1.",
        "Prints `made N file(s) editable` or `nothing to unprotect`."
        " `--json`: `{\"unprotected\": [...], \"failed\": [{\"error\", \"hint\"}]}`.",
    ],
    "config": [
        "Without VALUE, prints the value in effect: `.mlgit/config.local.yaml` overrides"
        " `.mlgit/config.yaml`, which overrides the default. Lists print comma-separated.",
        "With VALUE, checks it, writes it to `.mlgit/config.yaml` (or"
        " `.mlgit/config.local.yaml` with `--local`) and prints the stored value. The file is"
        " rewritten: the comment lines at its top are kept (or a one-line header is written),"
        " other comments are not.",
        "Works even when a setting in the files is invalid, so the command that an error's"
        " hint suggests can fix it.",
        "Unknown keys are refused, for reading too, even when a file contains them (other"
        " commands print a warning naming such a key and go on). The keys and their values"
        " are listed in [formats.md](formats.md#configuration).",
        "`core.remote` must name a remote that exists, as for `mlgit remote default`.",
        "Setting `cache.link` to a list containing `hardlink` prints a warning on stderr: an"
        " in-place edit of a hard-linked file damages the cache (run `mlgit unprotect` before"
        " editing). A list containing `symlink` prints the same warning for symbolic links.",
        "`--json`: `{\"KEY\": value}`.",
    ],
    "push": [
        "Uploads what the pointers name (a file's content; a folder's manifest and every file"
        " in it; for a path inside a tracked folder, its manifest and the files under that"
        " path) that the remote does not have yet. Without PATHS: every tracked artifact."
        " An object the cache lacks but the remote has counts as already on the remote,"
        " not as failed.",
        "Objects under 1 MiB travel in new packs of about 16 MiB; larger ones one by one. Each"
        " object is hashed before it is sent: a corrupt cache object is reported, not"
        " uploaded. See [remotes.md](remotes.md#transfers) for how transfers work.",
        "Prints `pushed N objects (SIZE) to NAME; M already on the remote; K failed`, then on"
        " stderr `error: PATH: REASON` for each failed object (at most 20; `--json` lists all)"
        " and a hint to run the command again.",
        "Exit status 1 if any object failed (the others were uploaded; running it again sends"
        " only what is still missing), or if the remote cannot be used at all.",
        "`--json`: `{\"remote\", \"url\", \"transferred\", \"bytes\", \"already\","
        " \"stopped\", \"failed\": [{\"path\", \"oid\", \"reason\"}],"
        " \"skipped\": [{\"path\", \"reason\"}]}`.",
        "`--rev REV` (repeatable), `--all-branches`, `--all-tags` and `--all-commits` push"
        " what those revisions reference as well, each version once; `--no-workspace` leaves"
        " out the workspace's pointers. A pointer or lock file a revision holds that cannot"
        " be read is skipped with a warning naming the revision (`skipped`), not a failure."
        " See"
        " [history.md](history.md#push-fetch-and-pull-with-revisions).",
    ],
    "fetch": [
        "Downloads into the cache what the pointers name and the cache lacks; folder manifests"
        " first, since they say what a folder holds. Small objects are read as byte ranges of"
        " the remote's packs. Without PATHS: every tracked artifact.",
        "Every object is hashed before it enters the cache; one whose bytes do not match is"
        " reported (`the remote's copy ... is corrupt ...; it was not stored`) and dropped.",
        "Prints `fetched N objects (SIZE) from NAME; M already in the cache; K failed`, then"
        " the failures as `push` does. Exit status and `--json` as for `push`.",
        "`--rev`, `--all-branches`, `--all-tags`, `--all-commits` and `--no-workspace` as"
        " for `push`.",
    ],
    "pull": [
        "`mlgit fetch` followed by `mlgit checkout` of the same PATHS (the checkout runs even"
        " when some objects failed to download; when the disk of the cache fills up, the pull"
        " stops there and checks nothing out: free space and pull again). Prints the fetch"
        " line, then the checkout's lines.",
        "Exit status 1 if any object failed or the checkout left anything undone.",
        "`--json`: the `fetch` object plus `\"checkout\": [{\"path\", \"restored\","
        " \"unchanged\", \"conflicts\", \"failed\": [{\"path\", \"reason\"}]}]`"
        " (`restored` and `unchanged` are counts).",
        "`--rev`, `--all-branches`, `--all-tags` and `--all-commits` fetch what those"
        " revisions reference too; only the workspace is checked out.",
    ],
    "remote": [
        "Remotes live in `.mlgit/config.yaml` under `remote:` (committed, so every clone has"
        " them); per-machine options and credentials in `.mlgit/config.local.yaml`, which"
        " overrides it key by key. URL kinds, their options and what each error means:"
        " [remotes.md](remotes.md).",
    ],
    "remote add": [
        "NAME: letters, digits, `.`, `-` and `_`, starting with a letter or digit, at most 64"
        " characters. The URL is checked; a cloud or SSH remote is not contacted. A local"
        " folder is created when the folder above it exists (push, fetch and pull never"
        " create it). A relative local path is taken relative to the current folder and"
        " stored relative to the top of the repository, as in the config file.",
        "A remote added while no default is set becomes the default (`core.remote`);"
        " `--default` makes it the default in any case.",
        "Refused when NAME exists, unless `--force`, which replaces it and drops its options"
        " from both config files.",
        "Prints `added remote NAME: URL`, with ` (default)` after NAME when it is the default."
        " `--json`: `{\"name\", \"url\", \"default\", \"options\", \"local_options\","
        " \"error\"}`.",
    ],
    "remote list": [
        "One line per remote: `*` for the default, the name, the URL (without user"
        " information, except an ssh user name) and `options: ` with the names of its options,"
        " `(local)` after those set in `.mlgit/config.local.yaml`. Values are never printed.",
        "A remote whose settings are invalid is listed as `NAME  (error: MESSAGE)` and the"
        " exit status is 1.",
        "`--json`: a list of `{\"name\", \"url\", \"default\", \"options\","
        " \"local_options\", \"error\"}`.",
    ],
    "remote remove": [
        "Deletes the remote from `.mlgit/config.yaml` and `.mlgit/config.local.yaml`, and"
        " `core.remote` when it named it. Nothing is deleted on the remote. Prints"
        " `removed remote NAME`.",
    ],
    "remote default": [
        "Without NAME prints the default remote's name, or `no default remote (set one with"
        " 'mlgit remote default NAME')`. With NAME sets `core.remote` in `.mlgit/config.yaml`"
        " and prints NAME.",
        "With no default set, `push`, `fetch`, `pull` and `status --remote` use the only"
        " remote if there is exactly one, else ask for `-r NAME`.",
        "`--json`: `{\"default\": NAME}` (`null` when none is set).",
    ],
    "remote modify": [
        "KEY is `url` or an option of the remote's kind (listed in"
        " [remotes.md](remotes.md#urls-and-options)); an unknown option is refused. A new"
        " `url` is handled as in `remote add` (a relative local path is taken relative to the"
        " current folder, and the local folder is created). The value"
        " is stored as a string and checked when the remote is used (for example that a"
        " `key_file` exists).",
        "`--local` writes `.mlgit/config.local.yaml` (readable by its owner only), which"
        " overrides `.mlgit/config.yaml` key by key. `access_key_id` and `secret_access_key`"
        " are refused without `--local`.",
        "`--unset` removes KEY from the one file named (config.yaml, or config.local.yaml with"
        " `--local`). The url in config.yaml cannot be unset: remove the remote instead.",
        "Prints `modified remote NAME: URL`, never the value. Giving both or neither of VALUE"
        " and `--unset` is a usage error (exit 2). `--json`: as `mlgit remote add`.",
    ],
    "stage": [
        "Stages live in `mlgit.yaml` files, one per folder at most; the format (the same as"
        " DVC's `dvc.yaml`) is in [pipelines.md](pipelines.md#mlgityaml).",
    ],
    "stage add": [
        "Writes the stage into `mlgit.yaml` in the current folder, creating the file when it"
        " is missing. The rest of the file is kept as written (comments too): the new stage's"
        " lines go after the last stage. With `--force`, the old stage's lines are replaced"
        " (comments inside it are lost). A file whose `stages` is written in flow style"
        " (`stages: {...}`) is written again whole and loses its comments.",
        "Paths are written as given: relative to the current folder, or to `--wdir` when it"
        " is given. The new file is read back before it is written: a path that is absolute,"
        " leaves the repository or enters `.git/` or `.mlgit/` is refused, and so is"
        " anything else the file's format refuses; the file is then left as it was.",
        "NAME: letters, digits, `_` and `-` (DVC's rule; spaces are refused too). An existing"
        " NAME is refused unless `--force`. A file that does not load is not touched.",
        "`-p a,b` names keys of `params.yaml`, `-p FILE:a,b` keys of FILE, `-p FILE:` all of"
        " FILE. Several `--cmd` make a list of commands, run in order.",
        "The cached outputs (`-o`, `-m`) get their `.gitignore` line now (in folders that"
        " exist; the others when the stage first runs: `mlgit repro` writes the lines before"
        " the command runs), so that what a failed run leaves stays out of `git add -A`.",
        "Prints `Added stage 'NAME' in FILE` (or `Replaced`) and the `git add` command"
        " (with the `.gitignore` files it wrote)."
        " `--json`: `{\"file\", \"name\", \"replaced\", \"address\", \"cmd\","
        " \"deps\", \"outs\"}`.",
    ],
    "stage list": [
        "Lists the stages of every `mlgit.yaml` in the work tree, generated stages"
        " (`NAME@KEY`) one by one: the address (`NAME` in the top file, `FOLDER/mlgit.yaml:NAME`"
        " elsewhere), the description or else the command(s), and `-> ` with the outputs.",
        "A file that does not load is an error naming its file, line, stage and key.",
        "`--json`: a list of `{\"address\", \"file\", \"desc\", \"cmd\", \"outs\","
        " \"deps\"}`.",
    ],
    "install": [
        "Writes mlgit's hook scripts where Git runs hooks: `core.hooksPath` when it is set,"
        " else the `hooks` folder of the common git dir (so one install serves every"
        " worktree). Without `--hook`: post-checkout, post-merge, post-rewrite, pre-commit and"
        " pre-push; `--hook post-checkout` brings post-rewrite with it (data follows a rebase"
        " there). What each does: [hooks.md](hooks.md).",
        "A hook file that is not mlgit's is renamed `NAME.mlgit-previous` and runs first"
        " (with the same arguments and input; its failure stops there, with its exit code)."
        " An older mlgit hook is replaced by this version's. Running it again changes"
        " nothing.",
        "Prints one line per hook: `NAME: installed|upgraded to this mlgit's version|already"
        " installed|installed; the hook that was there runs first (PATH)`.",
        "Exit status 1 when another hook sits where mlgit's was while the one mlgit kept is"
        " still beside it (`NAME.mlgit-previous`): merge them by hand first.",
        "All or nothing: without `--hook` it registers the merge driver first (the"
        " `merge.mlgit.*` keys of the repository's Git config and the lines of the top-level"
        " `.gitattributes`), then writes the hooks. When a step cannot write (a"
        " `.gitattributes` or `.git/config` that may not be changed, a hooks folder that is"
        " not writable), what the steps before it wrote is put back, byte for byte, and it"
        " exits 1 with `error: .../.gitattributes: cannot write the merge driver's attribute"
        " lines (...)`, `error: cannot register the merge driver in Git's config: ...` or"
        " `error: HOOK: cannot install the hook (...); nothing was changed`, and a hint.",
        "`--json`: `{\"hooks_dir\", \"hooks\": [{\"name\", \"outcome\", \"path\"}]}`"
        " (outcome `installed`, `upgraded`, `unchanged`, `chained`).",
    ],
    "uninstall": [
        "Removes mlgit's hook scripts (without `--hook`: all of them) and renames each"
        " `NAME.mlgit-previous` back, so the hook that was there before returns byte for"
        " byte, with its mode. A hook that is not mlgit's is left alone.",
        "All or nothing, as `install`: without `--hook` it removes the merge driver first;"
        " when a step cannot write, what the steps before it changed is put back, and it"
        " exits 1 with `error: .../.gitattributes: cannot remove the merge driver's attribute"
        " lines (...)`, `error: cannot remove the merge driver from Git's config: ...` or"
        " `error: HOOK: cannot remove the hook (...); nothing was changed`, and a hint.",
        "Prints one line per hook: `NAME: removed|removed; the hook that was there before is"
        " back|not mlgit's hook; left alone|not installed (PATH)`.",
        "`--json`: as for `install` (outcome `removed`, `restored`, `not ours`, `absent`).",
    ],
    "hook": [
        "What the installed hook scripts run, with Git's arguments (and, for pre-push, the"
        " refs on stdin); under the pre-commit framework, with no arguments: the"
        " `PRE_COMMIT_*` variables stand for them. See [hooks.md](hooks.md).",
        "Does nothing, silently, with `MLGIT_SKIP_HOOKS=1` or in a repository where mlgit is"
        " not initialised.",
        "Exit status 1: pre-commit refused the commit; pre-push could not upload the data"
        " (the push stops); post-checkout, post-merge and post-rewrite left files as is or"
        " could not place them (Git ignores their exit status).",
    ],
    "version": [
        "Prints the versions of mlgit, Python, the platform, the libraries mlgit uses and"
        " Git. Inside an initialised repository it adds the repository root, the cache"
        " folder, the link type that works between the cache and the workspace right now"
        " (probed: a link from the cache into the work tree), the configured link types and"
        " the filesystem type. When the cache is on another file system than the work tree"
        " and the first configured type does not work across them, it says so, e.g. `copy"
        " (hardlink not possible: the cache is on another file system)`.",
        "Works outside a repository. `--json`: the same fields as one object.",
    ],
    "params show": [
        "Lists the params files the stages of every mlgit.yaml use and those the top-level"
        " `params:` lists, plus `params.yaml` at the top of the repository when it exists"
        " (whether or not a stage uses it): every value of each file, nested keys flattened"
        " (`train.lr`). Text is shown as it is, other values as JSON (`true`, `[1, 2]`).",
        "Works in any Git repository (`mlgit init` is not needed). A params file that is"
        " missing or does not parse is a row `FILE - error: ...` and the exit code is 1; the"
        " other files are still shown.",
        "`--json`: `[{\"file\", \"values\": {KEY: VALUE}, \"error\"}]` (`error` is"
        " `\"\"` for a file that was read). `--md`: a Markdown table with the columns"
        " file, key, value.",
    ],
    "params diff": [
        "Compares the params files' values at revision A (default: the last commit, HEAD,"
        " read from Git's objects: staged changes count as workspace changes) with revision"
        " B (default: the workspace), for the files `mlgit params show` lists. One row per"
        " key that was added, deleted or"
        " modified (`--all`: also the unchanged ones) with the old value, the new one and,"
        " when both are numbers, the change (new - old, exact in decimal: 0.3 - 0.1 is"
        " `+0.2`); `-` where there is nothing. A value is modified when its canonical form"
        " differs (so `1` to `1.0` is a change of `0.0`).",
        "In a repository without commits, the first line says `HEAD has no commits yet:"
        " every value is new.` and every value is added. Exit 0 whether or not anything"
        " changed; 1 when a file does not parse on one side, or is on neither (said on"
        " stderr as `error: MESSAGE (in SIDE)`, its keys are left out).",
        "`--json`: `{\"old\": \"HEAD\", \"new\": \"workspace\", \"old_empty\","
        " \"files\", \"changes\": [{\"file\", \"key\", \"status\", \"old\","
        " \"new\", \"change\"}], \"errors\": [{\"file\", \"side\", \"error\", \"hint\"}]}`;"
        " `status` is `added`, `deleted`, `modified` or `unchanged`, and `old`/`new` are null"
        " where the key is not there. `--md`: a Markdown table with the columns file, key,"
        " old, new, change, ready for a pull request comment.",
        WORKSPACE_WORD,
    ],
    "metrics show": [
        "Without TARGETS: the files stages list under `metrics:` in every mlgit.yaml, then"
        " those the top-level `metrics:` lists. TARGETS are paths as typed (relative to the"
        " current folder, inside the repository); any JSON, YAML or TOML file can be shown."
        " Nested keys are flattened (`eval.auc`); values that are not numbers are shown as"
        " they are.",
        "A metrics file that is missing (the stage has not run yet) or does not parse is a"
        " row `FILE - error: ...` and the exit code is 1; the other files are still shown."
        " `--json` and `--md`: as `mlgit params show`.",
    ],
    "metrics diff": [
        "Compares the metrics files (the FILEs, or those `mlgit metrics show` lists) at"
        " revision A (default: HEAD) with revision B (default: the workspace), as `mlgit"
        " params diff` does, with the same `--all`, `--json` and `--md` and the same exit"
        " codes. A metrics file written since the last commit has all its keys added. The"
        " first words are revisions when Git knows them and no such file exists; see"
        " [history.md](history.md#mlgit-params-diff-mlgit-metrics-diff).",
        WORKSPACE_WORD,
    ],
    "diff": [
        "Compares what revision A (default: HEAD) and revision B (default: the workspace)"
        " record in their pointer files and `mlgit.lock` files: `added`, `modified`,"
        " `deleted` and `renamed` artifacts and stage outputs, and files inside tracked"
        " folders (from the folder manifests), with sizes. A folder whose manifest is not in"
        " the cache is named in a warning and compared whole.",
        WORKSPACE_WORD,
        "Exit 0 whether or not anything changed; 1 when a pointer or lock file cannot be"
        " read on a side. `--json`: `{\"old\", \"new\", \"added\", \"modified\","
        " \"deleted\", \"renamed\": [{\"path\", \"size\", \"old_size\","
        " \"old_path\"}], \"missing_manifests\": [{\"path\", \"oid\", \"side\"}],"
        " \"errors\": [{\"file\", \"side\", \"message\", \"hint\"}]}`; paths from the"
        " repository root, folders ending in `/`. `--md`: a table status, path, size. See"
        " [history.md](history.md#mlgit-diff).",
    ],
    "get": [
        "Writes PATH as revision REV has it to OUT without touching the workspace, Git or"
        " the pointers; objects the cache lacks are fetched from the remote first, and every"
        " byte is verified. Prints `PATH as of REV (COMMIT) -> OUT: [N files, ]SIZE`."
        " `--json`: `{\"rev\", \"commit\", \"path\", \"out\", \"files\", \"size\","
        " \"fetched\", \"remote\"}`. See [history.md](history.md#mlgit-get).",
    ],
    "merge-driver": [
        "Run by Git as `mlgit merge-driver -- %O %A %B %P` once `--install` registered it"
        " (`merge.mlgit` in `.git/config`, `merge=mlgit` for `*.mlgit` and `mlgit.lock` in"
        " `.gitattributes`). Merges `mlgit.lock` stage by stage and pointer files as values;"
        " a true conflict is left between conflict markers and exits 1. `--install` also"
        " sets Git's `merge=union` for `.gitignore`, so the lines two branches append there"
        " merge cleanly. See"
        " [history.md](history.md#merging-pointer-files-and-mlgitlock).",
    ],
}


class Entry(NamedTuple):
    """One command of the CLI as the reference shows it."""

    path: tuple[str, ...]  # ("remote", "add") for `mlgit remote add`
    command: click.Command
    ctx: click.Context

    @property
    def name(self) -> str:
        """The words after `mlgit`, the key of NOTES: "add", "remote add"."""
        return " ".join(self.path)

    @property
    def is_group(self) -> bool:
        return isinstance(self.command, click.Group)


def cli_group(app: typer.Typer | None = None) -> click.Group:
    group = typer.main.get_command(app or mlgit.cli.app.app)
    assert isinstance(group, click.Group)
    return group


def _root_context(group: click.Group) -> click.Context:
    """A context like the one `mlgit` runs in (same settings, e.g. `-h` for help)."""
    return click.Context(group, info_name=PROG, **group.context_settings)


def walk(group: click.Group | None = None) -> list[Entry]:
    """Every visible command, sub-groups followed by their own commands, in the order
    `mlgit --help` (and `mlgit GROUP --help`) lists them."""
    group = group or cli_group()
    return _walk(group, _root_context(group), ())


def _walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...]) -> list[Entry]:
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        sub = click.Context(cmd, info_name=name, parent=ctx, **cmd.context_settings)
        entry = Entry((*prefix, name), cmd, sub)
        out.append(entry)
        if isinstance(cmd, click.Group):
            out += _walk(cmd, sub, entry.path)
    return out


def command_names(group: click.Group | None = None) -> list[str]:
    """The visible commands, sub-commands as "GROUP NAME", in the order of walk()."""
    return [entry.name for entry in walk(group)]


def leaf_names(group: click.Group | None = None) -> list[str]:
    """The commands that run something (not sub-groups): each needs an entry in NOTES."""
    return [entry.name for entry in walk(group) if not entry.is_group]


def _paragraphs(text: str | None) -> list[str]:
    """Help text -> paragraphs with their lines joined (click's `\\f` cut honoured)."""
    if not text:
        return []
    text = inspect.cleandoc(text).partition("\f")[0]
    paras = [" ".join(line.strip() for line in block.splitlines())
             for block in text.split("\n\n")]
    return [p for p in paras if p]


def _typer_function(cmd: click.Command) -> Callable[..., Any] | None:
    """The Python function typer built `cmd` from (typer wraps it with update_wrapper)."""
    return getattr(cmd.callback, "__wrapped__", None)


def _declared_help(callback: Callable[..., Any] | None, param: click.Parameter) -> str:
    """The help text declared on the typer parameter.

    Some typer/click pairings drop argument help on its way into click (then it is also
    missing from `--help`); the declaration still has it, so read it from there.
    """
    if callback is None or param.name is None:
        return ""
    meta = typer.utils.get_params_from_function(callback).get(param.name)
    return getattr(getattr(meta, "default", None), "help", None) or ""


def _help_of(param: click.Parameter, callback: Callable[..., Any] | None) -> str:
    text = getattr(param, "help", None) or _declared_help(callback, param)
    return " ".join(_paragraphs(text))


def _argument_line(arg: click.Argument, ctx: click.Context,
                   callback: Callable[..., Any] | None) -> str:
    metavar = arg.make_metavar(ctx)
    if arg.nargs == -1:
        how = "required, one or more" if arg.required else "optional, any number"
    else:
        how = "required" if arg.required else "optional"
    help_text = _help_of(arg, callback)
    line = f"- `{metavar}` ({how})"
    return f"{line}: {help_text}" if help_text else line


def _option_line(opt: click.Option, ctx: click.Context,
                 callback: Callable[..., Any] | None) -> str:
    names = sorted(opt.opts, key=lambda o: (o.startswith("--"), o))
    if opt.is_flag or opt.count:
        shown = ", ".join(f"`{n}`" for n in names)
    else:
        metavar = opt.make_metavar(ctx)
        shown = ", ".join(f"`{n} {metavar}`" for n in names)
    if opt.secondary_opts:
        shown += " / " + ", ".join(f"`{n}`" for n in opt.secondary_opts)
    notes = []
    if opt.required:
        notes.append("required")
    if opt.multiple:
        notes.append("repeatable")
    if not opt.is_flag and opt.default not in (None, (), [], _UNSET) \
            and opt.show_default is not False:
        notes.append(f"default: `{opt.default}`")
    if opt.envvar:
        envvars = [opt.envvar] if isinstance(opt.envvar, str) else list(opt.envvar)
        notes.append("env: " + ", ".join(f"`{e}`" for e in envvars))
    line = f"- {shown}"
    if notes:
        line += f" ({'; '.join(notes)})"
    help_text = _help_of(opt, callback)
    return f"{line}: {help_text}" if help_text else line


def _summary(cmd: click.Command) -> str:
    paras = _paragraphs(cmd.help)
    return paras[0] if paras else ""


def _link(entry: Entry) -> str:
    """`[`mlgit NAME`](#mlgit-NAME)`: GitHub's anchor of the entry's heading."""
    return f"[`{PROG} {entry.name}`](#{PROG}-{'-'.join(entry.path)})"


def render_command(entry: Entry, notes: dict[str, list[str]] | None = None,
                   children: list[Entry] | None = None) -> str:
    """The section of one command; for a sub-group, `children` are its commands."""
    notes = NOTES if notes is None else notes
    cmd, ctx = entry.command, entry.ctx
    callback = _typer_function(cmd)
    usage = " ".join([PROG, *entry.path, *cmd.collect_usage_pieces(ctx)])
    lines = [f"## {PROG} {entry.name}", "", "```text", usage, "```", ""]
    for para in _paragraphs(cmd.help):
        lines += [para, ""]
    if children:
        lines += ["**Commands**", ""]
        lines += [f"- {_link(child)}: {_summary(child.command)}" for child in children]
        lines.append("")
    params = cmd.get_params(ctx)
    args = [p for p in params if isinstance(p, click.Argument)]
    opts = [p for p in params if isinstance(p, click.Option) and not p.hidden]
    if args:
        lines += ["**Arguments**", ""]
        lines += [_argument_line(a, ctx, callback) for a in args]
        lines.append("")
    if opts:
        lines += ["**Options**", ""]
        lines += [_option_line(o, ctx, callback) for o in opts]
        lines.append("")
    if notes.get(entry.name):
        lines += ["**Details**", ""]
        lines += [f"- {note}" for note in notes[entry.name]]
        lines.append("")
    return "\n".join(lines)


def render(app: typer.Typer | None = None, notes: dict[str, list[str]] | None = None) -> str:
    """The whole reference for `app` (default: mlgit's CLI) with `notes` (default: NOTES)."""
    group = cli_group(app)
    ctx = _root_context(group)
    entries = walk(group)
    usage = " ".join([PROG, *group.collect_usage_pieces(ctx)])
    out = [
        "# Command reference",
        "",
        "```text",
        usage,
        "```",
        "",
        *[p + "\n" for p in _paragraphs(group.help)],
        "Every command accepts `-h` / `--help`. Paths are taken relative to the current"
        " folder and may be given anywhere inside the repository; output names paths"
        " relative to the repository root (except the `git` commands mlgit suggests, which"
        " are ready to paste in the current folder). Exit codes are listed in"
        " [exit-codes.md](exit-codes.md). `mlgit --version` prints `mlgit VERSION`"
        " (`mlgit version` also shows the libraries).",
        "",
        "| Command | What it does |",
        "|---|---|",
    ]
    out += [f"| {_link(e)} | {_summary(e.command)} |" for e in entries]
    out.append("")
    for entry in entries:
        children = [e for e in entries if e.path[:-1] == entry.path] if entry.is_group else None
        out.append(render_command(entry, notes, children))
    return "\n".join(out).rstrip("\n") + "\n"


def check(path: Path = COMMANDS_MD) -> int:
    expected = render()
    try:
        actual = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        actual = ""
    if actual == expected:
        return 0
    diff = difflib.unified_diff(actual.splitlines(keepends=True),
                                expected.splitlines(keepends=True),
                                f"{path.name} (on disk)", f"{path.name} (from the CLI)")
    sys.stderr.writelines(diff)
    sys.stderr.write(f"\n{path} is out of date; regenerate it with: {REGENERATE}\n")
    return 1


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        return check()
    if argv:
        sys.stderr.write("usage: gen_commands.py [--check]\n")
        return 2
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
