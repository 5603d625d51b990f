"""mlgit add: store files and directories in the cache and write their pointer files."""

from __future__ import annotations

import glob
import os
import shlex
import time
from dataclasses import dataclass

from mlgit import pointer
from mlgit.errors import BadPath, MlgitError
from mlgit.fileio import is_disk_full, reporting_disk_full
from mlgit.git import repository
from mlgit.paths import (
    artifact_path_for,
    at_or_under,
    check_utf8,
    is_pointer_name,
    pointer_path_for,
    resolve_user_path,
    shell_command,
)
from mlgit.pointer import Pointer
from mlgit.progress import OpenProgress, no_progress
from mlgit.repo import Repo
from mlgit.workspace import gitignore
from mlgit.workspace.build import build_parts, remember_complete
from mlgit.workspace.dangling import dangling_error
from mlgit.workspace.folder_update import build_folder
from mlgit.workspace.recording import (
    Added,
    check_file_unchanged,
    check_files_unchanged,
    check_recorded_version_known,
    link_workspace,
    stat_or_none,
    unreadable,
    write_pointer,
)
from mlgit.workspace.scan import FileState, cache_link_oid, dangling_cache_link
from mlgit.workspace.targets import Target, check_part_exists, containing_pointer, load
from mlgit.workspace.unchanged import Proof, UnchangedMemo

GLOB_CHARS = set("*?[")


@dataclass
class AddResult:
    items: list[Added]
    git_add: list[str]


def expand(repo: Repo, args: list[str]) -> list[str]:
    """User arguments -> validated rel paths (glob patterns expanded, duplicates dropped)."""
    rels: list[str] = []
    for arg in args:
        for path in _expand_one(arg):
            rel = resolve_user_path(repo.root, path)
            if rel not in rels:
                rels.append(rel)
    check_utf8(rels)
    return rels


def _expand_one(arg: str) -> list[str]:
    if os.path.lexists(arg) or not GLOB_CHARS & set(arg):
        return [arg]
    matches = sorted(m for m in glob.glob(arg, recursive=True) if not is_pointer_name(m))
    if not matches:
        raise BadPath(f"{arg}: no file matches this pattern", "check the pattern and quoting")
    return matches


class WorkFiles:
    """The work tree's pointer files and pipeline files, from one `git ls-files` made when
    first needed: before a first add, the folder being added is not ignored yet, so every
    listing walks all of its files (seconds for a million)."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._listed: tuple[list[str], list[str], list[str]] | None = None
        self._pointers: list[str] | None = None

    def _listing(self) -> tuple[list[str], list[str], list[str]]:
        if self._listed is None:
            from mlgit.pipeline.files import PIPELINE_FILE

            self._listed = repository.list_work_files(self.repo.root, PIPELINE_FILE)
        return self._listed

    def pointer_files(self) -> list[str]:
        """Repo.pointer_files, from the one listing."""
        if self._pointers is None:
            pointers, temps, _ = self._listing()
            self._pointers = self.repo.pointer_files((pointers, temps))
        return self._pointers

    def pipeline_files(self) -> list[str]:
        """pipeline.files.pipeline_files, from the one listing."""
        from mlgit.pipeline.files import pipeline_files

        return pipeline_files(self.repo.root, self._listing()[2])


def check_targets(repo: Repo, rels: list[str], work: WorkFiles | None = None) -> None:
    work = work or WorkFiles(repo)
    _check_names(rels)
    for rel in rels:
        _check_one(repo, rel)
    _check_git_sees(repo, rels)
    _check_overlaps(repo, rels, work)
    _check_not_stage_outputs(repo, rels, work)
    tracked = repository.tracked_under(repo.root, rels)
    for rel, files in tracked.items():
        raise BadPath(f"{rel}: already tracked by Git ({files[0]})",
                      f"stop tracking it in Git first: git rm -r --cached '{rel}'")


def _check_not_stage_outputs(repo: Repo, rels: list[str], work: WorkFiles) -> None:
    """A stage's output is recorded by 'mlgit repro' in mlgit.lock: a pointer file for it
    (or for a folder holding it, or a file inside it) would record it twice, and the
    pipeline refuses that. A pipeline that cannot be read is not this command's concern."""
    files = work.pipeline_files()
    if not files:
        return
    from mlgit.pipeline.load import load_pipeline

    try:
        stages = load_pipeline(repo.root, files).stages
    except MlgitError:
        return
    for stage in stages:
        for out in stage.outs:
            for rel in rels:
                if rel == out.path:
                    what = "is an output"
                elif at_or_under(rel, out.path):
                    what = f"is inside {out.path}, an output"
                elif at_or_under(out.path, rel):
                    what = f"holds {out.path}, an output"
                else:
                    continue
                raise BadPath(f"{rel}: {what} of stage {stage.address} ({stage.file})",
                              "'mlgit repro' records it in mlgit.lock: to update it, run the"
                              f" stage ({shell_command('mlgit repro -f', stage.address)})")


def _check_names(rels: list[str]) -> None:
    """Names no .gitignore line can express (names that are not UTF-8 are refused by
    `expand`)."""
    for rel in rels:
        gitignore.check_name(rel)


def _check_git_sees(repo: Repo, rels: list[str]) -> None:
    """The pointer must be where this repository's Git sees it: not in a repository of its
    own (a submodule), not in a place Git ignores."""
    for rel in rels:
        nested = repository.repository_holding(repo.root, rel)
        if nested is not None:
            raise _in_other_repository(repo, rel, nested)
    pointers = {pointer_path_for(rel): rel for rel in rels}
    for pointer_rel, rule in repository.ignored(repo.root, list(pointers)).items():
        name = pointer_rel.rpartition("/")[2]
        if rule.endswith("/"):  # a folder rule: Git never looks inside that folder
            fix = "un-ignore the folder (a '!' rule for the file alone cannot work)"
        else:
            fix = f"add the rule '!{gitignore.escape(name)[1:]}' after that one"
        raise BadPath(f"{pointers[pointer_rel]}: Git ignores its pointer file {pointer_rel}"
                      f" ({rule}), so Git would never see it",
                      f"{fix}, or keep the data in a folder Git does not ignore")


def _in_other_repository(repo: Repo, rel: str, nested: str) -> BadPath:
    where = shlex.quote(os.path.relpath(repo.abspath(nested)))
    submodule = os.path.isfile(repo.abspath(f"{nested}/.git"))
    if rel == nested:
        what = "a Git submodule" if submodule else "a Git repository of its own (it holds .git)"
        return BadPath(f"{rel}: is {what}", f"run mlgit in it: cd {where} && mlgit init,"
                       " then add the data inside it")
    what = (f"the Git submodule {nested}" if submodule
            else f"{nested}, a Git repository of its own (it holds .git)")
    inner = shlex.quote(rel[len(nested) + 1:])
    return BadPath(f"{rel}: is inside {what}",
                   f"run mlgit in it: cd {where} && mlgit add {inner}")


def _check_one(repo: Repo, rel: str) -> None:
    if is_pointer_name(rel):
        raise BadPath(f"{rel}: is an mlgit pointer file, not data",
                      f"add the data it points to: mlgit add {rel.removesuffix('.mlgit')}")
    if not os.path.lexists(repo.abspath(rel)):
        raise BadPath(f"{rel}: no such file or directory", "check the path")
    pointer_rel = pointer_path_for(rel)
    if os.path.isdir(repo.abspath(pointer_rel)):
        raise BadPath(f"{pointer_rel}: is a folder, so the pointer file of {rel} cannot be"
                      " written there", f"rename or move the folder {pointer_rel}, then add"
                      " again")
    _check_name_length(repo, rel, pointer_rel)
    _check_not_dangling(repo, rel)
    if os.path.islink(repo.abspath(rel)) and cache_link_oid(repo.abspath(rel),
                                                            repo.cache_dir) is None:
        # mlgit's own link into the cache (cache.link symlink) stands for its object
        raise BadPath(f"{rel}: is a symbolic link; mlgit tracks files and folders, not links",
                      "add the link's target instead, or replace the link with a copy")


def _check_not_dangling(repo: Repo, rel: str) -> None:
    """mlgit's own link whose cache object was set aside holds nothing to add."""
    if dangling_cache_link(repo.abspath(rel), repo.cache_dir):
        raise dangling_error(rel)


def _check_name_length(repo: Repo, rel: str, pointer_rel: str) -> None:
    """The pointer's name is the data's name plus '.mlgit': refuse before writing anything
    if the filesystem cannot hold that name."""
    folder = os.path.dirname(repo.abspath(pointer_rel))
    name = os.fsencode(os.path.basename(pointer_rel))
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(name) > limit:
        raise BadPath(f"{rel}: the name is too long for its pointer file ({len(name)} bytes"
                      f" with '.mlgit'; this filesystem allows {limit})",
                      f"rename it to at most {limit - len('.mlgit')} bytes, then add it")


def _check_overlaps(repo: Repo, rels: list[str], work: WorkFiles) -> None:
    artifacts = [artifact_path_for(p) for p in work.pointer_files()]
    for rel in rels:
        for other in [*artifacts, *rels]:
            if other == rel:
                continue
            if rel.startswith(other + "/"):
                raise BadPath(f"{rel}: is inside {other}, which is tracked as a whole",
                              f"add {other} instead to update it")
            if other.startswith(rel + "/"):
                _check_is_pointer(repo, pointer_path_for(other))
                raise BadPath(f"{rel}: contains {other}, which is tracked on its own",
                              f"stop tracking it first with 'mlgit rm {other}'")


def _check_is_pointer(repo: Repo, pointer_rel: str) -> None:
    """Refuse with the pointer's own error when a file inside a folder being added is only
    named like a pointer: 'mlgit rm' of its artifact cannot help."""
    try:
        repo.read_pointer(pointer_rel)
    except MlgitError as exc:
        if pointer.NOT_A_POINTER in exc.message:
            raise


def add(repo: Repo, args: list[str], force: bool = False,
        open_progress: OpenProgress = no_progress) -> AddResult:
    rels = expand(repo, args)
    work = WorkFiles(repo)
    parts, rels = split_parts(repo, rels, work)
    check_targets(repo, rels, work)
    with reporting_disk_full(repo.cache_dir, lambda: sum(_size(repo, rel) for rel in rels)
                             + sum(_size(repo, f"{t.item.rel}/{t.sub}") for t in parts)):
        return _add(repo, rels, parts, force, open_progress)


def _size(repo: Repo, rel: str) -> int:
    """Bytes of data at `rel` (a file or a folder's files)."""
    top = repo.abspath(rel)
    if not os.path.isdir(top):
        return os.lstat(top).st_size if os.path.lexists(top) else 0
    return sum(os.lstat(os.path.join(folder, name)).st_size
               for folder, _, names in os.walk(top) for name in names)


def _add(repo: Repo, rels: list[str], parts: list[Target], force: bool,
         open_progress: OpenProgress) -> AddResult:
    with repo.lock():
        memo = UnchangedMemo(repo.tmp_dir)
        proofs: list[Proof | None] = []
        try:
            built = [_build_one(repo, rel, open_progress, memo, proofs) for rel in rels]
            if not force:
                for rel, ptr, _ in built:
                    check_recorded_version_known(repo, rel, ptr)
            built += _build_parts(repo, parts, open_progress)
            repo.odb.finish()
        except BaseException:
            repo.odb.abort()
            raise
        items = [write_pointer(repo, rel, ptr) for rel, ptr, _ in built]
        link_workspace(repo, [(rel, ptr, files) for rel, ptr, files in built])
        for rel, ptr, _ in built:
            repo.state.record_placed(rel, ptr.kind, ptr.oid, replace=True)
        stamp = remember_complete(repo, [ptr for _, ptr, _ in built[:len(rels)]])
        repo.state.flush()
        _remember_unchanged(memo, proofs, built, stamp)
        git_add = _ignore_added(repo, items)
    return AddResult(items, git_add)


def _ignore_added(repo: Repo, items: list[Added]) -> list[str]:
    """Write the .gitignore entry of each artifact added or updated (the caller holds the
    repo lock); returns the paths to give `git add`."""
    git_add: set[str] = set()
    untouched: set[str] = set()  # .gitignore files this add did not change
    for item in items:
        # an unchanged one too: a pointer moved with `git mv` left its line behind
        changed = gitignore.add_entry(repo.root, item.path)
        folder = item.path.rpartition("/")[0]
        ignore_file = f"{folder}/.gitignore" if folder else ".gitignore"
        if item.status != "unchanged":
            git_add.add(item.pointer_path)
            (git_add if changed else untouched).add(ignore_file)
        elif changed:
            git_add.add(ignore_file)
    untouched -= git_add
    if untouched:  # still named when an earlier add changed it and Git does not have that
        git_add |= repository.differ_from_index(repo.root, sorted(untouched))
    return sorted(git_add)


def split_parts(repo: Repo, rels: list[str], work: WorkFiles | None = None
                ) -> tuple[list[Target], list[str]]:
    """Paths inside a tracked folder (each updates that folder's pointer) apart from the
    other paths. A part of a folder that is itself being added is dropped."""
    if all("/" not in rel for rel in rels):
        return [], rels  # nothing at the top of the repository is inside a folder
    pointers = (work or WorkFiles(repo)).pointer_files()
    parts: list[Target] = []
    others: list[str] = []
    for rel in rels:
        folder = None if is_pointer_name(rel) else containing_pointer(repo, rel, pointers)
        if folder is None:
            others.append(rel)
        elif artifact_path_for(folder) not in rels:
            target = Target(load(repo, folder), rel[len(artifact_path_for(folder)) + 1:])
            check_part_exists(repo, target)
            parts.append(target)
    part_rels = [f"{t.item.rel}/{t.sub}" for t in parts]
    check_utf8(part_rels)
    for rel, files in repository.tracked_under(repo.root, part_rels).items():
        raise BadPath(f"{rel}: already tracked by Git ({files[0]})",
                      f"stop tracking it in Git first: git rm -r --cached '{rel}'")
    return parts, others


def _build_parts(repo: Repo, parts: list[Target], open_progress: OpenProgress
                 ) -> list[tuple[str, Pointer, dict[str, FileState] | None]]:
    """Each tracked folder named by `parts` with the entries under those parts replaced by
    what is in the workspace now (see build.build_parts)."""
    by_folder: dict[str, list[Target]] = {}
    for target in parts:
        by_folder.setdefault(target.item.pointer_rel, []).append(target)
    built: list[tuple[str, Pointer, dict[str, FileState] | None]] = []
    for targets in by_folder.values():
        item = targets[0].item
        label = f"{item.rel}/{targets[0].sub}" if len(targets) == 1 \
            else f"{len(targets)} paths in {item.rel}"
        try:
            started = time.time_ns()
            with open_progress(f"add {label}") as progress:
                ptr, files = build_parts(repo, item.rel, item.ptr, [t.sub for t in targets],
                                         progress=progress)
        except OSError as exc:
            raise unreadable(repo, item.rel, exc) from None
        check_files_unchanged(repo, item.rel, files, started)
        built.append((item.rel, ptr, files))
    return built


def _remember_unchanged(memo: UnchangedMemo, proofs: list[Proof | None],
                        built: list[tuple[str, Pointer, dict[str, FileState] | None]],
                        stamp: bytes | None) -> None:
    """Remember each added folder's fingerprint, taken before it was read, as matching the
    pointer just written: the next add or status reads only the parts that change."""
    for proof, (_, ptr, _) in zip(proofs, built, strict=False):
        if proof is not None:
            proof.oid, proof.stamp = ptr.oid, stamp or b""
            memo.remember(proof)
    memo.save()


def _build_one(repo: Repo, rel: str, open_progress: OpenProgress, memo: UnchangedMemo,
               proofs: list[Proof | None]
               ) -> tuple[str, Pointer, dict[str, FileState] | None]:
    started = time.time_ns()
    before = stat_or_none(repo.abspath(rel))
    try:
        with open_progress(f"add {rel}") as progress:
            ptr, files, proof = build_folder(repo, rel, memo, progress=progress)
            proofs.append(proof)
    except OSError as exc:
        if is_disk_full(exc):
            raise
        raise unreadable(repo, rel, exc) from None
    if files is None:
        check_file_unchanged(repo, rel, ptr, before)
    else:
        check_files_unchanged(repo, rel, files, started)
    return rel, ptr, files
