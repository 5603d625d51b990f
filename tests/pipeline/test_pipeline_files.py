"""Several mlgit.yaml files form one pipeline; how they are found; malformed YAML; and the
memo that spares a re-parse while no file changed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.memo import MEMO_NAME
from tests.conftest import git, mlgit, write
from tests.pipeline.loading import load, refused, stages


def test_files_in_subfolders_form_one_pipeline(gitrepo: Path) -> None:
    pipeline = load(gitrepo, {
        "mlgit.yaml": "stages:\n  top:\n    cmd: x\n    outs: [data/prepared]\n",
        "models/mlgit.yaml": "stages:\n  train:\n    cmd: y\n    deps: [../data/prepared]\n"
                             "    outs: [model.pkl]\n",
        "a/b/c/mlgit.yaml": "stages:\n  deep:\n    cmd: z\n    wdir: ..\n    deps: [f]\n",
        "models/params.yaml": "lr: 1\n",
    })
    assert pipeline.files == ["mlgit.yaml", "a/b/c/mlgit.yaml", "models/mlgit.yaml"]
    got = {s.address: s for s in pipeline.stages}
    assert list(got) == ["top", "a/b/c/mlgit.yaml:deep", "models/mlgit.yaml:train"]
    assert got["models/mlgit.yaml:train"].deps == ("data/prepared",)
    assert got["models/mlgit.yaml:train"].outs[0].path == "models/model.pkl"
    assert got["models/mlgit.yaml:train"].lock_file == "models/mlgit.lock"
    assert got["a/b/c/mlgit.yaml:deep"].wdir == "a/b"
    assert got["a/b/c/mlgit.yaml:deep"].deps == ("a/b/f",)


def test_each_file_reads_the_params_yaml_of_its_own_folder(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "params.yaml": "who: top\n",
        "sub/params.yaml": "who: sub\n",
        "mlgit.yaml": "stages:\n  a:\n    cmd: echo ${who}\n",
        "sub/mlgit.yaml": "stages:\n  a:\n    cmd: echo ${who}\n    params: [who]\n",
    })
    assert got["a"].cmd == ("echo top",)
    assert got["sub/mlgit.yaml:a"].cmd == ("echo sub",)
    assert got["sub/mlgit.yaml:a"].params[0].file == "sub/params.yaml"


def test_files_git_ignores_or_inside_mlgit_are_not_read(gitrepo: Path) -> None:
    pipeline = load(gitrepo, {
        ".gitignore": "/build/\n",
        "build/mlgit.yaml": "not: [valid\n",
        "mlgit.yaml": "stages:\n  a:\n    cmd: x\n",
        "tracked/mlgit.yaml": "stages:\n  b:\n    cmd: x\n",
        "sub/mlgit.yaml/keep": "a folder named mlgit.yaml is not a pipeline file",
    })
    assert pipeline.files == ["mlgit.yaml", "tracked/mlgit.yaml"]
    git(gitrepo, "add", "tracked/mlgit.yaml")
    (gitrepo / "tracked" / "mlgit.yaml").unlink()  # deleted in the work tree, still in the index
    assert load_pipeline(str(gitrepo)).files == ["mlgit.yaml"]


def test_no_pipeline_files(gitrepo: Path) -> None:
    pipeline = load_pipeline(str(gitrepo))
    assert (pipeline.stages, pipeline.files, pipeline.top_level) == ([], [], {})


def test_malformed_yaml_names_file_and_line(gitrepo: Path) -> None:
    refused(gitrepo, {"sub/mlgit.yaml": "stages:\n  t:\n    cmd: x\n   deps: [a]\n"},
            "sub/mlgit.yaml:4: invalid YAML: ")
    refused(gitrepo, {"sub/mlgit.yaml": "stages:\n  t:\n    cmd: [x\n"},
            "^sub/mlgit.yaml:4: invalid YAML: ")
    refused(gitrepo, {"sub/mlgit.yaml": "stages:\n  t:\n    cmd: x\n  t:\n    cmd: y\n"},
            "sub/mlgit.yaml:4: the key 't' is written twice in one mapping")
    refused(gitrepo, {"sub/mlgit.yaml": "stages:\n  t:\n    cmd: x\n    cmd: y\n"},
            "sub/mlgit.yaml:4: the key 'cmd' is written twice")
    write(gitrepo / "sub" / "mlgit.yaml", b"stages:\n  t:\n    cmd: \xff\n")
    refused(gitrepo, {}, "sub/mlgit.yaml")


def _age(root: Path, *rels: str) -> None:
    """Make files look older than the memo's two-second window."""
    past = time.time() - 60
    for rel in rels:
        os.utime(root / rel, (past, past))


def test_the_memo_is_used_until_an_input_changes(repo: Path) -> None:
    files = {"params.yaml": "lr: 1\n", "conf.json": '{"n": 1}',
             "mlgit.yaml": "vars: [conf.json]\nstages:\n  a:\n    cmd: echo ${lr} ${n}\n"}
    load(repo, files)
    _age(repo, *files)
    memo = repo / ".mlgit" / "tmp" / MEMO_NAME
    assert load_pipeline(str(repo)).stages[0].cmd == ("echo 1 1",)
    assert memo.exists()
    assert load_pipeline(str(repo)).stages[0].cmd == ("echo 1 1",)  # from the memo
    for rel, text, expected in (("conf.json", '{"n": 2}', "echo 1 2"),
                                ("params.yaml", "lr: 3\n", "echo 3 2")):
        write(repo / rel, text)
        assert load_pipeline(str(repo)).stages[0].cmd == (expected,)
        _age(repo, rel)
        load_pipeline(str(repo))
    (repo / "params.yaml").unlink()
    refused(repo, {}, "'lr' is not defined")


def test_the_memo_notices_a_new_params_yaml_and_a_new_file(repo: Path) -> None:
    files = {"mlgit.yaml": "vars: [{lr: 1}]\nstages:\n  a:\n    cmd: echo ${lr}\n"}
    load(repo, files)
    _age(repo, "mlgit.yaml")
    assert load_pipeline(str(repo)).stages[0].cmd == ("echo 1",)
    write(repo / "params.yaml", "lr: 2\n")
    refused(repo, {}, "'lr' is defined twice: in params.yaml and in vars[0]")
    (repo / "params.yaml").unlink()
    write(repo / "sub" / "mlgit.yaml", "stages:\n  b:\n    cmd: x\n")
    assert [s.address for s in load_pipeline(str(repo)).stages] == ["a", "sub/mlgit.yaml:b"]


def test_a_damaged_memo_is_ignored(repo: Path) -> None:
    load(repo, {"mlgit.yaml": "stages:\n  a:\n    cmd: x\n"})
    _age(repo, "mlgit.yaml")
    load_pipeline(str(repo))
    memo = repo / ".mlgit" / "tmp" / MEMO_NAME
    memo.write_bytes(b"\x00garbage")
    assert [s.name for s in load_pipeline(str(repo)).stages] == ["a"]
    mlgit(repo, "status")


def test_finding_the_files_imports_neither_yaml_nor_dataclasses(gitrepo: Path) -> None:
    from mlgit.pipeline import files, model

    assert files.PIPELINE_FILE == model.PIPELINE_FILE
    code = ("import sys; from mlgit.pipeline.files import pipeline_files;"
            f" print(pipeline_files({str(gitrepo)!r}));"
            " print(sorted(m for m in ('yaml', 'dataclasses', 'typing') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines() == ["[]", "[]"]


def test_aliases_are_read_but_an_alias_bomb_is_refused(gitrepo: Path) -> None:
    got = stages(gitrepo, {"mlgit.yaml": """
        vars:
          - common: &common
              deps: &deps [shared.py]
        stages:
          a:
            <<: *common
            cmd: x
          b:
            cmd: y
            deps: *deps
        """})
    assert got["a"].deps == ("shared.py",)
    assert got["b"].deps == ("shared.py",)
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]"
              for i in range(7)]
    refused(gitrepo, {"mlgit.yaml": "vars:\n  - " + "\n    ".join(lines) + "\nstages: {}\n"},
            "mlgit.yaml: its aliases (*name) expand to more than 1,000,000 values")
    refused(gitrepo, {"mlgit.yaml": "stages: " + "[" * 5000 + "]" * 5000 + "\n"},
            "mlgit.yaml")
