"""The artifacts a Git revision references, read from Git's objects (never from a checked-out
work tree): what its pointer files track, and the stage outputs its mlgit.lock files record,
as `mlgit diff`, `gc --all-commits`, `push --rev`, `checkout --rev` and `get` use them."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlgit import pointer as pointer_mod
from mlgit.errors import MlgitError
from mlgit.git.revisions import RevisionFiles, RevisionTrees
from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace.targets import Broken, Target, Tracked


@dataclass
class RevisionArtifacts:
    """`rev` as named, `commit` its full id; `items` the artifacts (pointer files first,
    then stage outputs, whose pointer_rel is their mlgit.lock); `broken` the pointer and
    lock files that cannot be read."""

    rev: str
    commit: str
    items: list[Tracked] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)


def artifacts_at(repo: Repo, trees: RevisionTrees, rev: str, pushing: bool = False,
                 shown: str | None = None) -> RevisionArtifacts:
    """Everything revision `rev` references (with `pushing`, without the stage outputs
    marked `push: false`); messages name it `shown` (default: `rev`). An unknown revision
    raises MlgitError."""
    files = trees.files(rev)
    shown = shown or rev
    found = RevisionArtifacts(rev, files.commit)
    for pointer_rel, raw in files.pointers:
        key = ("pointer", pointer_rel, raw)
        item = trees.parsed.get(key)
        if item is None:
            item = trees.parsed[key] = _tracked(repo, pointer_rel, raw)
        if isinstance(item, MlgitError):
            found.broken.append(Broken(pointer_rel, at_revision_error(item, shown)))
        else:
            found.items.append(item)
    lock_key = ("outputs", tuple(files.locks), tuple(files.pipelines), pushing)
    outputs = trees.parsed.get(lock_key)
    if outputs is None:
        outputs = trees.parsed[lock_key] = _outputs(repo.root, files, pushing)
    for lock_rel, recorded in outputs.items():
        if isinstance(recorded, MlgitError):
            found.broken.append(Broken(lock_rel, at_revision_error(recorded, shown)))
        else:
            found.items += recorded
    return found


def _tracked(repo: Repo, pointer_rel: str, raw: bytes) -> Tracked | MlgitError:
    try:
        ptr = pointer_mod.loads(raw, pointer_rel)
        return Tracked(pointer_rel, repo.artifact_rel(pointer_rel, ptr), ptr)
    except MlgitError as exc:
        return exc


def at_revision_error(exc: MlgitError, rev: str) -> MlgitError:
    """`exc`, raised reading a file as revision `rev` holds it, naming that revision.
    The usual hint (pick a side, restore the file, fix the line) acts on the work tree: a
    commit cannot change, and no merge is under way for it."""
    return type(exc)(f"{exc.message} (at {rev})",
                     f"the commit {rev} holds the file as it is and cannot change; fix the"
                     " file in the work tree and commit that (or use another revision)")


def _outputs(root: str, files: RevisionFiles, pushing: bool
             ) -> dict[str, list[Tracked] | MlgitError]:
    """The cached outputs each lock file records for the stages its mlgit.yaml (at the same
    revision) declares; every output it records when that mlgit.yaml cannot be read."""
    from mlgit.pipeline.lockfile import loads

    pipelines = dict(files.pipelines)
    found: dict[str, list[Tracked] | MlgitError] = {}
    for lock_rel, text in files.locks:
        try:
            entries = loads(text, lock_rel)
        except MlgitError as exc:
            found[lock_rel] = exc
            continue
        declared = _declared_outs(root, lock_rel, pipelines)
        outputs = []
        for name, entry in entries.items():
            for path, h in entry.outs.items():
                out = declared.get((name, path)) if declared is not None else (True, True)
                if out is None or not out[0] or (pushing and not out[1]):
                    continue  # not cached (or not pushed), or not declared at that revision
                kind = "file" if h.nfiles is None else "dir"
                ptr = Pointer(kind, path.rpartition("/")[2], h.oid, h.size, h.nfiles)
                outputs.append(Tracked(lock_rel, path, ptr))
        found[lock_rel] = outputs
    return found


def _declared_outs(root: str, lock_rel: str, pipelines: dict[str, bytes]
                   ) -> dict[tuple[str, str], tuple[bool, bool]] | None:
    """(stage, output path) -> (cache, push) as the mlgit.yaml beside `lock_rel` declares
    them; None when it cannot be read (every recorded output then counts)."""
    from mlgit.pipeline.parse import load_text

    folder = lock_rel.rpartition("/")[0]
    yaml_rel = f"{folder}/mlgit.yaml" if folder else "mlgit.yaml"
    text = pipelines.get(yaml_rel)
    if text is None:
        return None
    try:
        stages, _ = load_text(root, yaml_rel, text, {})
    except MlgitError:  # vars from files that differ now, or a format this mlgit lacks
        return None
    return {(s.name, o.path): (o.cache, o.push) for s in stages for o in s.outs}


@dataclass(frozen=True)
class Revisions:
    """The revisions a command was asked for (--rev, --all-branches, --all-tags,
    --all-commits) and whether the workspace counts too."""

    revs: tuple[str, ...] = ()
    all_branches: bool = False
    all_tags: bool = False
    all_commits: bool = False
    workspace: bool = True

    @property
    def any(self) -> bool:
        return bool(self.revs) or self.all_branches or self.all_tags or self.all_commits

    @property
    def history_flag(self) -> str:
        """The first --all-... option given ("" for none): what reads whole histories."""
        for flag, given in (("--all-commits", self.all_commits),
                            ("--all-branches", self.all_branches), ("--all-tags", self.all_tags)):
            if given:
                return flag
        return ""


NO_REVISIONS = Revisions()


def revision_targets(repo: Repo, chosen: Revisions, paths: list[str] | None = None,
                     pushing: bool = False) -> tuple[list[Target], list[Broken]]:
    """What the chosen revisions reference, each artifact version once (with `paths`, only
    what they name: artifacts at or under them, or parts of tracked folders), and the
    pointer and lock files there that cannot be read."""
    from mlgit.git.revisions import chosen_revisions
    from mlgit.paths import resolve_user_path

    trees = RevisionTrees(repo.root)
    named = [resolve_user_path(repo.root, p) for p in paths or []]
    targets: dict[tuple[str, str, str], Target] = {}
    broken: dict[tuple[str, str], Broken] = {}
    for revision in chosen_revisions(trees, list(chosen.revs), chosen.all_branches,
                                     chosen.all_tags, chosen.all_commits):
        found = artifacts_at(repo, trees, revision.commit, pushing, revision.name)
        for item in found.items:
            for sub in _parts_named(item.rel, named) if named else [""]:
                if sub and not item.ptr.is_dir:
                    continue
                targets.setdefault((item.rel, item.ptr.oid, sub), Target(item, sub))
        for b in found.broken:
            broken.setdefault((b.pointer_rel, b.error.message), b)
    return list(targets.values()), list(broken.values())


def skipped_at_revisions(broken: list[Broken]) -> list[tuple[str, str]]:
    """(path, why) for the unreadable pointer and lock files of commits: each names no
    object a transfer could move, and a commit never changes, so failing for them would
    fail every later run too."""
    return [(b.pointer_rel, b.error.message.removeprefix(f"{b.pointer_rel}: "))
            for b in broken]


def _parts_named(rel: str, named: list[str]) -> list[str]:
    """"" when a path names the artifact `rel` (or a folder above it); else the paths
    inside it that are named."""
    parts = []
    for path in named:
        if rel == path or rel.startswith(path + "/") or not path:
            return [""]
        if path.startswith(rel + "/"):
            parts.append(path[len(rel) + 1:])
    return parts
